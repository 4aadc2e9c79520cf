// Copyright The Hypha Authors
// SPDX-License-Identifier: Apache-2.0

package hyphadiskreserveextension

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/extension/extensionmiddleware"
	"go.opentelemetry.io/collector/extension/extensiontest"

	"github.com/hypha-obs/hypha/extension/hyphadiskreserveextension/internal/metadata"
)

func TestCreateDefaultConfig(t *testing.T) {
	cfg := NewFactory().CreateDefaultConfig()
	require.NoError(t, componenttest.CheckConfigStruct(cfg))
	assert.Equal(t, &Config{MinFreeMiB: defaultMinFreeMiB}, cfg)
	// The folder to watch is the user's to name.
	assert.ErrorContains(t, cfg.(*Config).Validate(), "directory")
}

func TestCreateExtension(t *testing.T) {
	f := NewFactory()
	assert.Equal(t, metadata.Type, f.Type())
	assert.Equal(t, metadata.ExtensionStability, f.Stability())

	cfg := &Config{Directory: t.TempDir(), MinFreeMiB: defaultMinFreeMiB}
	ext, err := f.Create(context.Background(), extensiontest.NewNopSettings(metadata.Type), cfg)
	require.NoError(t, err)
	// The OTLP receiver takes it in the middlewares of both protocols.
	_, ok := ext.(extensionmiddleware.HTTPServer)
	assert.True(t, ok, "otlp's http middlewares must accept it")
	_, ok = ext.(extensionmiddleware.GRPCServer)
	assert.True(t, ok, "otlp's grpc middlewares must accept it")
	require.NoError(t, ext.Start(context.Background(), componenttest.NewNopHost()))
	require.NoError(t, ext.Shutdown(context.Background()))
}
