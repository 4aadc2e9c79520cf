// Copyright The Hypha Authors
// SPDX-License-Identifier: Apache-2.0

package hyphaackstorageextension

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/confmap"
	"go.opentelemetry.io/collector/confmap/confmaptest"

	"github.com/hypha-obs/hypha/extension/hyphaackstorageextension/internal/metadata"
)

func TestLoadConfig(t *testing.T) {
	cm, err := confmaptest.LoadConf(filepath.Join("testdata", "config.yaml"))
	require.NoError(t, err)

	tests := []struct {
		id       component.ID
		expected *Config
		errorMsg string
	}{
		{
			id:       component.NewID(metadata.Type),
			expected: &Config{Storage: fileStorageID, MaxInFlight: defaultMaxInFlight, ShutdownWait: defaultShutdownWait},
		},
		{
			id: component.NewIDWithName(metadata.Type, "custom"),
			expected: &Config{
				Storage:      component.MustNewIDWithName("file_storage", "offsets"),
				MaxInFlight:  16,
				ShutdownWait: 30 * time.Second,
			},
		},
		{
			id:       component.NewIDWithName(metadata.Type, "no_storage"),
			errorMsg: "storage must name the storage extension that keeps the data",
		},
		{
			id:       component.NewIDWithName(metadata.Type, "no_window"),
			errorMsg: "max_in_flight must be greater than 0",
		},
		{
			id:       component.NewIDWithName(metadata.Type, "negative_wait"),
			errorMsg: "shutdown_wait must not be negative",
		},
	}
	for _, tt := range tests {
		t.Run(tt.id.String(), func(t *testing.T) {
			cfg := NewFactory().CreateDefaultConfig()
			sub, err := cm.Sub(tt.id.String())
			require.NoError(t, err)
			require.NoError(t, sub.Unmarshal(cfg))
			err = confmap.Validate(cfg)
			if tt.errorMsg != "" {
				assert.ErrorContains(t, err, tt.errorMsg)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.expected, cfg)
		})
	}
}
