// Copyright The Hypha Authors
// SPDX-License-Identifier: Apache-2.0

package hyphacorrelationprocessor

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/processor/processortest"
)

// allocBatch is a file_log-shaped batch of 100 records with this body
// pattern (%d is the record's number, so that ids differ).
func allocBatch(pattern string) plog.Logs {
	ld := plog.NewLogs()
	sl := ld.ResourceLogs().AppendEmpty().ScopeLogs().AppendEmpty()
	for i := range 100 {
		lr := sl.LogRecords().AppendEmpty()
		lr.SetObservedTimestamp(pcommon.NewTimestampFromTime(time.Now()))
		lr.Body().SetStr(fmt.Sprintf(pattern, i))
		lr.Attributes().PutStr("log.file.path", "/var/log/apps/cart.log")
	}
	return ld
}

// resetWritten undoes what the processor writes, so that each run sees
// fresh records.
func resetWritten(ld plog.Logs) {
	rl := ld.ResourceLogs().At(0)
	rl.Resource().Attributes().Remove(serviceNameKey)
	for _, lr := range rl.ScopeLogs().At(0).LogRecords().All() {
		lr.SetTraceID(pcommon.NewTraceIDEmpty())
		lr.SetSpanID(pcommon.NewSpanIDEmpty())
		lr.SetFlags(0)
		lr.SetTimestamp(0)
		lr.SetSeverityNumber(plog.SeverityNumberUnspecified)
		lr.SetSeverityText("")
	}
}

// TestProcessLogsAllocations: the processor's own work on a batch allocates
// nothing but the value of the resource's service.name, when the lines name
// a service; the rest of a ConsumeLogs call's allocations are the
// processorhelper's.
func TestProcessLogsAllocations(t *testing.T) {
	ctx := context.Background()
	for name, pattern := range map[string]string{
		"pino":        `{"level":30,"time":1795608757735,"pid":18343,"hostname":"checkout-7d9f8b6c5-x2x4q","service":"cart","trace_id":"4f49f990c7866bc77953b9e38813%04x","span_id":"ab1efeee3598%04x","trace_flags":"01","msg":"handling request"}`,
		"logfmt":      `time=2026-11-24T23:11:32.208Z level=INFO msg="cart checked out" trace_id=4f49f990c7866bc77953b9e38813%04x span_id=ab1efeee359819d2 trace_flags=01`,
		"json-no-ids": `{"level":30,"time":1795608757735,"service":"cart","orderId":"%d","msg":"startup, outside any span"}`,
		"text-no-ids": `2026-11-24 23:11:32,208 INFO [checkout] [app.py:42] order %d placed`,
	} {
		t.Run(name, func(t *testing.T) {
			p, err := newLogsProcessor(processortest.NewNopSettings(NewFactory().Type()), createDefaultConfig().(*Config))
			require.NoError(t, err)
			ld := allocBatch(pattern)
			_, err = p.processLogs(ctx, ld)
			require.NoError(t, err)
			want := 0.0
			if _, named := ld.ResourceLogs().At(0).Resource().Attributes().Get(serviceNameKey); named {
				want = 1
			}
			allocs := testing.AllocsPerRun(20, func() {
				resetWritten(ld)
				if _, err := p.processLogs(ctx, ld); err != nil {
					t.Fatal(err)
				}
			})
			// AllocsPerRun's average is a whole number: the comparison is exact.
			require.InDelta(t, want, allocs, 0, "allocations per batch of 100 records")
		})
	}
}

// TestNestedMapBodyAllocations: walking a map body's nested maps and
// slices for trace context allocates nothing either.
func TestNestedMapBodyAllocations(t *testing.T) {
	ctx := context.Background()
	p, err := newLogsProcessor(processortest.NewNopSettings(NewFactory().Type()), createDefaultConfig().(*Config))
	require.NoError(t, err)
	ld := plog.NewLogs()
	sl := ld.ResourceLogs().AppendEmpty().ScopeLogs().AppendEmpty()
	for range 100 {
		m := sl.LogRecords().AppendEmpty().Body().SetEmptyMap()
		m.PutStr("msg", "roll")
		sc := m.PutEmptyMap("SpanContext")
		sc.PutStr("TraceID", "0af7651916cd43dd8448eb211c80319c")
		sc.PutStr("SpanID", "b7ad6b7169203331")
		m.PutEmptyMap("request").PutEmptyMap("headers").PutEmptySlice("Traceparent").AppendEmpty().
			SetStr("00-0af7651916cd43dd8448eb211c80319c-53995c3f42cd8ad8-01")
	}
	_, err = p.processLogs(ctx, ld)
	require.NoError(t, err)
	require.False(t, sl.LogRecords().At(0).TraceID().IsEmpty(), "the nested ids were not found")
	allocs := testing.AllocsPerRun(20, func() {
		resetWritten(ld)
		if _, err := p.processLogs(ctx, ld); err != nil {
			t.Fatal(err)
		}
	})
	require.Zero(t, allocs, "allocations per batch of 100 records")
}
