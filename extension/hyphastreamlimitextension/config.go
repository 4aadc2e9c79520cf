// Copyright The Hypha Authors
// SPDX-License-Identifier: Apache-2.0

package hyphastreamlimitextension // import "github.com/hypha-obs/hypha/extension/hyphastreamlimitextension"

import "errors"

// Config configures the hypha_stream_limit extension.
type Config struct {
	// StreamsPerSecond is the steady rate at which one connection may open
	// streams.
	StreamsPerSecond float64 `mapstructure:"streams_per_second"`
	// Burst is how many streams a connection may open at once above that
	// rate.
	Burst int `mapstructure:"burst"`

	// prevent unkeyed literal initialization
	_ struct{}
}

// Validate checks the configuration.
func (c *Config) Validate() error {
	var errs []error
	if c.StreamsPerSecond <= 0 {
		errs = append(errs, errors.New("streams_per_second: must be positive"))
	}
	if c.Burst < 1 {
		errs = append(errs, errors.New("burst: must be at least 1"))
	}
	return errors.Join(errs...)
}
