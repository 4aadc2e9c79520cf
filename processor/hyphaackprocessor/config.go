// Copyright The Hypha Authors
// SPDX-License-Identifier: Apache-2.0

package hyphaackprocessor // import "github.com/hypha-obs/hypha/processor/hyphaackprocessor"

import (
	"errors"

	"go.opentelemetry.io/collector/component"
)

// Config configures the hypha_ack processor.
type Config struct {
	// Storage is the hypha_ack_storage extension that file_log keeps its
	// checkpoints in.
	Storage component.ID `mapstructure:"storage"`

	// prevent unkeyed literal initialization
	_ struct{}
}

// Validate checks the configuration.
func (c *Config) Validate() error {
	if c.Storage.Type().String() == "" {
		return errors.New("storage must name the hypha_ack_storage extension that file_log keeps its checkpoints in")
	}
	return nil
}
