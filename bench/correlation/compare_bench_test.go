// Copyright The Hypha Authors
// SPDX-License-Identifier: Apache-2.0

package correlation

// Comparison benchmarks: hypha_correlation against the transform processor
// (OTTL) doing the same job on the same batches, in the same run.
//
// Each case is a batch of benchRecords records with string bodies and a
// log.file.path attribute, as the file_log receiver delivers them.
// hypha_correlation leaves records that already have ids alone, so every
// iteration must see fresh records. Rather than b.StopTimer/StartTimer (which
// costs more than a batch of hypha work) or a CopyTo from a template (which
// allocates two objects per record itself and would hide the processor's
// own allocations), each iteration ends with benchReset, which clears
// exactly the fields the processors write. The reset costs about 3 ns per
// record and allocates nothing (BenchmarkReset/<case>); it is inside the
// timed loop for both processors and is not subtracted.
//
// The transform processor gets the most favourable configuration for each
// case: statements written for that one format, no severity text for pino
// (one arithmetic statement maps pino's numeric level to the severity
// number), and conditions that keep it from failing on lines without ids.
// hypha_correlation runs with its shipped defaults, which also find the
// service name and set the severity text, so it does more work than OTTL.
//
// `make bench` runs them; the figures of the last recorded run are in
// docs/performance.md.

import (
	"context"
	"fmt"
	"runtime"
	"testing"
	"time"

	"github.com/open-telemetry/opentelemetry-collector-contrib/pkg/pdatatest/plogtest"
	"github.com/open-telemetry/opentelemetry-collector-contrib/processor/transformprocessor"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/confmap"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/processor"
	"go.opentelemetry.io/collector/processor/processortest"

	"github.com/hypha-obs/hypha/bench/ottlbaseline"
	"github.com/hypha-obs/hypha/processor/hyphacorrelationprocessor"
)

// benchRecords is the batch size of one ConsumeLogs call. file_log hands on
// batches of up to 100 lines by default (max_batch_size).
const benchRecords = 100

// benchCase is one kind of log line, with the transform statements that do
// hypha_correlation's job for that kind.
type benchCase struct {
	name string
	line func(i int) string
	ottl []string
	// noIDs and noTime say what the lines lack: trace context, and a time
	// with a zone, which either processor could read.
	noIDs, noTime bool
}

var benchCases = []benchCase{
	{name: "pino", line: benchPinoLine, ottl: ottlbaseline.Pino},
	{name: "logfmt", line: benchLogfmtLine, ottl: benchLogfmtOTTL},
	// The same statements as pino and logfmt: an agent cannot know in
	// advance which lines carry ids.
	{name: "json-no-ids", line: benchJSONNoIDsLine, ottl: ottlbaseline.Pino, noIDs: true},
	{name: "text-no-ids", line: benchTextNoIDsLine, ottl: benchLogfmtOTTL, noIDs: true, noTime: true},
}

var benchLogfmtOTTL = []string{
	`merge_maps(cache, ParseKeyValue(body), "upsert") where IsString(body)`,
	// The level a plain text line writes after its date and time, as
	// hypha_correlation reads it (its zone-less time is not used by default).
	`merge_maps(cache, ExtractPatterns(body, "^\\S+ \\S+ (?P<level>[A-Z]+) "), "upsert") where IsString(body) and cache["level"] == nil`,
	`set(trace_id.string, cache["trace_id"]) where cache["trace_id"] != nil`,
	`set(span_id.string, cache["span_id"]) where cache["span_id"] != nil`,
	`set(flags, Int(cache["trace_flags"])) where cache["trace_flags"] != nil`,
	`set(time, Time(cache["time"], "%Y-%m-%dT%H:%M:%S.%LZ")) where cache["time"] != nil`,
	`set(severity_text, cache["level"]) where cache["level"] != nil`,
	`set(severity_number, SEVERITY_NUMBER_DEBUG) where cache["level"] == "DEBUG"`,
	`set(severity_number, SEVERITY_NUMBER_INFO) where cache["level"] == "INFO"`,
	`set(severity_number, SEVERITY_NUMBER_WARN) where cache["level"] == "WARN"`,
	`set(severity_number, SEVERITY_NUMBER_ERROR) where cache["level"] == "ERROR"`,
}

// benchNow keeps the lines' times fixed and recent.
var benchNow = time.Date(2026, 11, 24, 23, 11, 32, 208_000_000, time.UTC)

// benchMix spreads i over 64 bits (splitmix64), so that ids differ from line to line.
func benchMix(i uint64) uint64 {
	i += 0x9e3779b97f4a7c15
	i = (i ^ i>>30) * 0xbf58476d1ce4e5b9
	i = (i ^ i>>27) * 0x94d049bb133111eb
	return i ^ i>>31
}

var benchPinoLevels = []int{30, 30, 30, 30, 30, 30, 20, 40, 50, 30}

// benchPinoLine is a pino line with instrumentation-pino's ids (~330 bytes).
func benchPinoLine(i int) string {
	u := uint64(i)
	return fmt.Sprintf(`{"level":%d,"time":%d,"pid":18343,"hostname":"checkout-7d9f8b6c5-x2x4q","service":"cart",`+
		`"trace_id":"%016x%016x","span_id":"%016x","trace_flags":"01",`+
		`"orderId":"%d","userId":"u-%05d","route":"/checkout/:id","durationMs":%d.5,"msg":"handling request for order %d of user u-%05d"}`,
		benchPinoLevels[i%len(benchPinoLevels)], benchNow.UnixMilli()+int64(i), benchMix(u), benchMix(u+1<<32), benchMix(u+2<<32),
		i, i%100000, i%97, i, i%100000)
}

var benchLogfmtLevels = []string{"INFO", "INFO", "INFO", "INFO", "INFO", "INFO", "DEBUG", "WARN", "ERROR", "INFO"}

// benchLogfmtLine is a Go slog TextHandler line with ids added by a handler.
func benchLogfmtLine(i int) string {
	u := uint64(i)
	return fmt.Sprintf(`time=%s level=%s msg="cart checked out" cart_id=%d user=u-%05d route=/checkout/:id `+
		`duration=%d.5ms trace_id=%016x%016x span_id=%016x trace_flags=01`,
		benchNow.Add(time.Duration(i)*time.Millisecond).Format("2006-01-02T15:04:05.000Z"),
		benchLogfmtLevels[i%len(benchLogfmtLevels)], i, i%100000, i%97, benchMix(u), benchMix(u+1<<32), benchMix(u+2<<32))
}

// benchJSONNoIDsLine is a pino line written outside any span (~330 bytes).
func benchJSONNoIDsLine(i int) string {
	return fmt.Sprintf(`{"level":%d,"time":%d,"pid":18343,"hostname":"checkout-7d9f8b6c5-x2x4q","service":"cart",`+
		`"orderId":"%d","userId":"u-%05d","route":"/checkout/:id","durationMs":%d.5,"remoteAddress":"10.42.0.17","remotePort":%d,`+
		`"userAgent":"Mozilla/5.0 (X11; Linux x86_64)","msg":"startup (outside any span), listening on port 23102 for requests"}`,
		benchPinoLevels[i%len(benchPinoLevels)], benchNow.UnixMilli()+int64(i), i, i%100000, i%97, 40000+i%20000)
}

// benchTextNoIDsLine is a plain text line (Python's default format) with
// no trace context and no key=value pairs (~300 bytes).
func benchTextNoIDsLine(i int) string {
	return fmt.Sprintf(`%s INFO [checkout] [app.py:42] order %d placed for user u-%05d in %d.5 ms, `+
		`cart contained %d items, payment provider answered with status 200 after two retries; next poll in 30 seconds `+
		`(queue depth %d, worker pool 8 of 16 busy, cache hit ratio 0.93 over the last 5 minutes)`,
		benchNow.Add(time.Duration(i)*time.Millisecond).Format("2006-01-02 15:04:05,000"), i, i%100000, i%97, 1+i%7, i%31)
}

// benchBatch builds one batch of benchRecords lines, line(0) first, shaped
// as file_log delivers it.
func benchBatch(line func(i int) string) plog.Logs {
	ld := plog.NewLogs()
	sl := ld.ResourceLogs().AppendEmpty().ScopeLogs().AppendEmpty()
	for i := range benchRecords {
		lr := sl.LogRecords().AppendEmpty()
		lr.SetObservedTimestamp(pcommon.NewTimestampFromTime(benchNow))
		lr.Body().SetStr(line(i))
		lr.Attributes().PutStr("log.file.path", "/var/log/apps/cart.log")
	}
	return ld
}

// newHyphaBench and newOTTLBench create the two processors for case c.
func newHyphaBench(tb testing.TB, _ benchCase, next consumer.Logs) processor.Logs {
	f := hyphacorrelationprocessor.NewFactory()
	p, err := f.CreateLogs(context.Background(), processortest.NewNopSettings(f.Type()), f.CreateDefaultConfig(), next)
	require.NoError(tb, err)
	return p
}

func newOTTLBench(tb testing.TB, c benchCase, next consumer.Logs) processor.Logs {
	f := transformprocessor.NewFactory()
	cfg := f.CreateDefaultConfig()
	conf := confmap.NewFromStringMap(map[string]any{
		"error_mode":     "ignore",
		"log_statements": []any{map[string]any{"context": "log", "statements": c.ottl}},
	})
	require.NoError(tb, conf.Unmarshal(cfg))
	set := processortest.NewNopSettings(f.Type())
	p, err := f.CreateLogs(context.Background(), set, cfg, next)
	require.NoError(tb, err)
	return p
}

// benchReset undoes everything either processor writes into a batch (the
// fields below and the resource's service.name), so that the next iteration
// sees fresh records again. TestCompareBenchDoesTheJob checks that a reset
// batch equals a newly built one.
func benchReset(ld plog.Logs) {
	rls := ld.ResourceLogs()
	for i := 0; i < rls.Len(); i++ {
		rl := rls.At(i)
		rl.Resource().Attributes().Remove("service.name")
		sls := rl.ScopeLogs()
		for j := 0; j < sls.Len(); j++ {
			lrs := sls.At(j).LogRecords()
			for k := 0; k < lrs.Len(); k++ {
				lr := lrs.At(k)
				lr.SetTraceID(pcommon.NewTraceIDEmpty())
				lr.SetSpanID(pcommon.NewSpanIDEmpty())
				lr.SetFlags(0)
				lr.SetTimestamp(0)
				lr.SetSeverityNumber(plog.SeverityNumberUnspecified)
				lr.SetSeverityText("")
			}
		}
	}
}

// runBench times process-then-reset of one batch per iteration, going round
// batches, and reports per-record figures; p may be nil to time the reset
// alone.
func runBench(b *testing.B, batches []plog.Logs, p processor.Logs) {
	ctx := context.Background()
	if p != nil {
		require.NoError(b, p.Start(ctx, componenttest.NewNopHost()))
		defer func() { require.NoError(b, p.Shutdown(ctx)) }()
	}
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	b.ReportAllocs()
	n := 0
	for b.Loop() {
		ld := batches[n%len(batches)]
		n++
		if p != nil {
			if err := p.ConsumeLogs(ctx, ld); err != nil {
				b.Fatal(err)
			}
		}
		benchReset(ld)
	}
	runtime.ReadMemStats(&after)
	records := float64(b.N * benchRecords)
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/records, "ns/record")
	b.ReportMetric(float64(after.Mallocs-before.Mallocs)/records, "allocs/record")
}

func BenchmarkHypha(b *testing.B) {
	for _, c := range benchCases {
		b.Run(c.name, func(b *testing.B) {
			runBench(b, []plog.Logs{benchBatch(c.line)}, newHyphaBench(b, c, consumertest.NewNop()))
		})
	}
}

func BenchmarkOTTL(b *testing.B) {
	for _, c := range benchCases {
		b.Run(c.name, func(b *testing.B) {
			runBench(b, []plog.Logs{benchBatch(c.line)}, newOTTLBench(b, c, consumertest.NewNop()))
		})
	}
}

func BenchmarkReset(b *testing.B) {
	for _, c := range benchCases {
		b.Run(c.name, func(b *testing.B) { runBench(b, []plog.Logs{benchBatch(c.line)}, nil) })
	}
}

// TestCompareBenchDoesTheJob keeps the comparison fair: on every case both
// processors set the same ids, flags, severity number and time on every
// record, and neither sets ids where the line has none.
func TestCompareBenchDoesTheJob(t *testing.T) {
	ctx := context.Background()
	for _, c := range benchCases {
		t.Run(c.name, func(t *testing.T) {
			var got [2]plog.LogRecordSlice
			for i, create := range []func(testing.TB, benchCase, consumer.Logs) processor.Logs{newHyphaBench, newOTTLBench} {
				sink := new(consumertest.LogsSink)
				p := create(t, c, sink)
				require.NoError(t, p.Start(ctx, componenttest.NewNopHost()))
				require.NoError(t, p.ConsumeLogs(ctx, benchBatch(c.line)))
				require.NoError(t, p.Shutdown(ctx))
				require.Len(t, sink.AllLogs(), 1)
				ld := sink.AllLogs()[0]
				reset := plog.NewLogs()
				ld.CopyTo(reset)
				benchReset(reset)
				require.NoError(t, plogtest.CompareLogs(benchBatch(c.line), reset), "a reset batch must equal a new one")
				require.Equal(t, 1, ld.ResourceLogs().Len())
				got[i] = ld.ResourceLogs().At(0).ScopeLogs().At(0).LogRecords()
			}
			hypha, ottl := got[0], got[1]
			require.Equal(t, benchRecords, hypha.Len())
			require.Equal(t, benchRecords, ottl.Len())
			wantIDs := !c.noIDs
			for k := range benchRecords {
				h, o := hypha.At(k), ottl.At(k)
				require.Equal(t, wantIDs, !h.TraceID().IsEmpty(), "record %d: hypha trace id", k)
				require.Equal(t, h.TraceID(), o.TraceID(), "record %d: trace id", k)
				require.Equal(t, h.SpanID(), o.SpanID(), "record %d: span id", k)
				require.Equal(t, h.Flags(), o.Flags(), "record %d: flags", k)
				require.Equal(t, c.noTime, h.Timestamp() == 0, "record %d: hypha time", k)
				require.Equal(t, h.Timestamp(), o.Timestamp(), "record %d: time", k)
				require.NotZero(t, h.SeverityNumber(), "record %d: hypha severity", k)
				require.Equal(t, h.SeverityNumber(), o.SeverityNumber(), "record %d: severity", k)
			}
		})
	}
}
