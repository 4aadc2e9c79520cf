// Copyright The Hypha Authors
// SPDX-License-Identifier: Apache-2.0

package hyphaackprocessor // import "github.com/hypha-obs/hypha/processor/hyphaackprocessor"

import (
	"context"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/processor"

	"github.com/hypha-obs/hypha/processor/hyphaackprocessor/internal/metadata"
)

// NewFactory returns the factory for the hypha_ack processor.
func NewFactory() processor.Factory {
	return processor.NewFactory(
		metadata.Type,
		func() component.Config { return &Config{} },
		processor.WithLogs(createLogs, metadata.LogsStability),
	)
}

func createLogs(_ context.Context, set processor.Settings, cfg component.Config, next consumer.Logs) (processor.Logs, error) {
	return newAck(set, cfg.(*Config), next)
}
