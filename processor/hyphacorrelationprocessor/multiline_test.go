// Copyright The Hypha Authors
// SPDX-License-Identifier: Apache-2.0

package hyphacorrelationprocessor

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"go.opentelemetry.io/collector/pdata/plog"
)

// TestMultiLineBodies: a record the agent joined from a header and its
// stack trace takes the header's ids, severity and time; an id in a frame
// never replaces them, and is used only when the header has none.
func TestMultiLineBodies(t *testing.T) {
	for _, tc := range []struct {
		name, body, trace, span string
		severity                plog.SeverityNumber
	}{
		{
			name: "the header's ids win over a frame's",
			body: "2024-10-08T13:08:15.510+02:00 ERROR 7602 --- [demo3] [nio-8080-exec-4] [670511f7a1b6a2b4e3ddb7c00b5d6e31-0e5bdb6b3fae1c7d] o.a.c.c.C.[.[.[/] : Servlet.service() threw exception\n" +
				"java.lang.IllegalStateException: replay of trace_id=11111111111111111111111111111111 span_id=2222222222222222 failed\n" +
				"\tat com.example.Replay.run(Replay.java:42) ~[classes/:na]",
			trace: "670511f7a1b6a2b4e3ddb7c00b5d6e31", span: "0e5bdb6b3fae1c7d", severity: plog.SeverityNumberError,
		},
		{
			name: "logfmt header, logfmt frame",
			body: "time=2024-10-08T13:08:15.510Z level=WARN msg=\"retry\" trace_id=670511f7a1b6a2b4e3ddb7c00b5d6e31 span_id=0e5bdb6b3fae1c7d\n" +
				"    caused by: upstream trace_id=33333333333333333333333333333333",
			trace: "670511f7a1b6a2b4e3ddb7c00b5d6e31", span: "0e5bdb6b3fae1c7d", severity: plog.SeverityNumberWarn,
		},
		{
			name:  ".NET console scope on the second line",
			body:  "fail: Shop.Checkout[0]\n      => SpanId:0e5bdb6b3fae1c7d, TraceId:670511f7a1b6a2b4e3ddb7c00b5d6e31, ParentId:0000000000000000\n      Payment failed\n      System.InvalidOperationException: boom",
			trace: "670511f7a1b6a2b4e3ddb7c00b5d6e31", span: "0e5bdb6b3fae1c7d", severity: plog.SeverityNumberError,
		},
		{
			name:     "no id anywhere",
			body:     "2024-10-08 13:08:15,510 ERROR [worker] failed\nTraceback (most recent call last):\n  File \"a.py\", line 1, in <module>\nValueError: x",
			severity: plog.SeverityNumberError,
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sink, consume := newTestProcessor(t, createDefaultConfig().(*Config))
			ld := plog.NewLogs()
			ld.ResourceLogs().AppendEmpty().ScopeLogs().AppendEmpty().LogRecords().AppendEmpty().Body().SetStr(tc.body)
			consume(ld)
			out := sink.AllLogs()[0].ResourceLogs().At(0).ScopeLogs().At(0).LogRecords().At(0)
			if tc.trace == "" {
				assert.True(t, out.TraceID().IsEmpty())
			} else {
				assert.Equal(t, traceID(t, tc.trace), out.TraceID())
				assert.Equal(t, spanID(t, tc.span), out.SpanID())
			}
			assert.Equal(t, tc.severity, out.SeverityNumber())
			assert.Equal(t, tc.body, out.Body().Str(), "the body is never changed")
		})
	}
}
