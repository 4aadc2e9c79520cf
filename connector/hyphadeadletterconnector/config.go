// Copyright The Hypha Authors
// SPDX-License-Identifier: Apache-2.0

package hyphadeadletterconnector // import "github.com/hypha-obs/hypha/connector/hyphadeadletterconnector"

import (
	"errors"
	"fmt"
	"slices"

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

	// prevent unkeyed literal initialization
	_ struct{}
}

// Validate checks the configuration.
func (c *Config) Validate() error {
	var errs []error
	if len(c.Store) == 0 {
		errs = append(errs, errors.New("store must name at least one logs pipeline"))
	}
	if len(c.DeadLetter) == 0 {
		errs = append(errs, errors.New("dead_letter must name at least one logs pipeline"))
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
