// Copyright The Hypha Authors
// SPDX-License-Identifier: Apache-2.0

package hyphafilelogreceiver // import "github.com/hypha-obs/hypha/receiver/hyphafilelogreceiver"

import (
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/receiver"
	"go.opentelemetry.io/collector/receiver/xreceiver"

	"github.com/open-telemetry/opentelemetry-collector-contrib/pkg/stanza/adapter"
	"github.com/open-telemetry/opentelemetry-collector-contrib/pkg/stanza/operator"
	"github.com/open-telemetry/opentelemetry-collector-contrib/receiver/filelogreceiver"

	"github.com/hypha-obs/hypha/receiver/hyphafilelogreceiver/internal/metadata"
)

const (
	// defaultMaxLines is far above the longest Java trace with its causes
	// seen in practice (a few hundred lines) and bounds a runaway record.
	defaultMaxLines = 1000
)

// NewFactory returns the file_log factory. Configurations written for
// contrib's file_log (and its old name, filelog) work unchanged.
func NewFactory() receiver.Factory {
	return adapter.NewFactory(receiverType{}, metadata.LogsStability,
		xreceiver.WithDeprecatedTypeAlias(component.MustNewType("filelog")))
}

// receiverType plugs the configuration into stanza's adapter.
type receiverType struct{}

var _ adapter.LogReceiverTypeWithScope = receiverType{}

func (receiverType) Type() component.Type { return metadata.Type }

func (receiverType) ScopeName() string { return metadata.ScopeName }

func (receiverType) CreateDefaultConfig() component.Config { return createDefaultConfig() }

func createDefaultConfig() *Config {
	base := filelogreceiver.NewFactory().CreateDefaultConfig().(*filelogreceiver.FileLogConfig)
	cfg := &Config{
		FileLogConfig: *base,
		AutoMultiline: AutoMultilineConfig{Enabled: true, MaxLines: defaultMaxLines},
	}
	return cfg
}

func (receiverType) BaseConfig(cfg component.Config) adapter.BaseConfig {
	return cfg.(*Config).BaseConfig
}

func (receiverType) InputConfig(cfg component.Config) operator.Config {
	c := cfg.(*Config)
	b := &inputBuilder{Config: c.InputConfig, offsetsSaved: c.StorageID != nil}
	if c.joins() {
		b.maxLines = c.AutoMultiline.MaxLines
	}
	return operator.NewConfig(b)
}
