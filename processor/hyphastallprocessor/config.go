// Copyright The Hypha Authors
// SPDX-License-Identifier: Apache-2.0

package hyphastallprocessor // import "github.com/hypha-obs/hypha/processor/hyphastallprocessor"

import (
	"errors"
	"time"
)

// Config configures the hypha_stall_report processor.
type Config struct {
	// ReportAfter is how long the next stage may go without accepting data
	// before the processor says so.
	ReportAfter time.Duration `mapstructure:"report_after"`

	// prevent unkeyed literal initialization
	_ struct{}
}

// Validate checks the configuration.
func (c *Config) Validate() error {
	if c.ReportAfter <= 0 {
		return errors.New("report_after must be greater than 0")
	}
	return nil
}
