// Copyright The Hypha Authors
// SPDX-License-Identifier: Apache-2.0

package hyphacorrelationprocessor

import (
	"bufio"
	"context"
	"encoding/hex"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/open-telemetry/opentelemetry-collector-contrib/pkg/golden"
	"github.com/open-telemetry/opentelemetry-collector-contrib/pkg/pdatatest/plogtest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/processor/processortest"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	"go.opentelemetry.io/otel/sdk/metric/metricdata/metricdatatest"

	"github.com/hypha-obs/hypha/processor/hyphacorrelationprocessor/internal/metadatatest"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/golden")

// samplesDir holds log lines captured from real instrumented apps; the
// extractor's own golden tests read the same files.
const samplesDir = "internal/extract/testdata/samples"

// sampleLogs turns every non-comment line of a captured sample file into a
// log record with a string body, as the file_log receiver would.
func sampleLogs(t *testing.T, path string) plog.Logs {
	t.Helper()
	f, err := os.Open(path)
	require.NoError(t, err)
	defer f.Close()
	ld := plog.NewLogs()
	sl := ld.ResourceLogs().AppendEmpty().ScopeLogs().AppendEmpty()
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		lr := sl.LogRecords().AppendEmpty()
		lr.Body().SetStr(line)
		lr.Attributes().PutStr("log.file.name", filepath.Base(path))
	}
	require.NoError(t, sc.Err())
	return ld
}

func newTestProcessor(t *testing.T, cfg *Config) (*consumertest.LogsSink, func(plog.Logs)) {
	t.Helper()
	sink := new(consumertest.LogsSink)
	p, err := NewFactory().CreateLogs(context.Background(), processortest.NewNopSettings(NewFactory().Type()), cfg, sink)
	require.NoError(t, err)
	require.NoError(t, p.Start(context.Background(), componenttest.NewNopHost()))
	t.Cleanup(func() { require.NoError(t, p.Shutdown(context.Background())) })
	return sink, func(ld plog.Logs) { require.NoError(t, p.ConsumeLogs(context.Background(), ld)) }
}

// TestCapturedSamples runs every real captured sample through the processor
// and compares the records with reviewed golden output: every line with ids
// gets exactly those ids, every line without gets none, and severity, time
// and service.name come from the line.
func TestCapturedSamples(t *testing.T) {
	paths, err := filepath.Glob(filepath.Join(samplesDir, "*.log"))
	require.NoError(t, err)
	require.NotEmpty(t, paths)
	for _, path := range paths {
		name := strings.TrimSuffix(filepath.Base(path), ".log")
		t.Run(name, func(t *testing.T) {
			sink, consume := newTestProcessor(t, createDefaultConfig().(*Config))
			consume(sampleLogs(t, path))
			require.Len(t, sink.AllLogs(), 1)
			got := sink.AllLogs()[0]
			goldenPath := filepath.Join("testdata", "golden", name+".yaml")
			if *update {
				require.NoError(t, golden.WriteLogs(t, goldenPath, got))
			}
			want, err := golden.ReadLogs(goldenPath)
			require.NoError(t, err)
			require.NoError(t, plogtest.CompareLogs(want, got,
				plogtest.IgnoreResourceLogsOrder(), plogtest.IgnoreLogRecordsOrder()))
		})
	}
}

func traceID(t *testing.T, s string) pcommon.TraceID {
	var id pcommon.TraceID
	copy(id[:], decodeID(t, s, len(id)))
	return id
}

func spanID(t *testing.T, s string) pcommon.SpanID {
	var id pcommon.SpanID
	copy(id[:], decodeID(t, s, len(id)))
	return id
}

func decodeID(t *testing.T, s string, size int) []byte {
	b, err := hex.DecodeString(s)
	require.NoError(t, err)
	require.Len(t, b, size)
	return b
}

const (
	pinoLine = `{"level":50,"time":1795562617945,"service":"cart","trace_id":"bceb4cdfaad76751140234042144953f","span_id":"fc66f2523a5ee398","trace_flags":"01","msg":"request failed"}`
	pinoTID  = "bceb4cdfaad76751140234042144953f"
	pinoSID  = "fc66f2523a5ee398"
)

// TestRecordWithIDsKeepsThem: the gateway runs the processor again on what
// agents already correlated; ids already set are never replaced.
func TestRecordWithIDsKeepsThem(t *testing.T) {
	sink, consume := newTestProcessor(t, createDefaultConfig().(*Config))
	ld := plog.NewLogs()
	lr := ld.ResourceLogs().AppendEmpty().ScopeLogs().AppendEmpty().LogRecords().AppendEmpty()
	lr.Body().SetStr(pinoLine)
	own := traceID(t, "0123456789abcdef0123456789abcdef")
	lr.SetTraceID(own)
	lr.SetSpanID(spanID(t, "0123456789abcdef"))
	consume(ld)

	out := sink.AllLogs()[0].ResourceLogs().At(0).ScopeLogs().At(0).LogRecords().At(0)
	assert.Equal(t, own, out.TraceID())
	assert.Equal(t, spanID(t, "0123456789abcdef"), out.SpanID())
	assert.Equal(t, pinoLine, out.Body().Str(), "the body is never changed")
	// Fields that were still empty are filled in.
	assert.Equal(t, plog.SeverityNumberError, out.SeverityNumber())
	assert.Equal(t, pcommon.Timestamp(1795562617945*1e6), out.Timestamp())
}

// TestSetFieldsAreNotOverwritten: severity and time the record already has
// stay as they are.
func TestSetFieldsAreNotOverwritten(t *testing.T) {
	sink, consume := newTestProcessor(t, createDefaultConfig().(*Config))
	ld := plog.NewLogs()
	lr := ld.ResourceLogs().AppendEmpty().ScopeLogs().AppendEmpty().LogRecords().AppendEmpty()
	lr.Body().SetStr(pinoLine)
	lr.SetSeverityNumber(plog.SeverityNumberWarn)
	lr.SetSeverityText("WARN")
	lr.SetTimestamp(42)
	consume(ld)

	out := sink.AllLogs()[0].ResourceLogs().At(0).ScopeLogs().At(0).LogRecords().At(0)
	assert.Equal(t, traceID(t, pinoTID), out.TraceID())
	assert.Equal(t, plog.SeverityNumberWarn, out.SeverityNumber())
	assert.Equal(t, "WARN", out.SeverityText())
	assert.Equal(t, pcommon.Timestamp(42), out.Timestamp())
}

// TestOTLPInput: records that arrive over OTLP with a map body, or with the
// ids in attributes, are correlated too.
func TestOTLPInput(t *testing.T) {
	sink, consume := newTestProcessor(t, createDefaultConfig().(*Config))
	ld := plog.NewLogs()
	rl := ld.ResourceLogs().AppendEmpty()
	rl.Resource().Attributes().PutStr("service.name", "api-gateway")
	lrs := rl.ScopeLogs().AppendEmpty().LogRecords()

	mapBody := lrs.AppendEmpty()
	m := mapBody.Body().SetEmptyMap()
	m.PutStr("msg", "handling request")
	m.PutStr("traceId", "d9648d7435eb97a56cef65002fb618ed")
	m.PutStr("spanId", "b8fd3ff4b8d5b426")
	m.PutInt("traceFlags", 1)
	m.PutInt("level", 40)

	inAttrs := lrs.AppendEmpty()
	inAttrs.Body().SetStr("handling request")
	inAttrs.Attributes().PutStr("log.file.path", "/var/log/apps/api.log") // a key that means nothing comes first
	inAttrs.Attributes().PutStr("trace_id", "166ddea258bb14c1ca1c7d09c0b600a4")
	inAttrs.Attributes().PutStr("span_id", "83fa407ce1366d52")
	inAttrs.Attributes().PutStr("trace_flags", "01")

	nested := lrs.AppendEmpty()
	nm := nested.Body().SetEmptyMap()
	nm.PutEmptyMap("trace").PutStr("id", "4bf92f3577b34da6a3ce929d0e0e4736")
	nm.PutEmptyMap("span").PutStr("id", "71fbffb42489b780")

	noIDs := lrs.AppendEmpty()
	noIDs.Body().SetStr("startup")
	noIDs.Attributes().PutStr("request_id", "4bf92f3577b34da6a3ce929d0e0e4736")

	// Go's stdouttrace shape as a map body: the span's own context nested
	// under SpanContext, its parent's skipped.
	deep := lrs.AppendEmpty().Body().SetEmptyMap()
	deep.PutStr("Name", "roll")
	sc := deep.PutEmptyMap("SpanContext")
	sc.PutStr("TraceID", "0af7651916cd43dd8448eb211c80319c")
	sc.PutStr("SpanID", "b7ad6b7169203331")
	deep.PutEmptyMap("Parent").PutStr("SpanID", "00f067aa0ba902b7")
	headers := deep.PutEmptyMap("request").PutEmptyMap("headers").PutEmptySlice("Traceparent")
	headers.AppendEmpty().SetStr("00-0af7651916cd43dd8448eb211c80319c-53995c3f42cd8ad8-01")

	// Links name other traces: never read.
	links := lrs.AppendEmpty().Body().SetEmptyMap().PutEmptySlice("Links").AppendEmpty().SetEmptyMap()
	links.PutEmptyMap("SpanContext").PutStr("TraceID", "4bf92f3577b34da6a3ce929d0e0e4736")

	consume(ld)
	out := sink.AllLogs()[0].ResourceLogs().At(0).ScopeLogs().At(0).LogRecords()
	require.Equal(t, 6, out.Len())

	assert.Equal(t, traceID(t, "d9648d7435eb97a56cef65002fb618ed"), out.At(0).TraceID())
	assert.Equal(t, spanID(t, "b8fd3ff4b8d5b426"), out.At(0).SpanID())
	assert.Equal(t, plog.LogRecordFlags(1), out.At(0).Flags())
	assert.Equal(t, plog.SeverityNumberWarn, out.At(0).SeverityNumber())

	assert.Equal(t, traceID(t, "166ddea258bb14c1ca1c7d09c0b600a4"), out.At(1).TraceID())
	assert.Equal(t, spanID(t, "83fa407ce1366d52"), out.At(1).SpanID())
	assert.Equal(t, plog.LogRecordFlags(1), out.At(1).Flags())

	assert.Equal(t, traceID(t, "4bf92f3577b34da6a3ce929d0e0e4736"), out.At(2).TraceID())
	assert.Equal(t, spanID(t, "71fbffb42489b780"), out.At(2).SpanID())

	assert.True(t, out.At(3).TraceID().IsEmpty(), "a hex value under another key is not a trace id")

	assert.Equal(t, traceID(t, "0af7651916cd43dd8448eb211c80319c"), out.At(4).TraceID())
	assert.Equal(t, spanID(t, "b7ad6b7169203331"), out.At(4).SpanID(), "the span's own id, not its parent's nor the header's")

	assert.True(t, out.At(5).TraceID().IsEmpty(), "a link's trace is another trace")
}

// TestServiceNameFromRecords: a resource without service.name takes it from
// its records; records naming different services are split into one
// resource per service, and records naming none stay behind for the
// agent's fallback.
func TestServiceNameFromRecords(t *testing.T) {
	sink, consume := newTestProcessor(t, createDefaultConfig().(*Config))
	ld := plog.NewLogs()

	uniform := ld.ResourceLogs().AppendEmpty()
	uniform.Resource().Attributes().PutStr("host.name", "a")
	for range 2 {
		uniform.ScopeLogs().AppendEmpty().LogRecords().AppendEmpty().Body().SetStr(`{"service":"cart","msg":"x"}`)
	}

	mixed := ld.ResourceLogs().AppendEmpty()
	mixed.Resource().Attributes().PutStr("host.name", "b")
	lrs := mixed.ScopeLogs().AppendEmpty().LogRecords()
	lrs.AppendEmpty().Body().SetStr(`{"service":"auth","msg":"1"}`)
	lrs.AppendEmpty().Body().SetStr(`plain text, no service`)
	lrs.AppendEmpty().Body().SetStr(`{"service":"cart","msg":"2"}`)
	lrs.AppendEmpty().Body().SetStr(`{"service":"auth","msg":"3"}`)
	second := mixed.ScopeLogs().AppendEmpty()
	second.Scope().SetName("second")
	second.LogRecords().AppendEmpty().Body().SetStr(`{"service":"cart","msg":"4"}`)
	second.LogRecords().AppendEmpty().Body().SetStr(`no service either`)

	// Records agree at first, then one disagrees: the earlier ones keep
	// their service.
	late := ld.ResourceLogs().AppendEmpty()
	late.Resource().Attributes().PutStr("host.name", "c")
	first := late.ScopeLogs().AppendEmpty().LogRecords()
	first.AppendEmpty().Body().SetStr(`{"service":"cart","msg":"5"}`)
	first.AppendEmpty().Body().SetStr(`{"service":"cart","msg":"6"}`)
	late.ScopeLogs().AppendEmpty().LogRecords().AppendEmpty().Body().SetStr(`{"service":"cart","msg":"7"}`)
	late.ScopeLogs().AppendEmpty().LogRecords().AppendEmpty().Body().SetStr(`{"service":"lab-tests","msg":"8"}`)

	named := ld.ResourceLogs().AppendEmpty()
	named.Resource().Attributes().PutStr("service.name", "from-config")
	named.ScopeLogs().AppendEmpty().LogRecords().AppendEmpty().Body().SetStr(`{"service":"cart","msg":"x"}`)

	consume(ld)
	got := map[string][]string{}
	rls := sink.AllLogs()[0].ResourceLogs()
	for i := 0; i < rls.Len(); i++ {
		attrs := rls.At(i).Resource().Attributes()
		key := ""
		if host, ok := attrs.Get("host.name"); ok {
			key = host.Str()
		}
		key += "/"
		if service, ok := attrs.Get("service.name"); ok {
			key += service.Str()
		}
		for j := 0; j < rls.At(i).ScopeLogs().Len(); j++ {
			records := rls.At(i).ScopeLogs().At(j).LogRecords()
			for k := 0; k < records.Len(); k++ {
				got[key] = append(got[key], records.At(k).Body().Str())
			}
		}
	}
	assert.Equal(t, map[string][]string{
		"a/cart":       {`{"service":"cart","msg":"x"}`, `{"service":"cart","msg":"x"}`},
		"b/":           {`plain text, no service`, `no service either`},
		"b/auth":       {`{"service":"auth","msg":"1"}`, `{"service":"auth","msg":"3"}`},
		"b/cart":       {`{"service":"cart","msg":"2"}`, `{"service":"cart","msg":"4"}`},
		"c/cart":       {`{"service":"cart","msg":"5"}`, `{"service":"cart","msg":"6"}`, `{"service":"cart","msg":"7"}`},
		"c/lab-tests":  {`{"service":"lab-tests","msg":"8"}`},
		"/from-config": {`{"service":"cart","msg":"x"}`},
	}, got)
}

func TestCopyToAttributes(t *testing.T) {
	cfg := createDefaultConfig().(*Config)
	cfg.CopyToAttributes = true
	sink, consume := newTestProcessor(t, cfg)
	ld := plog.NewLogs()
	ld.ResourceLogs().AppendEmpty().ScopeLogs().AppendEmpty().LogRecords().AppendEmpty().Body().SetStr(pinoLine)
	consume(ld)
	attrs := sink.AllLogs()[0].ResourceLogs().At(0).ScopeLogs().At(0).LogRecords().At(0).Attributes()
	assert.Equal(t, map[string]any{"trace_id": pinoTID, "span_id": pinoSID}, attrs.AsRaw())
}

func TestConfiguredKeys(t *testing.T) {
	cfg := createDefaultConfig().(*Config)
	cfg.TraceIDKeys = []string{"request_trace"}
	cfg.SpanIDKeys = []string{"request_span"}
	sink, consume := newTestProcessor(t, cfg)
	ld := plog.NewLogs()
	ld.ResourceLogs().AppendEmpty().ScopeLogs().AppendEmpty().LogRecords().AppendEmpty().Body().
		SetStr(`{"msg":"x","request_trace":"` + pinoTID + `","request_span":"` + pinoSID + `"}`)
	consume(ld)
	lr := sink.AllLogs()[0].ResourceLogs().At(0).ScopeLogs().At(0).LogRecords().At(0)
	assert.Equal(t, traceID(t, pinoTID), lr.TraceID())
	assert.Equal(t, spanID(t, pinoSID), lr.SpanID())
}

// TestDefaultTimeZone: a line's zone-less time becomes the record's
// Timestamp only with default_time_zone, read in that zone; its level is
// read either way, and an OTLP map body follows the same rule.
func TestDefaultTimeZone(t *testing.T) {
	const line = "2024-05-01 14:00:00,123 WARNING [app] [app.py:42] - disk almost full"
	for _, tc := range []struct {
		zone string
		want string // RFC 3339 in UTC, "" for no Timestamp
	}{
		{"", ""},
		{"UTC", "2024-05-01T14:00:00.123Z"},
		{"Europe/Berlin", "2024-05-01T12:00:00.123Z"},
		{"America/New_York", "2024-05-01T18:00:00.123Z"},
	} {
		t.Run("zone "+tc.zone, func(t *testing.T) {
			cfg := createDefaultConfig().(*Config)
			cfg.DefaultTimeZone = tc.zone
			require.NoError(t, cfg.Validate())
			sink, consume := newTestProcessor(t, cfg)
			ld := plog.NewLogs()
			lrs := ld.ResourceLogs().AppendEmpty().ScopeLogs().AppendEmpty().LogRecords()
			lrs.AppendEmpty().Body().SetStr(line)
			lrs.AppendEmpty().Body().SetEmptyMap().PutStr("timestamp", "2024-05-01 14:00:00.123")
			consume(ld)
			out := sink.AllLogs()[0].ResourceLogs().At(0).ScopeLogs().At(0).LogRecords()
			for i := range out.Len() {
				got := ""
				if ts := out.At(i).Timestamp(); ts != 0 {
					got = ts.AsTime().UTC().Format(time.RFC3339Nano)
				}
				assert.Equal(t, tc.want, got, "record %d", i)
			}
			assert.Equal(t, plog.SeverityNumberWarn, out.At(0).SeverityNumber())
			assert.Equal(t, "WARNING", out.At(0).SeverityText())
		})
	}
}

// TestTelemetry checks the processor's own metrics: records seen, records
// correlated by format, and ids rejected.
func TestTelemetry(t *testing.T) {
	tt := componenttest.NewTelemetry()
	t.Cleanup(func() { require.NoError(t, tt.Shutdown(context.Background())) })
	sink := new(consumertest.LogsSink)
	p, err := NewFactory().CreateLogs(context.Background(), metadatatest.NewSettings(tt), createDefaultConfig(), sink)
	require.NoError(t, err)
	require.NoError(t, p.Start(context.Background(), componenttest.NewNopHost()))

	ld := plog.NewLogs()
	lrs := ld.ResourceLogs().AppendEmpty().ScopeLogs().AppendEmpty().LogRecords()
	lrs.AppendEmpty().Body().SetStr(pinoLine)
	lrs.AppendEmpty().Body().SetStr(pinoLine)
	lrs.AppendEmpty().Body().SetStr(`time=2026-11-24T23:11:32.208Z level=INFO msg="x" trace_id=0da601d68ae63c665eabf42f3ef8d257 span_id=4e23f3d2ed67538b`)
	lrs.AppendEmpty().Body().SetStr(`{"trace_id":"not-a-trace-id","span_id":"fc66f2523a5ee398"}`)
	lrs.AppendEmpty().Body().SetStr(`no ids here`)
	require.NoError(t, p.ConsumeLogs(context.Background(), ld))
	require.NoError(t, p.Shutdown(context.Background()))

	metadatatest.AssertEqualProcessorHyphaCorrelationRecordsSeen(t, tt,
		[]metricdata.DataPoint[int64]{{Value: 5}}, metricdatatest.IgnoreTimestamp())
	metadatatest.AssertEqualProcessorHyphaCorrelationRecordsCorrelated(t, tt,
		[]metricdata.DataPoint[int64]{
			{Value: 2, Attributes: attribute.NewSet(attribute.String("format", "json"))},
			{Value: 1, Attributes: attribute.NewSet(attribute.String("format", "logfmt"))},
		}, metricdatatest.IgnoreTimestamp())
	metadatatest.AssertEqualProcessorHyphaCorrelationIdsRejected(t, tt,
		[]metricdata.DataPoint[int64]{{Value: 1}}, metricdatatest.IgnoreTimestamp())
}
