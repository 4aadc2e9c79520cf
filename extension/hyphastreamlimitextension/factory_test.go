// Copyright The Hypha Authors
// SPDX-License-Identifier: Apache-2.0

package hyphastreamlimitextension

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/extension/extensionmiddleware"
	"go.opentelemetry.io/collector/extension/extensiontest"

	"github.com/hypha-obs/hypha/extension/hyphastreamlimitextension/internal/metadata"
)

func TestCreateDefaultConfig(t *testing.T) {
	cfg := NewFactory().CreateDefaultConfig()
	require.NoError(t, componenttest.CheckConfigStruct(cfg))
	assert.Equal(t, &Config{StreamsPerSecond: defaultStreamsPerSecond, Burst: defaultBurst}, cfg)
	assert.NoError(t, cfg.(*Config).Validate())
}

func TestCreateExtension(t *testing.T) {
	f := NewFactory()
	assert.Equal(t, metadata.Type, f.Type())
	assert.Equal(t, metadata.ExtensionStability, f.Stability())

	ext, err := f.Create(context.Background(), extensiontest.NewNopSettings(metadata.Type), f.CreateDefaultConfig())
	require.NoError(t, err)
	// The OTLP receiver's gRPC protocol takes it in its middlewares list;
	// HTTP/2 rapid reset on the HTTP port is answered by Go's server.
	_, ok := ext.(extensionmiddleware.GRPCServer)
	assert.True(t, ok, "otlp's grpc middlewares must accept it")
	_, ok = ext.(extensionmiddleware.HTTPServer)
	assert.False(t, ok, "it is not an HTTP middleware")
	opts, err := ext.(extensionmiddleware.GRPCServer).GetGRPCServerOptions(context.Background())
	require.NoError(t, err)
	assert.Len(t, opts, 1, "one tap handle")
	require.NoError(t, ext.Start(context.Background(), componenttest.NewNopHost()))
	require.NoError(t, ext.Shutdown(context.Background()))
}
