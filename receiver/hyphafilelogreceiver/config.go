// Copyright The Hypha Authors
// SPDX-License-Identifier: Apache-2.0

package hyphafilelogreceiver // import "github.com/hypha-obs/hypha/receiver/hyphafilelogreceiver"

import (
	"errors"
	"strings"

	"github.com/open-telemetry/opentelemetry-collector-contrib/receiver/filelogreceiver"
)

// Config is file_log's configuration plus auto_multiline.
type Config struct {
	filelogreceiver.FileLogConfig `mapstructure:",squash"`

	// AutoMultiline joins the lines of one event into one record.
	AutoMultiline AutoMultilineConfig `mapstructure:"auto_multiline"`
}

// AutoMultilineConfig says whether and how far lines are joined.
type AutoMultilineConfig struct {
	// Enabled turns joining on. It is off for a receiver that sets
	// multiline (an explicit line_start_pattern or line_end_pattern wins)
	// and for files in an encoding other than UTF-8 or ASCII.
	Enabled bool `mapstructure:"enabled"`
	// MaxLines is the most lines one record takes. max_log_size bounds its
	// bytes.
	MaxLines int `mapstructure:"max_lines"`
}

// Validate checks auto_multiline; file_log's own settings are checked when
// the receiver is built, as upstream does.
func (c *Config) Validate() error {
	if c.AutoMultiline.Enabled && c.AutoMultiline.MaxLines < 1 {
		return errors.New("auto_multiline::max_lines must be at least 1")
	}
	return nil
}

// joins reports whether this receiver's files are split by internal/join.
func (c *Config) joins() bool {
	in := c.InputConfig
	if !c.AutoMultiline.Enabled || in.SplitConfig.LineStartPattern != "" || in.SplitConfig.LineEndPattern != "" {
		return false
	}
	switch strings.ToLower(in.Encoding) {
	case "", "utf-8", "utf8", "ascii", "us-ascii":
		return true
	}
	return false
}
