// Copyright The Hypha Authors
// SPDX-License-Identifier: Apache-2.0

package hyphadeadletterconnector

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/confmap"
	"go.opentelemetry.io/collector/confmap/confmaptest"
	"go.opentelemetry.io/collector/pipeline"

	"github.com/hypha-obs/hypha/connector/hyphadeadletterconnector/internal/metadata"
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
			// 0, the default, sends every body to the store.
			id:       component.NewID(metadata.Type),
			expected: &Config{Store: []pipeline.ID{storeID}, DeadLetter: []pipeline.ID{dlID}},
		},
		{
			id:       component.NewIDWithName(metadata.Type, "ok"),
			expected: &Config{Store: []pipeline.ID{storeID}, DeadLetter: []pipeline.ID{dlID}, MaxBodyBytes: 262144},
		},
		{
			id: component.NewIDWithName(metadata.Type, "file"),
			expected: &Config{
				Store:        []pipeline.ID{storeID},
				MaxBodyBytes: 262144,
				File:         &FileConfig{Path: "/var/lib/hypha/dead-letter/logs.jsonl", MaxMegabytes: 100, MaxBackups: 10},
				MaxAge:       167 * time.Hour,
				MaxAhead:     9 * time.Minute,
			},
		},
		{
			id: component.NewIDWithName(metadata.Type, "file_and_pipeline"),
			expected: &Config{
				Store:      []pipeline.ID{storeID},
				DeadLetter: []pipeline.ID{dlID},
				File:       &FileConfig{Path: "/tmp/logs.jsonl"},
			},
		},
		{
			id:       component.NewIDWithName(metadata.Type, "empty"),
			errorMsg: "store must name at least one logs pipeline\ndead_letter must name at least one logs pipeline, or file must be set",
		},
		{
			id:       component.NewIDWithName(metadata.Type, "overlap"),
			errorMsg: `pipeline "logs/a" is in both store and dead_letter`,
		},
		{
			id:       component.NewIDWithName(metadata.Type, "signal"),
			errorMsg: `pipeline "traces/a" is not a logs pipeline`,
		},
		{
			id:       component.NewIDWithName(metadata.Type, "size"),
			errorMsg: "max_body_bytes must not be negative",
		},
		{
			id:       component.NewIDWithName(metadata.Type, "file_no_path"),
			errorMsg: "file::path must not be empty",
		},
		{
			id:       component.NewIDWithName(metadata.Type, "file_negative_megabytes"),
			errorMsg: "file::max_megabytes and file::max_backups must not be negative",
		},
		{
			id:       component.NewIDWithName(metadata.Type, "file_negative_backups"),
			errorMsg: "file::max_megabytes and file::max_backups must not be negative",
		},
		{
			id:       component.NewIDWithName(metadata.Type, "negative_max_age"),
			errorMsg: "max_age and max_ahead must not be negative",
		},
		{
			id:       component.NewIDWithName(metadata.Type, "negative_max_ahead"),
			errorMsg: "max_age and max_ahead must not be negative",
		},
		{
			id:       component.NewIDWithName(metadata.Type, "unknown"),
			errorMsg: "max_line_bytes",
		},
	}
	for _, tt := range tests {
		t.Run(tt.id.String(), func(t *testing.T) {
			cfg := NewFactory().CreateDefaultConfig().(*Config)
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
