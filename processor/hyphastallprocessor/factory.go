// Copyright The Hypha Authors
// SPDX-License-Identifier: Apache-2.0

package hyphastallprocessor // import "github.com/hypha-obs/hypha/processor/hyphastallprocessor"

import (
	"context"
	"time"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/processor"

	"github.com/hypha-obs/hypha/processor/hyphastallprocessor/internal/metadata"
)

// defaultReportAfter is longer than any export round trip, short enough to
// show up in the first minute of a gateway outage.
const defaultReportAfter = 10 * time.Second

// NewFactory returns the factory for the hypha_stall_report processor.
func NewFactory() processor.Factory {
	return processor.NewFactory(
		metadata.Type,
		func() component.Config { return &Config{ReportAfter: defaultReportAfter} },
		processor.WithLogs(createLogs, metadata.LogsStability),
	)
}

func createLogs(_ context.Context, set processor.Settings, cfg component.Config, next consumer.Logs) (processor.Logs, error) {
	tb, err := metadata.NewTelemetryBuilder(set.TelemetrySettings)
	if err != nil {
		return nil, err
	}
	return newStallReport(next, cfg.(*Config).ReportAfter, set.Logger, tb), nil
}
