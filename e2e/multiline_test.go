// Copyright The Hypha Authors
// SPDX-License-Identifier: Apache-2.0

package e2e

import (
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/hypha-obs/hypha/e2e/harness"
)

// TestStackTracesAreOneRecord: the demo's services write a real stack trace
// each to a plain-text log beside their JSON one: lab-tests its err.stack
// for a bad order, the Go analysis service the panic its middleware
// recovered for a crash order. The agent, with no configuration for it,
// must deliver each as one record, carrying the ids of the span that
// failed, and that span must be in Jaeger: "logs for this span" shows the
// error with its cause.
func TestStackTracesAreOneRecord(t *testing.T) {
	bins := demoBinaries(t)
	s, err := harness.StartStack(t.TempDir(), bins, harness.StackOptions{Progress: func(f string, a ...any) { t.Logf("e2e: "+f, a...) }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Stop)

	for _, tc := range []stackCase{
		{
			order: "bad-77", service: "lab-tests", marker: "Error: lab test not found: bad-77",
			frame: "    at ", frames: 2, last: "at process.processTicksAndRejections",
		},
		{
			order: "crash-78", service: "analysis", operation: "GET /analysis/{orderId}", marker: "panic: assignment to entry in nil map",
			frame: "\t", frames: 10, last: "created by net/http.(*Server).Serve",
		},
	} {
		t.Run(tc.service, func(t *testing.T) {
			traceID := failingCheckout(t, s, tc.order)

			// The trace's records: exactly one holds the marker, whole.
			rec := oneRecordHolding(t, s, traceID, tc.marker)
			msg := rec["_msg"]
			if n := strings.Count(msg, "\n"+tc.frame); n < tc.frames || !strings.Contains(msg, tc.last) {
				t.Errorf("the record holds %d frames (%q), want the whole stack down to %q:\n%s", n, tc.frame, tc.last, msg)
			}
			if rec["service.name"] != tc.service || rec["severity_text"] != "ERROR" {
				t.Errorf("service.name %q, severity %q; want %s, ERROR", rec["service.name"], rec["severity_text"], tc.service)
			}
			// No piece of a stack arrived as a record of its own.
			all, err := s.Logs.Query(fmt.Sprintf(`service.name:=%q`, tc.service))
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range all {
				if m := r["_msg"]; strings.HasPrefix(m, "at ") || strings.HasPrefix(m, "goroutine ") || strings.HasPrefix(m, "created by ") || strings.HasPrefix(m, "Error: ") {
					t.Errorf("a frame arrived as a record of its own: %q", m)
				}
			}

			// Under the span that failed.
			checkUnderSpan(t, s, tc, traceID, rec)
		})
	}
}

// stackCase is an order that makes a service write a stack trace.
type stackCase struct {
	order, service, operation string
	marker, frame, last       string // the record holds marker, frame on frames lines or more, and last
	frames                    int
}

// failingCheckout sends the checkout of order, which must fail with 502,
// and returns its trace id.
func failingCheckout(t *testing.T, s *harness.Stack, order string) string {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, s.ServiceURL("api-gateway")+"/checkout/"+order, http.NoBody)
	req.Header.Set("x-request-id", "stack-"+order)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	traceID := resp.Header.Get("x-trace-id")
	if resp.StatusCode != http.StatusBadGateway || traceID == "" {
		t.Fatalf("checkout %s: status %d, trace id %q; want 502 and a trace id", order, resp.StatusCode, traceID)
	}
	return traceID
}

// oneRecordHolding waits until exactly one record of the trace holds marker,
// and returns it.
func oneRecordHolding(t *testing.T, s *harness.Stack, traceID, marker string) harness.LogRecord {
	t.Helper()
	var rec harness.LogRecord
	if err := harness.Eventually(30*time.Second, 500*time.Millisecond, func() error {
		inTrace, err := s.Logs.Query(fmt.Sprintf(`trace_id:=%q`, traceID))
		if err != nil {
			return err
		}
		var found []harness.LogRecord
		for _, r := range inTrace {
			if strings.Contains(r["_msg"], marker) {
				found = append(found, r)
			}
		}
		if len(found) != 1 {
			return fmt.Errorf("%d records of trace %s hold %q, want 1", len(found), traceID, marker)
		}
		rec = found[0]
		return nil
	}); err != nil {
		t.Fatalf("%v\nagent output:\n%s", err, s.Agent.Tail(3000))
	}
	return rec
}

// checkUnderSpan waits for the record's span in Jaeger: it must be the
// failing service's, in the operation that failed.
func checkUnderSpan(t *testing.T, s *harness.Stack, tc stackCase, traceID string, rec harness.LogRecord) {
	t.Helper()
	var spans []harness.Span
	if err := harness.Eventually(30*time.Second, 500*time.Millisecond, func() error {
		var err error
		spans, err = s.Jaeger.Trace(traceID)
		if err != nil {
			return err
		}
		for _, sp := range spans {
			if sp.SpanID == rec["span_id"] {
				return nil
			}
		}
		return fmt.Errorf("trace %s: no span %s in Jaeger (%d spans)", traceID, rec["span_id"], len(spans))
	}); err != nil {
		t.Fatal(err)
	}
	for _, sp := range spans {
		if sp.SpanID == rec["span_id"] {
			if sp.Service != tc.service || (tc.operation != "" && sp.Operation != tc.operation) {
				t.Errorf("the record is under %s %q, want %s %q", sp.Service, sp.Operation, tc.service, tc.operation)
			}
			t.Logf("e2e: %s's stack trace: one record of %d lines under span %s (%s %q) of trace %s",
				tc.service, strings.Count(rec["_msg"], "\n")+1, sp.SpanID, sp.Service, sp.Operation, traceID)
		}
	}
}
