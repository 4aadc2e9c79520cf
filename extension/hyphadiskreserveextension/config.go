// Copyright The Hypha Authors
// SPDX-License-Identifier: Apache-2.0

package hyphadiskreserveextension // import "github.com/hypha-obs/hypha/extension/hyphadiskreserveextension"

import "errors"

// Config configures the hypha_disk_reserve extension.
type Config struct {
	// Directory is a folder on the disk to watch: the one the sending
	// queue's file_storage writes to.
	Directory string `mapstructure:"directory"`
	// MinFreeMiB is the free space below which OTLP requests are refused.
	// It must cover what the queue writes while it drains (its read index
	// and bbolt's page copies), so it is not zero.
	MinFreeMiB int64 `mapstructure:"min_free_mib"`

	// prevent unkeyed literal initialization
	_ struct{}
}

// Validate checks the configuration.
func (c *Config) Validate() error {
	var errs []error
	if c.Directory == "" {
		errs = append(errs, errors.New("directory: must name the folder the sending queue writes to"))
	}
	if c.MinFreeMiB <= 0 {
		errs = append(errs, errors.New("min_free_mib: must be positive"))
	}
	return errors.Join(errs...)
}
