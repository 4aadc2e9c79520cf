// Copyright The Hypha Authors
// SPDX-License-Identifier: Apache-2.0

package openreceiverconverter

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/confmap"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"
)

func TestWarnsAboutOpenEndpointsOnly(t *testing.T) {
	conf := confmap.NewFromStringMap(map[string]any{"receivers": map[string]any{
		"otlp": map[string]any{"protocols": map[string]any{
			"grpc": map[string]any{"endpoint": "0.0.0.0:4317"},
			"http": map[string]any{"endpoint": "0.0.0.0:4318", "auth": map[string]any{"authenticator": "bearertokenauth"}},
		}},
		"otlp/local": map[string]any{"protocols": map[string]any{
			"grpc": map[string]any{"endpoint": "127.0.0.1:4317"},
			"http": map[string]any{"endpoint": "localhost:4318"},
		}},
		"otlp/defaults": map[string]any{"protocols": map[string]any{"grpc": nil}},
		"otlp/any":      map[string]any{"protocols": map[string]any{"http": map[string]any{"endpoint": ":4318"}}},
		"otlp/v6":       map[string]any{"protocols": map[string]any{"grpc": map[string]any{"endpoint": "[::1]:4317"}}},
		"file_log":      map[string]any{"include": []any{"/x"}},
	}})
	core, logs := observer.New(zap.InfoLevel)
	c := NewFactory().Create(confmap.ConverterSettings{Logger: zap.New(core)})
	require.NoError(t, c.Convert(context.Background(), conf))
	var got []string
	for _, e := range logs.All() {
		got = append(got, e.ContextMap()["receiver"].(string)+" "+e.ContextMap()["protocol"].(string)+" "+e.ContextMap()["endpoint"].(string))
	}
	assert.Equal(t, []string{"otlp/any http :4318", "otlp grpc 0.0.0.0:4317"}, got)
}
