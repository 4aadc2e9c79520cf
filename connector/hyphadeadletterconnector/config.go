// Copyright The Hypha Authors
// SPDX-License-Identifier: Apache-2.0

package hyphadeadletterconnector // import "github.com/hypha-obs/hypha/connector/hyphadeadletterconnector"

import (
	"errors"
	"fmt"
	"slices"
	"time"

	"go.opentelemetry.io/collector/pipeline"
)

// Config configures the hypha_dead_letter connector.
type Config struct {
	// Store lists the pipelines that deliver to the store.
	Store []pipeline.ID `mapstructure:"store"`
	// DeadLetter lists the pipelines that keep what the store cannot take.
	DeadLetter []pipeline.ID `mapstructure:"dead_letter"`
	// MaxBodyBytes is the longest string or bytes body sent to the store;
	// longer records go to the dead letters at once. Set it to the store's
	// own limit (Loki's max_line_size, 256 KiB by default), so that no
	// record is sent that the store would refuse or drop. 0 sends all.
	MaxBodyBytes int `mapstructure:"max_body_bytes"`
	// File, when set, is where the connector writes the dead letters
	// itself, each record whole or not at all.
	File *FileConfig `mapstructure:"file"`
	// MaxAge and MaxAhead bound the record times sent to the store, which
	// drops or refuses times outside its window (Loki's
	// reject_old_samples_max_age and creation_grace_period, VictoriaLogs'
	// retention and futureRetention). A record timed outside
	// [now-max_age, now+max_ahead] is stored at the time it was observed
	// (or now, if that is outside too), its own time kept in the attribute
	// hypha.original_time. 0 turns the bound off.
	MaxAge   time.Duration `mapstructure:"max_age"`
	MaxAhead time.Duration `mapstructure:"max_ahead"`

	// prevent unkeyed literal initialization
	_ struct{}
}

// FileConfig is the dead-letter file: OTLP/JSON, one request a line.
type FileConfig struct {
	// Path is the file. It is created with mode 0640, and created again
	// when it was removed or rotated away.
	Path string `mapstructure:"path"`
	// MaxMegabytes rotates the file to path.1 once it would grow past
	// this; 0 never rotates.
	MaxMegabytes int `mapstructure:"max_megabytes"`
	// MaxBackups is how many rotated files are kept.
	MaxBackups int `mapstructure:"max_backups"`

	// prevent unkeyed literal initialization
	_ struct{}
}

// Validate checks the configuration.
func (c *Config) Validate() error {
	var errs []error
	if len(c.Store) == 0 {
		errs = append(errs, errors.New("store must name at least one logs pipeline"))
	}
	if len(c.DeadLetter) == 0 && c.File == nil {
		errs = append(errs, errors.New("dead_letter must name at least one logs pipeline, or file must be set"))
	}
	if c.File != nil {
		if c.File.Path == "" {
			errs = append(errs, errors.New("file::path must not be empty"))
		}
		if c.File.MaxMegabytes < 0 || c.File.MaxBackups < 0 {
			errs = append(errs, errors.New("file::max_megabytes and file::max_backups must not be negative"))
		}
	}
	if c.MaxAge < 0 || c.MaxAhead < 0 {
		errs = append(errs, errors.New("max_age and max_ahead must not be negative"))
	}
	for _, id := range c.DeadLetter {
		if slices.Contains(c.Store, id) {
			errs = append(errs, fmt.Errorf("pipeline %q is in both store and dead_letter", id))
		}
	}
	for _, id := range slices.Concat(c.Store, c.DeadLetter) {
		if id.Signal() != pipeline.SignalLogs {
			errs = append(errs, fmt.Errorf("pipeline %q is not a logs pipeline", id))
		}
	}
	if c.MaxBodyBytes < 0 {
		errs = append(errs, errors.New("max_body_bytes must not be negative"))
	}
	return errors.Join(errs...)
}
