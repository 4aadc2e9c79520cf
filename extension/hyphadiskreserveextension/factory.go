// Copyright The Hypha Authors
// SPDX-License-Identifier: Apache-2.0

package hyphadiskreserveextension // import "github.com/hypha-obs/hypha/extension/hyphadiskreserveextension"

import (
	"context"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/extension"

	"github.com/hypha-obs/hypha/extension/hyphadiskreserveextension/internal/metadata"
)

// defaultMinFreeMiB leaves room for the queue to drain: each item read
// rewrites the queue's metadata, and bbolt copies the pages it changes.
const defaultMinFreeMiB = 64

// NewFactory returns the factory for the hypha_disk_reserve extension.
func NewFactory() extension.Factory {
	return extension.NewFactory(
		metadata.Type,
		createDefaultConfig,
		createExtension,
		metadata.ExtensionStability,
	)
}

func createDefaultConfig() component.Config {
	return &Config{MinFreeMiB: defaultMinFreeMiB}
}

func createExtension(_ context.Context, set extension.Settings, cfg component.Config) (extension.Extension, error) {
	return newDiskReserve(set, cfg.(*Config))
}
