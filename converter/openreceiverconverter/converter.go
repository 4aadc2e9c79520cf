// Copyright The Hypha Authors
// SPDX-License-Identifier: Apache-2.0

// Package openreceiverconverter warns, when the configuration is resolved,
// about every OTLP receiver endpoint that accepts data from other hosts
// without authentication. It changes nothing: running open is a choice
// (HYPHA_AUTH=none), but one that should never go unnoticed.
package openreceiverconverter // import "github.com/hypha-obs/hypha/converter/openreceiverconverter"

import (
	"context"
	"net"
	"sort"
	"strings"

	"go.opentelemetry.io/collector/confmap"
	"go.uber.org/zap"
)

// NewFactory returns the factory for the converter.
func NewFactory() confmap.ConverterFactory {
	return confmap.NewConverterFactory(func(set confmap.ConverterSettings) confmap.Converter {
		return converter{logger: set.Logger}
	})
}

type converter struct{ logger *zap.Logger }

func (c converter) Convert(_ context.Context, conf *confmap.Conf) error {
	for _, open := range openEndpoints(conf) {
		c.logger.Warn("An OTLP receiver accepts data from other hosts without authentication; set HYPHA_AUTH_TOKEN (or configure an authenticator) unless the network in front of it is trusted",
			zap.String("receiver", open.receiver), zap.String("protocol", open.protocol), zap.String("endpoint", open.endpoint))
	}
	return nil
}

type endpoint struct{ receiver, protocol, endpoint string }

// openEndpoints lists the OTLP receivers' protocols that listen beyond
// loopback and have no auth section, in a stable order.
func openEndpoints(conf *confmap.Conf) []endpoint {
	receivers, _ := conf.Get("receivers").(map[string]any)
	var open []endpoint
	for id, raw := range receivers {
		if t, _, _ := strings.Cut(id, "/"); t != "otlp" {
			continue
		}
		cfg, _ := raw.(map[string]any)
		protocols, _ := cfg["protocols"].(map[string]any)
		for name, rawProto := range protocols {
			proto, _ := rawProto.(map[string]any)
			if proto["auth"] != nil {
				continue
			}
			ep, _ := proto["endpoint"].(string)
			if ep == "" {
				ep = defaultEndpoints[name]
			}
			if !loopbackOnly(ep) {
				open = append(open, endpoint{receiver: id, protocol: name, endpoint: ep})
			}
		}
	}
	sort.Slice(open, func(i, j int) bool {
		return open[i].receiver+open[i].protocol < open[j].receiver+open[j].protocol
	})
	return open
}

// defaultEndpoints are the OTLP receiver's, which bind to localhost.
var defaultEndpoints = map[string]string{"grpc": "localhost:4317", "http": "localhost:4318"}

func loopbackOnly(endpoint string) bool {
	host, _, err := net.SplitHostPort(endpoint)
	if err != nil {
		host = endpoint // a unix socket path or a bare host
		if strings.HasPrefix(endpoint, "/") {
			return true
		}
	}
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
