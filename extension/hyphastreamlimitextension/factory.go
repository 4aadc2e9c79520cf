// Copyright The Hypha Authors
// SPDX-License-Identifier: Apache-2.0

package hyphastreamlimitextension // import "github.com/hypha-obs/hypha/extension/hyphastreamlimitextension"

import (
	"context"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/extension"

	"github.com/hypha-obs/hypha/extension/hyphastreamlimitextension/internal/metadata"
)

// An agent, or a load balancer forwarding many agents, sends tens of
// requests a second on one connection; rapid reset opens tens of thousands.
const (
	defaultStreamsPerSecond = 200
	defaultBurst            = 400
)

// NewFactory returns the factory for the hypha_stream_limit extension.
func NewFactory() extension.Factory {
	return extension.NewFactory(
		metadata.Type,
		createDefaultConfig,
		createExtension,
		metadata.ExtensionStability,
	)
}

func createDefaultConfig() component.Config {
	return &Config{StreamsPerSecond: defaultStreamsPerSecond, Burst: defaultBurst}
}

func createExtension(_ context.Context, set extension.Settings, cfg component.Config) (extension.Extension, error) {
	return newStreamLimit(set, cfg.(*Config))
}
