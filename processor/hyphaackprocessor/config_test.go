// Copyright The Hypha Authors
// SPDX-License-Identifier: Apache-2.0

package hyphaackprocessor

import (
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/confmap"
	"go.opentelemetry.io/collector/confmap/confmaptest"

	"github.com/hypha-obs/hypha/processor/hyphaackprocessor/internal/metadata"
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
			expected: &Config{Storage: component.MustNewID("hypha_ack_storage")},
		},
		{
			id:       component.NewIDWithName(metadata.Type, "named"),
			expected: &Config{Storage: component.MustNewIDWithName("hypha_ack_storage", "files")},
		},
		{
			id:       component.NewIDWithName(metadata.Type, "no_storage"),
			errorMsg: "storage must name the hypha_ack_storage extension",
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
