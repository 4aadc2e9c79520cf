// Copyright The Hypha Authors
// SPDX-License-Identifier: Apache-2.0

package hyphaauthretryextension // import "github.com/hypha-obs/hypha/extension/hyphaauthretryextension"

import (
	"context"
	"time"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/extension"

	"github.com/hypha-obs/hypha/extension/hyphaauthretryextension/internal/metadata"
)

// defaultReportInterval repeats the refusal often enough to be seen in any
// log window an operator looks at, rarely enough not to flood it.
const defaultReportInterval = time.Minute

// NewFactory returns the factory for the hypha_auth_retry extension.
func NewFactory() extension.Factory {
	return extension.NewFactory(
		metadata.Type,
		createDefaultConfig,
		createExtension,
		metadata.ExtensionStability,
	)
}

func createDefaultConfig() component.Config {
	return &Config{ReportInterval: defaultReportInterval}
}

func createExtension(_ context.Context, set extension.Settings, cfg component.Config) (extension.Extension, error) {
	return newAuthRetry(set, cfg.(*Config))
}
