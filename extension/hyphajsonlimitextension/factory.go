// Copyright The Hypha Authors
// SPDX-License-Identifier: Apache-2.0

package hyphajsonlimitextension // import "github.com/hypha-obs/hypha/extension/hyphajsonlimitextension"

import (
	"context"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/extension"

	"github.com/hypha-obs/hypha/extension/hyphajsonlimitextension/internal/metadata"
)

// NewFactory returns the factory for the hypha_json_limit extension.
func NewFactory() extension.Factory {
	return extension.NewFactory(
		metadata.Type,
		func() component.Config { return &Config{} },
		createExtension,
		metadata.ExtensionStability,
	)
}

func createExtension(_ context.Context, set extension.Settings, _ component.Config) (extension.Extension, error) {
	return newJSONLimit(set)
}
