package hyphacorrelationprocessor // import "github.com/hypha-obs/hypha/processor/hyphacorrelationprocessor"

import (
	"context"
	"time"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/processor"
	"go.opentelemetry.io/collector/processor/processorhelper"

	"github.com/hypha-obs/hypha/processor/hyphacorrelationprocessor/internal/metadata"
)

// The processor writes the ids it finds into the records it is given.
var processorCapabilities = consumer.Capabilities{MutatesData: true}

// NewFactory returns the factory for the hypha_correlation processor.
func NewFactory() processor.Factory {
	return processor.NewFactory(
		metadata.Type,
		createDefaultConfig,
		processor.WithLogs(createLogsProcessor, metadata.LogsStability),
	)
}

// defaultReportStallAfter is how long the next stage may block before the
// processor reports a stall: longer than any export round trip, short
// enough to show up in the first minute of a gateway outage.
const defaultReportStallAfter = 10 * time.Second

func createDefaultConfig() component.Config {
	return &Config{
		ReportStallAfter:      defaultReportStallAfter,
		SetSeverity:           true,
		SetTimestamp:          true,
		ServiceNameFromRecord: true,
		CopyToAttributes:      false,
	}
}

func createLogsProcessor(ctx context.Context, set processor.Settings, cfg component.Config, next consumer.Logs) (processor.Logs, error) {
	c := cfg.(*Config)
	p, err := newLogsProcessor(set, c)
	if err != nil {
		return nil, err
	}
	if c.ReportStallAfter > 0 {
		p.stalls = newStallWatch(next, c.ReportStallAfter, set.Logger, p.telemetry)
		next = p.stalls
	}
	return processorhelper.NewLogs(ctx, set, cfg, next, p.processLogs,
		processorhelper.WithCapabilities(processorCapabilities),
		processorhelper.WithStart(p.start),
		processorhelper.WithShutdown(p.shutdown))
}
