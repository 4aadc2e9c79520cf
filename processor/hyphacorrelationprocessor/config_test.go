// Copyright The Hypha Authors
// SPDX-License-Identifier: Apache-2.0

package hyphacorrelationprocessor

import (
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/confmap"
	"go.opentelemetry.io/collector/confmap/confmaptest"

	"github.com/hypha-obs/hypha/processor/hyphacorrelationprocessor/internal/metadata"
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
			expected: createDefaultConfig().(*Config),
		},
		{
			id: component.NewIDWithName(metadata.Type, "custom"),
			expected: &Config{
				TraceIDKeys:      []string{"request_trace"},
				SpanIDKeys:       []string{"request_span"},
				TraceFlagsKeys:   []string{"request_flags"},
				CopyToAttributes: true,
				DefaultTimeZone:  "Asia/Tokyo",
			},
		},
		{
			id:       component.NewIDWithName(metadata.Type, "empty_key"),
			errorMsg: "trace_id_keys[0]: key name must not be empty",
		},
		{
			id:       component.NewIDWithName(metadata.Type, "bad_zone"),
			errorMsg: "default_time_zone: unknown time zone UTC+2",
		},
		{
			id:       component.NewIDWithName(metadata.Type, "duplicate_key"),
			errorMsg: `span_id_keys[0]: key "tid" is already listed in trace_id_keys`,
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

func TestValidate(t *testing.T) {
	tests := []struct {
		name string
		cfg  Config
		want string
	}{
		{name: "default", cfg: Config{}},
		{name: "extra keys", cfg: Config{TraceIDKeys: []string{"tid"}, SpanIDKeys: []string{"sid"}, TraceFlagsKeys: []string{"fl"}}},
		{name: "blank trace key", cfg: Config{TraceIDKeys: []string{"  "}}, want: "trace_id_keys[0]: key name must not be empty"},
		{name: "blank flags key", cfg: Config{TraceFlagsKeys: []string{"ok", ""}}, want: "trace_flags_keys[1]: key name must not be empty"},
		{name: "same key twice", cfg: Config{SpanIDKeys: []string{"a", "a"}}, want: `span_id_keys[1]: key "a" is already listed in span_id_keys`},
		{name: "built-in keys for what they hold", cfg: Config{
			TraceIDKeys: []string{"traceId", "dd.trace_id"}, SpanIDKeys: []string{"span.id"}, TraceFlagsKeys: []string{"otelTraceSampled"},
		}},
		{
			name: "built-in trace key as span key", cfg: Config{SpanIDKeys: []string{"trace_id"}},
			want: `span_id_keys[0]: key "trace_id" is built in for the trace id and keeps that meaning`,
		},
		{
			name: "built-in object key as trace key", cfg: Config{TraceIDKeys: []string{"ok", "trace"}},
			want: `trace_id_keys[1]: key "trace" is built in for an object holding the trace id and keeps that meaning`,
		},
		{name: "default time zones", cfg: Config{DefaultTimeZone: "Europe/Berlin"}},
		{name: "local time zone", cfg: Config{DefaultTimeZone: "Local"}},
		{
			name: "unknown time zone", cfg: Config{DefaultTimeZone: "Mars/Olympus_Mons"},
			want: "default_time_zone: unknown time zone Mars/Olympus_Mons",
		},
		{
			name: "level key as flags key", cfg: Config{TraceFlagsKeys: []string{"level"}},
			want: `trace_flags_keys[0]: key "level" is built in for the level and keeps that meaning`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.cfg.Validate()
			if tt.want == "" {
				assert.NoError(t, err)
				return
			}
			assert.EqualError(t, err, tt.want)
		})
	}
}
