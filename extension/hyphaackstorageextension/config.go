// Copyright The Hypha Authors
// SPDX-License-Identifier: Apache-2.0

package hyphaackstorageextension // import "github.com/hypha-obs/hypha/extension/hyphaackstorageextension"

import (
	"errors"
	"time"

	"go.opentelemetry.io/collector/component"
)

// Config configures the hypha_ack_storage extension.
type Config struct {
	// Storage is the storage extension that keeps the data (file_storage).
	Storage component.ID `mapstructure:"storage"`

	// MaxInFlight is how many batches may be handed on and not yet
	// acknowledged at once, over every pipeline that reports here. file_log
	// hands on batches of up to 100 lines, so 64 keeps up to 6 400 lines
	// in memory and lets a round trip of 20 ms carry 320 000 lines a second.
	MaxInFlight int `mapstructure:"max_in_flight"`

	// ShutdownWait bounds how long, on shutdown, the last checkpoint waits
	// for the batches still in flight. Past it the checkpoint is not
	// written, and those lines are read again after the restart.
	ShutdownWait time.Duration `mapstructure:"shutdown_wait"`

	// RescueDirectory, when set, is where a log file deleted while file_log
	// still read it is copied at shutdown, unless all its lines were
	// delivered. hypha adds <rescue_directory>/* to the include of every
	// file_log receiver that keeps its offsets here, so the copy is read
	// after the restart from the last acknowledged offset. Linux only.
	RescueDirectory string `mapstructure:"rescue_directory"`

	// FollowedFiles are the files of the file_log receivers that keep their
	// offsets here; hypha's converter fills it from their configuration.
	// Every 10 s the extension looks for files among them that begin with
	// the same fingerprint_size bytes, which file_log cannot tell apart,
	// and logs and counts them.
	FollowedFiles FollowedFiles `mapstructure:"followed_files"`

	// prevent unkeyed literal initialization
	_ struct{}
}

// FollowedFiles are file_log's globs and fingerprint size.
type FollowedFiles struct {
	Include         []string `mapstructure:"include"`
	Exclude         []string `mapstructure:"exclude"`
	FingerprintSize int      `mapstructure:"fingerprint_size"`

	// prevent unkeyed literal initialization
	_ struct{}
}

// Validate checks the configuration.
func (c *Config) Validate() error {
	var errs []error
	if c.Storage.Type().String() == "" {
		errs = append(errs, errors.New("storage must name the storage extension that keeps the data, for example file_storage"))
	}
	if c.MaxInFlight <= 0 {
		errs = append(errs, errors.New("max_in_flight must be greater than 0"))
	}
	if c.FollowedFiles.FingerprintSize < 0 {
		errs = append(errs, errors.New("followed_files::fingerprint_size must not be negative"))
	}
	if c.ShutdownWait < 0 {
		errs = append(errs, errors.New("shutdown_wait must not be negative"))
	}
	return errors.Join(errs...)
}
