// Copyright The Hypha Authors
// SPDX-License-Identifier: Apache-2.0

package e2e

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/plog/plogotlp"

	"github.com/hypha-obs/hypha/e2e/harness"
)

// stackBinaries returns the three binaries the collectors and stores need.
func stackBinaries(t *testing.T) harness.Binaries {
	return harness.Binaries{
		Hypha:        binary(t, "HYPHA_BIN"),
		Jaeger:       binary(t, "JAEGER_BIN"),
		VictoriaLogs: binary(t, "VICTORIALOGS_BIN"),
	}
}

// demoBinaries adds the demo's Go service, which harness.StartStack runs.
func demoBinaries(t *testing.T) harness.Binaries {
	b := stackBinaries(t)
	b.Analysis = binary(t, "ANALYSIS_BIN")
	return b
}

// linesPerRequest is how many lines one checkout writes: api-gateway 3,
// auth 2, cart 2, lab-tests 2 and analysis (Go) 2.
const linesPerRequest = 11

// appLine is one line a demo service wrote to its log file: the ground truth
// the stores are checked against.
type appLine struct {
	raw       string
	service   string
	requestID string
	traceID   string
	spanID    string
	isError   bool
}

func readAppLines(t *testing.T, dir string) []appLine {
	t.Helper()
	var lines []appLine
	for _, name := range harness.DemoServices {
		f, err := os.Open(filepath.Join(dir, name+".log"))
		if err != nil {
			t.Fatalf("log file of %s: %v", name, err)
		}
		sc := bufio.NewScanner(f)
		sc.Buffer(nil, 1<<20)
		for sc.Scan() {
			var fields map[string]any
			if err := json.Unmarshal(sc.Bytes(), &fields); err != nil {
				t.Fatalf("%s wrote a line that is not JSON: %q", name, sc.Text())
			}
			str := func(k string) string { s, _ := fields[k].(string); return s }
			level := fmt.Sprint(fields["level"])
			lines = append(lines, appLine{
				raw: sc.Text(), service: str("service"), requestID: str("request_id"),
				traceID: str("trace_id"), spanID: str("span_id"),
				isError: level == "50" || strings.EqualFold(level, "error"),
			})
		}
		f.Close()
	}
	return lines
}

// TestPipeline runs the whole pipeline as a user runs it and checks, through
// the stores' HTTP APIs, that every line arrives, correlated with the span
// that wrote it.
func TestPipeline(t *testing.T) {
	bins := demoBinaries(t)
	s, err := harness.StartStack(t.TempDir(), bins, harness.StackOptions{Progress: func(f string, a ...any) { t.Logf("e2e: "+f, a...) }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Stop)

	// Bounded traffic: 15 requests, every third one fails downstream.
	const requests = 15
	sentTrace, failed := sendCheckouts(t, s, requests)
	failing := len(failed)

	// Ground truth: 2 startup lines per service and the request lines.
	wantLines := 2*len(harness.DemoServices) + linesPerRequest*requests
	var lines []appLine
	if err := harness.Eventually(15*time.Second, 200*time.Millisecond, func() error {
		lines = readAppLines(t, s.LogDir)
		if len(lines) != wantLines {
			return fmt.Errorf("the demo wrote %d lines, want %d", len(lines), wantLines)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}

	byBody := waitStoredLines(t, s, wantLines)
	tally := &pipelineTally{s: s, sentTrace: sentTrace, perRequest: map[string]int{}, traces: map[string][]harness.Span{}}
	for _, l := range lines {
		tally.check(t, l, byBody[l.raw])
	}
	for rid := range sentTrace {
		if tally.perRequest[rid] != linesPerRequest {
			t.Errorf("request %s: %d lines in the store, want %d", rid, tally.perRequest[rid], linesPerRequest)
		}
	}
	goLines, goSpans := checkGoService(t, lines, tally.traces)
	t.Logf("e2e: checked through VictoriaLogs and Jaeger APIs:\n"+
		"  %-46s %d (%d failing)\n  %-46s %d of %d\n  %-46s %d\n  %-46s %d of %d\n  %-46s %d of %d\n  %-46s %d of %d\n  %-46s %d of %d\n  %-46s %d\n  %-46s %d lines, %d spans",
		"requests sent", requests, failing,
		"lines written → lines stored", len(lines)-tally.missing, len(lines),
		"lines stored twice", tally.duplicated,
		"request lines with the right trace_id/span_id", tally.correlated, tally.inRequest,
		"… whose span is in Jaeger, same service", tally.inJaeger, tally.inRequest,
		"error lines with severity ERROR", tally.errorsOK, tally.errorLines,
		"lines with the right service.name", tally.serviceOK, len(lines),
		"traces checked in Jaeger", len(tally.traces),
		"Go service (analysis): correlated, under Node", goLines, goSpans)
	if failing == 0 || tally.errorLines != 3*failing {
		t.Errorf("%d error lines for %d failing requests, want 3 each", tally.errorLines, failing)
	}

	t.Run("gateway correlates OTLP logs without native ids", func(t *testing.T) {
		testGatewayCorrelation(t, s, sentTrace)
	})
}

// sendCheckouts sends requests checkouts through the api-gateway, every
// third with an order that fails downstream, and returns the trace id each
// response named, by request id, and the failed ones' trace ids in the
// order they were sent.
func sendCheckouts(t *testing.T, s *harness.Stack, requests int) (sentTrace map[string]string, failed []string) {
	t.Helper()
	sentTrace = map[string]string{} // request id → trace id from the response
	for i := range requests {
		fails := i%3 == 2
		order := fmt.Sprintf("ord-%d", i)
		if fails {
			order = fmt.Sprintf("bad-%d", i)
		}
		rid := fmt.Sprintf("e2ereq%04d", i)
		req, _ := http.NewRequest(http.MethodGet, s.ServiceURL("api-gateway")+"/checkout/"+order, http.NoBody)
		req.Header.Set("x-request-id", rid)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatalf("request %s: %v", rid, err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if want := map[bool]int{true: 502, false: 200}[fails]; resp.StatusCode != want {
			t.Fatalf("request %s (%s): status %d, want %d", rid, order, resp.StatusCode, want)
		}
		sentTrace[rid] = resp.Header.Get("x-trace-id")
		if fails {
			failed = append(failed, sentTrace[rid])
		}
	}
	return sentTrace, failed
}

// waitStoredLines waits until the log store holds wantLines records, and
// returns them by body.
func waitStoredLines(t *testing.T, s *harness.Stack, wantLines int) map[string][]harness.LogRecord {
	t.Helper()
	var stored []harness.LogRecord
	if err := harness.Eventually(60*time.Second, 500*time.Millisecond, func() error {
		recs, err := s.Logs.Query(`*`)
		if err != nil {
			return err
		}
		stored = recs
		if len(recs) < wantLines {
			return fmt.Errorf("log store has %d of %d lines", len(recs), wantLines)
		}
		return nil
	}); err != nil {
		t.Fatalf("%v\nagent output:\n%s", err, s.Agent.Tail(3000))
	}
	byBody := map[string][]harness.LogRecord{}
	for _, r := range stored {
		byBody[r["_msg"]] = append(byBody[r["_msg"]], r)
	}
	return byBody
}

// pipelineTally checks each line the demo wrote against what the stores
// hold, and counts what it found for the summary.
type pipelineTally struct {
	s         *harness.Stack
	sentTrace map[string]string // request id → trace id from the response

	missing, duplicated, inRequest, correlated, inJaeger, errorLines, errorsOK, serviceOK int
	perRequest                                                                            map[string]int
	traces                                                                                map[string][]harness.Span
}

// check compares line l with the records stored with its body: it arrived
// once, with its service and severity, and a line inside a request with the
// trace and span ids it wrote, whose span Jaeger has.
func (p *pipelineTally) check(t *testing.T, l appLine, recs []harness.LogRecord) {
	t.Helper()
	switch {
	case len(recs) == 0:
		p.missing++
		t.Errorf("line never arrived: %s", l.raw)
		return
	case len(recs) > 1:
		p.duplicated++
	}
	r := recs[0]
	if r["service.name"] == l.service {
		p.serviceOK++
	} else {
		t.Errorf("service.name %q, want %q for %s", r["service.name"], l.service, l.raw)
	}
	if l.isError {
		p.errorLines++
		if strings.EqualFold(r["severity_text"], "error") {
			p.errorsOK++
		} else {
			t.Errorf("error line stored with severity_text %q: %s", r["severity_text"], l.raw)
		}
	}
	if l.requestID == "" {
		if r["trace_id"] != "" {
			t.Errorf("a line outside any request got trace_id %s: %s", r["trace_id"], l.raw)
		}
		return
	}
	p.inRequest++
	p.perRequest[l.requestID]++
	if r["trace_id"] != l.traceID || r["span_id"] != l.spanID || l.traceID != p.sentTrace[l.requestID] {
		t.Errorf("stored trace_id=%q span_id=%q, the line says %q/%q, the response said %q: %s",
			r["trace_id"], r["span_id"], l.traceID, l.spanID, p.sentTrace[l.requestID], l.raw)
		return
	}
	p.correlated++
	p.checkSpanInJaeger(t, l)
}

// checkSpanInJaeger: the line's trace is in Jaeger, with the span that
// wrote the line, from the same service. Each trace is fetched once.
func (p *pipelineTally) checkSpanInJaeger(t *testing.T, l appLine) {
	t.Helper()
	spans, ok := p.traces[l.traceID]
	if !ok {
		if err := harness.Eventually(30*time.Second, 500*time.Millisecond, func() error {
			var err error
			spans, err = p.s.Jaeger.Trace(l.traceID)
			if err != nil {
				return err
			}
			if !hasSpan(spans, l.spanID, l.service) {
				return fmt.Errorf("trace %s has %d spans, none is %s from %s", l.traceID, len(spans), l.spanID, l.service)
			}
			return nil
		}); err != nil {
			t.Error(err)
			return
		}
		p.traces[l.traceID] = spans
	}
	if hasSpan(spans, l.spanID, l.service) {
		p.inJaeger++
	} else {
		t.Errorf("trace %s has no span %s from %s", l.traceID, l.spanID, l.service)
	}
}

// checkGoService checks what is particular to the Go service: every
// request's trace holds its server span, child of a lab-tests (Node) span,
// and its "screen order" span below that, and each of its request lines is
// stored with the ids of one of those spans (checked with the other lines
// above). It returns how many of its lines and spans it checked.
func checkGoService(t *testing.T, lines []appLine, traces map[string][]harness.Span) (goLines, goSpans int) {
	t.Helper()
	lineSpans := map[string]bool{}
	for _, l := range lines {
		if l.service == "analysis" && l.requestID != "" {
			goLines++
			lineSpans[l.spanID] = true
		}
	}
	for traceID, spans := range traces {
		byID := map[string]harness.Span{}
		for _, sp := range spans {
			byID[sp.SpanID] = sp
		}
		var server, screen *harness.Span
		for _, sp := range spans {
			if sp.Service != "analysis" {
				continue
			}
			goSpans++
			switch sp.Operation {
			case "GET /analysis/{orderId}":
				server = &sp
			case "screen order":
				screen = &sp
			}
		}
		switch {
		case server == nil || screen == nil:
			t.Errorf("trace %s lacks the analysis spans (server %v, screen order %v)", traceID, server != nil, screen != nil)
		case byID[server.ParentID].Service != "lab-tests":
			t.Errorf("trace %s: the analysis server span's parent %s is from %q, want lab-tests", traceID, server.ParentID, byID[server.ParentID].Service)
		case screen.ParentID != server.SpanID:
			t.Errorf("trace %s: screen order's parent is %s, want the server span %s", traceID, screen.ParentID, server.SpanID)
		case !lineSpans[server.SpanID] || !lineSpans[screen.SpanID]:
			t.Errorf("trace %s: no analysis line names the server span or the screen order span", traceID)
		}
	}
	if goLines == 0 {
		t.Error("the Go service wrote no request lines")
	}
	return goLines, goSpans
}

func hasSpan(spans []harness.Span, spanID, service string) bool {
	for _, sp := range spans {
		if sp.SpanID == spanID && sp.Service == service {
			return true
		}
	}
	return false
}

// testGatewayCorrelation sends logs straight to the gateway over OTLP/HTTP,
// the way an app with an OTLP log exporter would, with the ids only in the
// body or in attributes; the gateway must set the native fields.
func testGatewayCorrelation(t *testing.T, s *harness.Stack, sentTrace map[string]string) {
	var traceID string
	for _, tid := range sentTrace {
		traceID = tid
		break
	}
	spans, err := s.Jaeger.Trace(traceID)
	if err != nil || len(spans) == 0 {
		t.Fatalf("trace %s from the first scenario: %v", traceID, err)
	}
	spanID := spans[0].SpanID

	ld := plog.NewLogs()
	rl := ld.ResourceLogs().AppendEmpty()
	rl.Resource().Attributes().PutStr("service.name", "otlp-app")
	lrs := rl.ScopeLogs().AppendEmpty().LogRecords()
	now := pcommon.NewTimestampFromTime(time.Now())

	inBody := lrs.AppendEmpty()
	inBody.SetObservedTimestamp(now)
	inBody.Body().SetStr(`{"level":"error","msg":"otlp-body-case","trace_id":"` + traceID + `","span_id":"` + spanID + `"}`)

	inMap := lrs.AppendEmpty()
	inMap.SetObservedTimestamp(now)
	m := inMap.Body().SetEmptyMap()
	m.PutStr("msg", "otlp-map-case")
	m.PutStr("traceId", traceID)
	m.PutStr("spanId", spanID)

	inAttrs := lrs.AppendEmpty()
	inAttrs.SetObservedTimestamp(now)
	inAttrs.Body().SetStr("otlp-attributes-case")
	inAttrs.Attributes().PutStr("trace_id", traceID)
	inAttrs.Attributes().PutStr("span_id", spanID)

	body, err := plogotlp.NewExportRequestFromLogs(ld).MarshalProto()
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.Post("http://"+s.Gateway.OTLPHTTP+"/v1/logs", "application/x-protobuf", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("gateway answered %s", resp.Status)
	}

	var recs []harness.LogRecord
	if err := harness.Eventually(30*time.Second, 500*time.Millisecond, func() error {
		recs, err = s.Logs.Query(`service.name:="otlp-app"`)
		if err != nil {
			return err
		}
		if len(recs) < 3 {
			return fmt.Errorf("%d of 3 OTLP records stored", len(recs))
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	var cases []string
	for _, r := range recs {
		cases = append(cases, r["_msg"])
		if r["trace_id"] != traceID || r["span_id"] != spanID {
			t.Errorf("record %q stored with trace_id=%q span_id=%q, want %s/%s", r["_msg"], r["trace_id"], r["span_id"], traceID, spanID)
		}
	}
	sort.Strings(cases)
	t.Logf("e2e: gateway set native ids on %d OTLP records: %s", len(recs), strings.Join(cases, "; "))
}
