// Copyright The Hypha Authors
// SPDX-License-Identifier: Apache-2.0

package hyphaauthretryextension // import "github.com/hypha-obs/hypha/extension/hyphaauthretryextension"

import (
	"errors"
	"time"
)

// Config configures the hypha_auth_retry extension.
type Config struct {
	// ReportInterval is how often the error log line is repeated while the
	// server keeps refusing the credentials. The first refusal is always
	// logged at once.
	ReportInterval time.Duration `mapstructure:"report_interval"`

	// prevent unkeyed literal initialization
	_ struct{}
}

// Validate checks the configuration.
func (c *Config) Validate() error {
	if c.ReportInterval <= 0 {
		return errors.New("report_interval must be greater than 0")
	}
	return nil
}
