// Copyright The Hypha Authors
// SPDX-License-Identifier: Apache-2.0

package hyphaauthretryextension

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/extension/extensionmiddleware"
	"go.opentelemetry.io/collector/extension/extensiontest"

	"github.com/hypha-obs/hypha/extension/hyphaauthretryextension/internal/metadata"
)

func TestCreateDefaultConfig(t *testing.T) {
	cfg := NewFactory().CreateDefaultConfig()
	require.NoError(t, componenttest.CheckConfigStruct(cfg))
	assert.Equal(t, &Config{ReportInterval: defaultReportInterval}, cfg)
	assert.NoError(t, cfg.(*Config).Validate())
}

func TestCreateExtension(t *testing.T) {
	f := NewFactory()
	assert.Equal(t, metadata.Type, f.Type())
	assert.Equal(t, metadata.ExtensionStability, f.Stability())

	ext, err := f.Create(context.Background(), extensiontest.NewNopSettings(metadata.Type), f.CreateDefaultConfig())
	require.NoError(t, err)
	// Both OTLP exporters take it in their middlewares list.
	_, ok := ext.(extensionmiddleware.GRPCClient)
	assert.True(t, ok, "otlp_grpc's middlewares must accept it")
	_, ok = ext.(extensionmiddleware.HTTPClient)
	assert.True(t, ok, "otlp_http's middlewares must accept it")
	require.NoError(t, ext.Start(context.Background(), componenttest.NewNopHost()))
	require.NoError(t, ext.Shutdown(context.Background()))
}
