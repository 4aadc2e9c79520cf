// Copyright The Hypha Authors
// SPDX-License-Identifier: Apache-2.0

package hyphacorrelationprocessor // import "github.com/hypha-obs/hypha/processor/hyphacorrelationprocessor"

import (
	"context"
	"encoding/hex"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/processor"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"

	"github.com/hypha-obs/hypha/processor/hyphacorrelationprocessor/internal/extract"
	"github.com/hypha-obs/hypha/processor/hyphacorrelationprocessor/internal/metadata"
)

const serviceNameKey = "service.name"

type logsProcessor struct {
	cfg       *Config
	extractor *extract.Extractor
	telemetry *metadata.TelemetryBuilder
	// byFormat holds the prebuilt attribute option of each format, each in
	// its own slice: passed on with ..., it reaches the counter without the
	// variadic slice a single option would be allocated in, so counting
	// correlated records allocates nothing.
	byFormat [256][]metric.AddOption
}

func newLogsProcessor(set processor.Settings, cfg *Config) (*logsProcessor, error) {
	zone, err := cfg.timeZone()
	if err != nil {
		return nil, err
	}
	tb, err := metadata.NewTelemetryBuilder(set.TelemetrySettings)
	if err != nil {
		return nil, err
	}
	p := &logsProcessor{
		cfg: cfg,
		extractor: extract.New(extract.Options{
			TraceIDKeys:     cfg.TraceIDKeys,
			SpanIDKeys:      cfg.SpanIDKeys,
			TraceFlagsKeys:  cfg.TraceFlagsKeys,
			DefaultTimeZone: zone,
		}),
		telemetry: tb,
	}
	for i := range p.byFormat {
		p.byFormat[i] = []metric.AddOption{metric.WithAttributeSet(attribute.NewSet(attribute.String("format", extract.Format(i).String())))}
	}
	return p, nil
}

func (p *logsProcessor) shutdown(context.Context) error {
	p.telemetry.Shutdown()
	return nil
}

// batchCounts is what one call to processLogs reports as telemetry.
type batchCounts struct {
	seen, rejected int64
	correlated     [256]int64
}

func (p *logsProcessor) processLogs(ctx context.Context, ld plog.Logs) (plog.Logs, error) {
	var counts batchCounts
	rls := ld.ResourceLogs()
	split := false
	// Resources split off by service name are appended at the end and need
	// no second look, so the loop bound is fixed first.
	for i, n := 0, rls.Len(); i < n; i++ {
		split = p.processResource(rls, rls.At(i), &counts) || split
	}
	if split {
		// A resource whose records all moved to their services' resources.
		rls.RemoveIf(func(rl plog.ResourceLogs) bool { return rl.ScopeLogs().Len() == 0 })
	}
	p.record(ctx, &counts)
	return ld, nil
}

// processResource correlates every record of one resource. When the resource
// names no service and the records do, it sets service.name from them,
// splitting the resource if its records name different services. It reports
// whether records moved to new resources.
func (p *logsProcessor) processResource(rls plog.ResourceLogsSlice, rl plog.ResourceLogs, counts *batchCounts) bool {
	_, hasService := rl.Resource().Attributes().Get(serviceNameKey)
	wantService := p.cfg.ServiceNameFromRecord && !hasService

	var services serviceGroups
	sls := rl.ScopeLogs()
	scopeLen := func(j int) int { return sls.At(j).LogRecords().Len() }
	for j := 0; j < sls.Len(); j++ {
		lrs := sls.At(j).LogRecords()
		for k := 0; k < lrs.Len(); k++ {
			var r extract.Result
			p.processRecord(lrs.At(k), &r, counts, wantService)
			if wantService {
				services.add(j, r.Service, scopeLen)
			}
		}
	}
	return wantService && services.apply(rls, rl)
}

func (p *logsProcessor) processRecord(lr plog.LogRecord, r *extract.Result, counts *batchCounts, wantService bool) {
	counts.seen++
	needIDs := lr.TraceID() == pcommon.TraceID{} // IsEmpty copies the id through the stack
	needSeverity := p.cfg.SetSeverity && lr.SeverityNumber() == plog.SeverityNumberUnspecified
	needTime := p.cfg.SetTimestamp && lr.Timestamp() == 0
	if !needIDs && !needSeverity && !needTime && !wantService {
		return
	}

	body := lr.Body()
	switch body.Type() {
	case pcommon.ValueTypeStr:
		p.fromText(body.Str(), r)
	case pcommon.ValueTypeMap:
		p.fromMap(body.Map(), r, extract.FormatOTLPMap)
	}
	if needIDs && !r.HasTrace && p.anyKnownKey(lr.Attributes()) {
		// Records that arrive over OTLP may carry the ids as attributes.
		var fromAttrs extract.Result
		p.fromMap(lr.Attributes(), &fromAttrs, extract.FormatOTLPAttributes)
		r.TraceID, r.SpanID, r.Flags = fromAttrs.TraceID, fromAttrs.SpanID, fromAttrs.Flags
		r.HasTrace, r.HasSpan, r.HasFlags = fromAttrs.HasTrace, fromAttrs.HasSpan, fromAttrs.HasFlags
		r.Rejected += fromAttrs.Rejected
		if fromAttrs.HasTrace {
			r.Format = fromAttrs.Format
		}
	}
	counts.rejected += int64(r.Rejected)

	if needIDs && r.HasTrace {
		lr.SetTraceID(r.TraceID)
		if r.HasSpan {
			lr.SetSpanID(r.SpanID)
		}
		if r.HasFlags {
			lr.SetFlags(plog.LogRecordFlags(r.Flags))
		}
		counts.correlated[r.Format]++
		if p.cfg.CopyToAttributes {
			copyToAttributes(lr.Attributes(), r)
		}
	}
	if needSeverity && r.SeverityNumber != 0 {
		lr.SetSeverityNumber(plog.SeverityNumber(r.SeverityNumber))
		if lr.SeverityText() == "" {
			lr.SetSeverityText(r.SeverityText)
		}
	}
	if needTime && r.Timestamp != 0 {
		lr.SetTimestamp(pcommon.Timestamp(r.Timestamp))
	}
}

func copyToAttributes(attrs pcommon.Map, r *extract.Result) {
	attrs.PutStr("trace_id", hex.EncodeToString(r.TraceID[:]))
	if r.HasSpan {
		attrs.PutStr("span_id", hex.EncodeToString(r.SpanID[:]))
	}
}

func (p *logsProcessor) record(ctx context.Context, counts *batchCounts) {
	if counts.seen == 0 {
		return
	}
	p.telemetry.ProcessorHyphaCorrelationRecordsSeen.Add(ctx, counts.seen)
	if counts.rejected > 0 {
		p.telemetry.ProcessorHyphaCorrelationIdsRejected.Add(ctx, counts.rejected)
	}
	for f, n := range counts.correlated {
		if n > 0 {
			p.telemetry.ProcessorHyphaCorrelationRecordsCorrelated.Add(ctx, n, p.byFormat[f]...)
		}
	}
}
