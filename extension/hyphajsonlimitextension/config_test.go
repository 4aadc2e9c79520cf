// Copyright The Hypha Authors
// SPDX-License-Identifier: Apache-2.0

package hyphajsonlimitextension

import (
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/confmap"
	"go.opentelemetry.io/collector/confmap/confmaptest"

	"github.com/hypha-obs/hypha/extension/hyphajsonlimitextension/internal/metadata"
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
			expected: &Config{},
		},
		{
			id:       component.NewIDWithName(metadata.Type, "empty"),
			expected: &Config{},
		},
		{
			// The limit is protobuf's, so that JSON and protobuf requests
			// are held to the same rule: there is no key to change it.
			id:       component.NewIDWithName(metadata.Type, "max_depth"),
			errorMsg: "max_depth",
		},
	}
	for _, tt := range tests {
		t.Run(tt.id.String(), func(t *testing.T) {
			cfg := NewFactory().CreateDefaultConfig()
			sub, err := cm.Sub(tt.id.String())
			require.NoError(t, err)
			err = sub.Unmarshal(cfg)
			if err == nil {
				err = confmap.Validate(cfg)
			}
			if tt.errorMsg != "" {
				assert.ErrorContains(t, err, tt.errorMsg)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.expected, cfg)
		})
	}
}
