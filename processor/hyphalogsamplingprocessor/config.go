// Copyright The Hypha Authors
// SPDX-License-Identifier: Apache-2.0

package hyphalogsamplingprocessor // import "github.com/hypha-obs/hypha/processor/hyphalogsamplingprocessor"

import (
	"errors"
	"time"
)

// Config configures the hypha_log_sampling processor.
type Config struct {
	// DecisionWait is tail_sampling's decision_wait: how long after a
	// trace's first span its decision comes. A record is held for
	// DecisionWait plus Grace.
	DecisionWait time.Duration `mapstructure:"decision_wait"`
	// Grace covers the time between tail_sampling's decision and the kept
	// spans reaching this processor, and logs written after the first span.
	Grace time.Duration `mapstructure:"grace"`
	// RememberKept is how long a kept trace id is remembered, so that its
	// late records pass at once.
	RememberKept time.Duration `mapstructure:"remember_kept"`
	// MaxHeldRecords bounds the records held in memory. When it is reached,
	// new logs are refused with a retryable error: the sender keeps them
	// and tries again, and nothing is dropped undecided.
	MaxHeldRecords int `mapstructure:"max_held_records"`

	// prevent unkeyed literal initialization
	_ struct{}
}

func createDefaultConfig() *Config {
	return &Config{
		DecisionWait:   30 * time.Second, // tail_sampling's default
		Grace:          5 * time.Second,
		RememberKept:   5 * time.Minute,
		MaxHeldRecords: 200_000,
	}
}

// Validate checks the configuration.
func (c *Config) Validate() error {
	var errs []error
	if c.DecisionWait <= 0 {
		errs = append(errs, errors.New("decision_wait must be greater than 0"))
	}
	if c.Grace < 0 {
		errs = append(errs, errors.New("grace must not be negative"))
	}
	if c.RememberKept < c.DecisionWait+c.Grace {
		errs = append(errs, errors.New("remember_kept must be at least decision_wait + grace"))
	}
	if c.MaxHeldRecords <= 0 {
		errs = append(errs, errors.New("max_held_records must be greater than 0"))
	}
	return errors.Join(errs...)
}
