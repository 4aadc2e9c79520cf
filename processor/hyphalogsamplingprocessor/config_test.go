// Copyright The Hypha Authors
// SPDX-License-Identifier: Apache-2.0

package hyphalogsamplingprocessor

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/confmap"
	"go.opentelemetry.io/collector/confmap/confmaptest"

	"github.com/hypha-obs/hypha/processor/hyphalogsamplingprocessor/internal/metadata"
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
			expected: createDefaultConfig(),
		},
		{
			id: component.NewIDWithName(metadata.Type, "custom"),
			expected: &Config{
				DecisionWait:   10 * time.Second,
				Grace:          2 * time.Second,
				RememberKept:   time.Minute,
				MaxHeldRecords: 5000,
			},
		},
		{
			id:       component.NewIDWithName(metadata.Type, "no_wait"),
			errorMsg: "decision_wait must be greater than 0",
		},
		{
			id:       component.NewIDWithName(metadata.Type, "negative_grace"),
			errorMsg: "grace must not be negative",
		},
		{
			id:       component.NewIDWithName(metadata.Type, "short_memory"),
			errorMsg: "remember_kept must be at least decision_wait + grace",
		},
		{
			id:       component.NewIDWithName(metadata.Type, "no_room"),
			errorMsg: "max_held_records must be greater than 0",
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
