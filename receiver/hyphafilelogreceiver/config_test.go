// Copyright The Hypha Authors
// SPDX-License-Identifier: Apache-2.0

package hyphafilelogreceiver

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/confmap/confmaptest"

	"github.com/hypha-obs/hypha/receiver/hyphafilelogreceiver/internal/metadata"
)

func TestLoadConfig(t *testing.T) {
	cm, err := confmaptest.LoadConf(filepath.Join("testdata", "config.yaml"))
	require.NoError(t, err)
	for _, tc := range []struct {
		id      component.ID
		joins   bool
		lines   int
		wantErr string
	}{
		{id: component.NewID(metadata.Type), joins: true, lines: defaultMaxLines},
		{id: component.NewIDWithName(metadata.Type, "off"), joins: false, lines: defaultMaxLines},
		{id: component.NewIDWithName(metadata.Type, "pattern"), joins: false, lines: defaultMaxLines},
		{id: component.NewIDWithName(metadata.Type, "zero_lines"), wantErr: "auto_multiline::max_lines must be at least 1"},
	} {
		t.Run(tc.id.String(), func(t *testing.T) {
			cfg := NewFactory().CreateDefaultConfig().(*Config)
			sub, err := cm.Sub(tc.id.String())
			require.NoError(t, err)
			require.NoError(t, sub.Unmarshal(cfg))
			err = cfg.Validate()
			if tc.wantErr != "" {
				require.ErrorContains(t, err, tc.wantErr)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tc.joins, cfg.joins())
			assert.Equal(t, tc.lines, cfg.AutoMultiline.MaxLines)
			// A held record waits for its next lines as long as contrib's
			// file_log waits for the end of a line.
			assert.Equal(t, 500*time.Millisecond, cfg.InputConfig.FlushPeriod)
		})
	}
}
