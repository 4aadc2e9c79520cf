// Copyright The Hypha Authors
// SPDX-License-Identifier: Apache-2.0

package hyphaackstorageextension

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/extension/extensiontest"
	"go.opentelemetry.io/collector/extension/xextension/storage"

	"github.com/hypha-obs/hypha/extension/hyphaackstorageextension/internal/metadata"
)

func TestCreateDefaultConfig(t *testing.T) {
	cfg := NewFactory().CreateDefaultConfig()
	require.NoError(t, componenttest.CheckConfigStruct(cfg))
	assert.Equal(t, &Config{MaxInFlight: defaultMaxInFlight, ShutdownWait: defaultShutdownWait}, cfg)
	// There is no default storage extension to keep the data in: the user names it.
	assert.ErrorContains(t, cfg.(*Config).Validate(), "storage must name")
}

func TestCreateExtension(t *testing.T) {
	f := NewFactory()
	assert.Equal(t, metadata.Type, f.Type())
	assert.Equal(t, metadata.ExtensionStability, f.Stability())

	cfg := f.CreateDefaultConfig().(*Config)
	cfg.Storage = fileStorageID
	ext, err := f.Create(context.Background(), extensiontest.NewNopSettings(metadata.Type), cfg)
	require.NoError(t, err)
	// file_log finds it as a storage extension, and the collector starts
	// file_storage before it.
	_, ok := ext.(storage.Extension)
	assert.True(t, ok, "file_log's storage: must accept it")
	deps, ok := ext.(interface{ Dependencies() []component.ID })
	require.True(t, ok)
	assert.Equal(t, []component.ID{fileStorageID}, deps.Dependencies())
	require.NoError(t, ext.Start(context.Background(), host{fileStorageID: &memStorage{data: map[string][]byte{}}}))
	require.NoError(t, ext.Shutdown(context.Background()))
}
