// Copyright The Hypha Authors
// SPDX-License-Identifier: Apache-2.0

package hyphaackstorageextension // import "github.com/hypha-obs/hypha/extension/hyphaackstorageextension"

import (
	"context"
	"time"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/extension"

	"github.com/hypha-obs/hypha/extension/hyphaackstorageextension/internal/metadata"
)

const (
	defaultMaxInFlight  = 64
	defaultShutdownWait = 5 * time.Second
)

// NewFactory returns the factory for the hypha_ack_storage extension.
func NewFactory() extension.Factory {
	return extension.NewFactory(
		metadata.Type,
		createDefaultConfig,
		createExtension,
		metadata.ExtensionStability,
	)
}

func createDefaultConfig() component.Config {
	return &Config{MaxInFlight: defaultMaxInFlight, ShutdownWait: defaultShutdownWait}
}

func createExtension(_ context.Context, set extension.Settings, cfg component.Config) (extension.Extension, error) {
	return newAckStorage(set, cfg.(*Config))
}
