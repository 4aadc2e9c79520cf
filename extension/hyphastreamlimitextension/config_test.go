// Copyright The Hypha Authors
// SPDX-License-Identifier: Apache-2.0

package hyphastreamlimitextension

import (
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/confmap"
	"go.opentelemetry.io/collector/confmap/confmaptest"

	"github.com/hypha-obs/hypha/extension/hyphastreamlimitextension/internal/metadata"
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
			expected: &Config{StreamsPerSecond: defaultStreamsPerSecond, Burst: defaultBurst},
		},
		{
			id:       component.NewIDWithName(metadata.Type, "custom"),
			expected: &Config{StreamsPerSecond: 50.5, Burst: 100},
		},
		{
			// 0 would hold every stream past the burst: not a way to
			// turn the limit off.
			id:       component.NewIDWithName(metadata.Type, "zero_rate"),
			errorMsg: "streams_per_second: must be positive",
		},
		{
			id:       component.NewIDWithName(metadata.Type, "negative_rate"),
			errorMsg: "streams_per_second: must be positive",
		},
		{
			id:       component.NewIDWithName(metadata.Type, "zero_burst"),
			errorMsg: "burst: must be at least 1",
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
