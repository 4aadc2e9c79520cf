// Copyright The Hypha Authors
// SPDX-License-Identifier: Apache-2.0

package hyphaotel

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"strings"
	"testing"
	"testing/slogtest"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"
)

// jsonLogger writes JSON lines into buf through the handler under test.
func jsonLogger(buf *bytes.Buffer) *slog.Logger {
	return slog.New(NewLogHandler(slog.NewJSONHandler(buf, nil)))
}

func lines(t *testing.T, buf *bytes.Buffer) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, l := range strings.Split(strings.TrimSpace(buf.String()), "\n") {
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatalf("not JSON: %q", l)
		}
		out = append(out, m)
	}
	return out
}

func TestLogHandlerWritesTheSpansIDs(t *testing.T) {
	spans := tracetest.NewInMemoryExporter()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSyncer(spans))
	var buf bytes.Buffer
	log := jsonLogger(&buf).With("service", "analysis")

	log.Info("starting")
	ctx, span := tp.Tracer("test").Start(context.Background(), "screen order")
	log.InfoContext(ctx, "order screened", "orderId", "ord-1")
	log.ErrorContext(ctx, "no result")
	span.End()

	got := lines(t, &buf)
	if _, ok := got[0][TraceIDKey]; ok {
		t.Errorf("a line outside any span got ids: %v", got[0])
	}
	exported := spans.GetSpans()
	if len(exported) != 1 {
		t.Fatalf("%d spans exported, want 1", len(exported))
	}
	sc := exported[0].SpanContext
	for _, l := range got[1:] {
		if l[TraceIDKey] != sc.TraceID().String() || l[SpanIDKey] != sc.SpanID().String() || l[TraceFlagsKey] != "01" {
			t.Errorf("line %v, want the ids of span %s/%s, flags 01", l, sc.TraceID(), sc.SpanID())
		}
		if l["service"] != "analysis" {
			t.Errorf("line lost the logger's attributes: %v", l)
		}
	}
}

func TestLogHandlerUnsampledSpan(t *testing.T) {
	tp := sdktrace.NewTracerProvider(sdktrace.WithSampler(sdktrace.NeverSample()))
	var buf bytes.Buffer
	ctx, span := tp.Tracer("test").Start(context.Background(), "not sampled")
	defer span.End()
	jsonLogger(&buf).InfoContext(ctx, "still correlated")
	l := lines(t, &buf)[0]
	if l[TraceIDKey] != span.SpanContext().TraceID().String() || l[TraceFlagsKey] != "00" {
		t.Errorf("line %v, want the trace id with flags 00", l)
	}
}

func TestLogHandlerKeepsIDsOutOfGroups(t *testing.T) {
	var buf bytes.Buffer
	sc := trace.NewSpanContext(trace.SpanContextConfig{
		TraceID:    trace.TraceID{0x4b, 0xf9, 0x2f, 0x35, 0x77, 0xb3, 0x4d, 0xa6, 0xa3, 0xce, 0x92, 0x9d, 0x0e, 0x0e, 0x47, 0x36},
		SpanID:     trace.SpanID{0x00, 0xf0, 0x67, 0xaa, 0x0b, 0xa9, 0x02, 0xb7},
		TraceFlags: trace.FlagsSampled,
	})
	ctx := trace.ContextWithSpanContext(context.Background(), sc)
	log := jsonLogger(&buf).With("service", "analysis").WithGroup("req").With("id", "r-1").WithGroup("db")
	log.InfoContext(ctx, "query", "rows", 3)

	want := `{"msg":"query","service":"analysis","trace_id":"4bf92f3577b34da6a3ce929d0e0e4736","span_id":"00f067aa0ba902b7","trace_flags":"01","req":{"id":"r-1","db":{"rows":3}}}`
	got := lines(t, &buf)[0]
	delete(got, "time")
	delete(got, "level")
	g, _ := json.Marshal(got)
	var w map[string]any
	_ = json.Unmarshal([]byte(want), &w)
	wb, _ := json.Marshal(w)
	if string(g) != string(wb) {
		t.Errorf("got  %s\nwant %s", g, wb)
	}
	// The order on the line: the ids come before the groups.
	if line := buf.String(); strings.Index(line, `"trace_id"`) > strings.Index(line, `"req"`) {
		t.Errorf("ids after the group: %s", line)
	}
}

// The wrapper must still be a correct slog.Handler.
func TestLogHandlerConformance(t *testing.T) {
	var buf bytes.Buffer
	h := NewLogHandler(slog.NewJSONHandler(&buf, nil))
	if err := slogtest.TestHandler(h, func() []map[string]any {
		var out []map[string]any
		for _, l := range bytes.Split(bytes.TrimSpace(buf.Bytes()), []byte("\n")) {
			var m map[string]any
			if err := json.Unmarshal(l, &m); err != nil {
				t.Fatal(err)
			}
			out = append(out, m)
		}
		return out
	}); err != nil {
		t.Error(err)
	}
}
