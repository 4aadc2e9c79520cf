// Copyright The Hypha Authors
// SPDX-License-Identifier: Apache-2.0

package hyphauiextension // import "github.com/hypha-obs/hypha/extension/hyphauiextension"

import (
	"context"
	"time"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/config/confighttp"
	"go.opentelemetry.io/collector/extension"

	"github.com/hypha-obs/hypha/extension/hyphauiextension/internal/metadata"
)

const (
	// defaultEndpoint is loopback: the UI shows every log line, so it is
	// opened beyond the host only on purpose.
	defaultEndpoint = "127.0.0.1:16680"
	// defaultLogsEndpoint and defaultJaegerEndpoint are the stores' query
	// APIs under the names the shipped deployments give them.
	defaultLogsEndpoint   = "http://loki:3100"
	defaultJaegerEndpoint = "http://jaeger:16686"
	// defaultTelemetryEndpoint is the collector's own metrics at the
	// shipped configs' default address.
	defaultTelemetryEndpoint = "http://127.0.0.1:8888/metrics"
	// defaultStoreTimeout bounds every store query: a page shows a banner
	// naming the store rather than waiting.
	defaultStoreTimeout     = 15 * time.Second
	defaultTelemetryTimeout = 5 * time.Second
	defaultRange            = time.Hour
	// defaultMaxRange is a week, VictoriaLogs' default retention.
	defaultMaxRange = 7 * 24 * time.Hour
)

// NewFactory returns the factory for the hypha_ui extension.
func NewFactory() extension.Factory {
	return extension.NewFactory(
		metadata.Type,
		createDefaultConfig,
		createExtension,
		metadata.ExtensionStability,
	)
}

func createDefaultConfig() component.Config {
	server := confighttp.NewDefaultServerConfig()
	server.NetAddr.Endpoint = defaultEndpoint
	return &Config{
		ServerConfig: server,
		Logs:         LogsConfig{Store: storeLoki, ClientConfig: client(defaultLogsEndpoint, defaultStoreTimeout)},
		Jaeger:       client(defaultJaegerEndpoint, defaultStoreTimeout),
		Telemetry:    client(defaultTelemetryEndpoint, defaultTelemetryTimeout),
		DefaultRange: defaultRange,
		MaxRange:     defaultMaxRange,
	}
}

func client(endpoint string, timeout time.Duration) confighttp.ClientConfig {
	c := confighttp.NewDefaultClientConfig()
	c.Endpoint = endpoint
	c.Timeout = timeout
	return c
}

func createExtension(_ context.Context, set extension.Settings, cfg component.Config) (extension.Extension, error) {
	return newUI(set, cfg.(*Config)), nil
}
