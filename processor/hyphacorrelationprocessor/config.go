// Copyright The Hypha Authors
// SPDX-License-Identifier: Apache-2.0

package hyphacorrelationprocessor // import "github.com/hypha-obs/hypha/processor/hyphacorrelationprocessor"

import (
	"errors"
	"fmt"
	"strings"
	"time"
	_ "time/tzdata" // default_time_zone's names resolve on hosts and images without a zone database

	"github.com/hypha-obs/hypha/processor/hyphacorrelationprocessor/internal/extract"
)

// Config configures the hypha_correlation processor. The zero-configuration
// default recognises every built-in format; the settings below add key names
// and choose which record fields the processor may fill in.
type Config struct {
	// TraceIDKeys, SpanIDKeys and TraceFlagsKeys are extra key names that hold
	// trace context in JSON, key=value and OTLP map bodies, matched exactly,
	// in addition to the built-in names.
	TraceIDKeys    []string `mapstructure:"trace_id_keys"`
	SpanIDKeys     []string `mapstructure:"span_id_keys"`
	TraceFlagsKeys []string `mapstructure:"trace_flags_keys"`

	// SetSeverity maps the line's level to SeverityNumber and SeverityText
	// when the record has no severity yet.
	SetSeverity bool `mapstructure:"set_severity"`
	// SetTimestamp takes Timestamp from the line when the record has none.
	SetTimestamp bool `mapstructure:"set_timestamp"`
	// DefaultTimeZone is the zone of times that lines write without Z or an
	// offset, such as Python's "2024-05-01 12:00:00,123": an IANA name
	// ("Europe/Berlin"), "UTC", or "Local" for the collector's own zone.
	// Empty, the default, leaves such records' Timestamp unset: read in the
	// wrong zone, a time lands hours off, in the future east of UTC, where
	// a backend such as Loki refuses the record.
	DefaultTimeZone string `mapstructure:"default_time_zone"`
	// ServiceNameFromRecord sets the resource's service.name from a service
	// field in the line (service, service.name, service_name) when the
	// resource has no service.name.
	ServiceNameFromRecord bool `mapstructure:"service_name_from_record"`
	// CopyToAttributes also writes the ids found as trace_id and span_id log
	// attributes, for backends that do not read the native fields.
	CopyToAttributes bool `mapstructure:"copy_to_attributes"`

	// prevent unkeyed literal initialization
	_ struct{}
}

// Validate checks that every configured key name is usable. A built-in key
// may be listed again for what it already holds, but not for anything else:
// it keeps its built-in meaning, so the setting would silently do nothing.
func (cfg *Config) Validate() error {
	var errs []error
	seen := map[string]string{}
	for _, list := range []struct {
		name  string
		keys  []string
		holds string // what its keys hold, in extract.BuiltinKeyHolds's words
	}{
		{"trace_id_keys", cfg.TraceIDKeys, extract.HoldsTraceID},
		{"span_id_keys", cfg.SpanIDKeys, extract.HoldsSpanID},
		{"trace_flags_keys", cfg.TraceFlagsKeys, extract.HoldsTraceFlags},
	} {
		for i, key := range list.keys {
			holds := extract.BuiltinKeyHolds(key)
			switch {
			case strings.TrimSpace(key) == "":
				errs = append(errs, fmt.Errorf("%s[%d]: key name must not be empty", list.name, i))
			case seen[key] != "":
				errs = append(errs, fmt.Errorf("%s[%d]: key %q is already listed in %s", list.name, i, key, seen[key]))
			case holds != "" && holds != list.holds:
				errs = append(errs, fmt.Errorf("%s[%d]: key %q is built in for %s and keeps that meaning", list.name, i, key, holds))
			default:
				seen[key] = list.name
			}
		}
	}
	if _, err := cfg.timeZone(); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// timeZone returns the location DefaultTimeZone names, nil when it is
// empty; its error names the key.
func (cfg *Config) timeZone() (*time.Location, error) {
	if cfg.DefaultTimeZone == "" {
		return nil, nil
	}
	zone, err := time.LoadLocation(cfg.DefaultTimeZone)
	if err != nil {
		return nil, fmt.Errorf("default_time_zone: %w", err)
	}
	return zone, nil
}
