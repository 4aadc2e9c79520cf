// Copyright The Hypha Authors
// SPDX-License-Identifier: Apache-2.0

package hyphadiskreserveextension

import (
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/confmap"
	"go.opentelemetry.io/collector/confmap/confmaptest"

	"github.com/hypha-obs/hypha/extension/hyphadiskreserveextension/internal/metadata"
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
			expected: &Config{Directory: "/var/lib/hypha", MinFreeMiB: defaultMinFreeMiB},
		},
		{
			id:       component.NewIDWithName(metadata.Type, "custom"),
			expected: &Config{Directory: "/var/lib/hypha/queue", MinFreeMiB: 512},
		},
		{
			// Which disk to watch cannot be guessed.
			id:       component.NewIDWithName(metadata.Type, "no_directory"),
			errorMsg: "directory: must name the folder the sending queue writes to",
		},
		{
			// No reserve would leave the queue no room to drain.
			id:       component.NewIDWithName(metadata.Type, "zero"),
			errorMsg: "min_free_mib: must be positive",
		},
		{
			id:       component.NewIDWithName(metadata.Type, "negative"),
			errorMsg: "min_free_mib: must be positive",
		},
		{
			id:       component.NewIDWithName(metadata.Type, "empty"),
			errorMsg: "directory: must name the folder the sending queue writes to",
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

func TestValidateNamesEveryKey(t *testing.T) {
	assert.EqualError(t, (&Config{}).Validate(),
		"directory: must name the folder the sending queue writes to\nmin_free_mib: must be positive")
}
