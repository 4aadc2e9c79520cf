// Copyright The Hypha Authors
// SPDX-License-Identifier: Apache-2.0

package e2e

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/plog/plogotlp"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/collector/pdata/ptrace/ptraceotlp"

	"github.com/hypha-obs/hypha/e2e/harness"
)

// uiStack is a gateway serving the Hypha UI over real Jaeger and
// VictoriaLogs.
type uiStack struct {
	store  *harness.VictoriaLogs
	jaeger *harness.Jaeger
	gw     *harness.Hypha
	ui     string // the UI's base URL
}

func startUIStack(t *testing.T) *uiStack {
	t.Helper()
	bins := harness.Binaries{Hypha: binary(t, "HYPHA_BIN"), Jaeger: binary(t, "JAEGER_BIN"), VictoriaLogs: binary(t, "VICTORIALOGS_BIN")}
	dir := t.TempDir()
	s := &uiStack{}
	var err error
	if s.store, err = harness.StartVictoriaLogs(dir, bins.VictoriaLogs); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.store.Stop(10 * time.Second) })
	if s.jaeger, err = harness.StartJaeger(dir, bins.Jaeger); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.jaeger.Stop(10 * time.Second) })
	uiAddr, err := harness.FreeAddr()
	if err != nil {
		t.Fatal(err)
	}
	// The log store and the metrics come from the gateway's own settings;
	// Jaeger's query port is not the default 16686 here.
	s.gw = startHypha(t, bins, dir, harness.HyphaOptions{Mode: "gateway", Env: []string{
		"HYPHA_LOKI_ENDPOINT=" + s.store.OTLPEndpoint(),
		"HYPHA_JAEGER_ENDPOINT=" + s.jaeger.OTLPGRPC,
		"HYPHA_UI_ENDPOINT=" + uiAddr,
		"HYPHA_UI_JAEGER_ENDPOINT=" + s.jaeger.QueryURL,
	}})
	s.ui = "http://" + uiAddr
	return s
}

// uiGet fetches an API path and decodes the JSON answer into out; it
// returns the status.
func uiGet(t *testing.T, base, path string, out any, header ...string) int {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, base+path, http.NoBody)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	client := &http.Client{Timeout: 30 * time.Second}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if resp.Header.Get("Content-Security-Policy") == "" {
		t.Errorf("GET %s: no Content-Security-Policy", path)
	}
	if out != nil {
		if err := json.Unmarshal(body, out); err != nil {
			t.Fatalf("GET %s: %d %s: %v", path, resp.StatusCode, body, err)
		}
	}
	return resp.StatusCode
}

type uiLine struct {
	Time     time.Time         `json:"time"`
	Body     string            `json:"body"`
	Severity string            `json:"severity"`
	Service  string            `json:"service"`
	TraceID  string            `json:"traceId"`
	SpanID   string            `json:"spanId"`
	Fields   map[string]string `json:"fields"`
}

type uiLines struct {
	Lines     []uiLine `json:"lines"`
	Truncated bool     `json:"truncated"`
	Limit     int      `json:"limit"`
}

type uiError struct {
	Error     string `json:"error"`
	Store     string `json:"store"`
	StoreName string `json:"storeName"`
	NotFound  bool   `json:"notFound"`
	Hint      string `json:"hint"`
}

// uiTrace is a trace the test sends: a root span in one service and a
// failing child in another, each with log lines.
type uiTrace struct {
	traceID, rootID, childID string
	failing                  bool
}

func randomHex(t *testing.T, n int) string {
	t.Helper()
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(b)
}

// hostileBodies are log lines a page must show as text.
var hostileBodies = []string{
	`<script>alert("ui")</script>`,
	`"><img src=x onerror=alert(1)>`,
	`price "$5" and \backslash\ ; {service_name=~".+"}`,
}

func uiSend(t *testing.T, gw *harness.Hypha, traces []uiTrace, now time.Time) {
	t.Helper()
	td := ptrace.NewTraces()
	ld := plog.NewLogs()
	for _, svc := range []string{"ui-web", "ui-pay"} {
		rs := td.ResourceSpans().AppendEmpty()
		rs.Resource().Attributes().PutStr("service.name", svc)
		rs.ScopeSpans().AppendEmpty()
		rl := ld.ResourceLogs().AppendEmpty()
		rl.Resource().Attributes().PutStr("service.name", svc)
		rl.ScopeLogs().AppendEmpty()
	}
	for i, tr := range traces {
		start := now.Add(time.Duration(i) * time.Millisecond)
		root := td.ResourceSpans().At(0).ScopeSpans().At(0).Spans().AppendEmpty()
		setSpan(t, root, tr.traceID, tr.rootID, "", "GET /checkout", start, 40*time.Millisecond)
		child := td.ResourceSpans().At(1).ScopeSpans().At(0).Spans().AppendEmpty()
		setSpan(t, child, tr.traceID, tr.childID, tr.rootID, "charge card", start.Add(5*time.Millisecond), 30*time.Millisecond)
		if tr.failing {
			child.Status().SetCode(ptrace.StatusCodeError)
			child.Status().SetMessage("card declined")
		}
		addLine(t, ld.ResourceLogs().At(0), tr.traceID, tr.rootID, "INFO", "checkout started", start)
		addLine(t, ld.ResourceLogs().At(1), tr.traceID, tr.childID, "INFO", "charging", start.Add(6*time.Millisecond))
		if tr.failing {
			addLine(t, ld.ResourceLogs().At(1), tr.traceID, tr.childID, "ERROR", "card declined", start.Add(7*time.Millisecond))
			for j, b := range hostileBodies {
				addLine(t, ld.ResourceLogs().At(1), tr.traceID, tr.childID, "WARN", b, start.Add(time.Duration(8+j)*time.Millisecond))
			}
		}
	}
	tb, err := ptraceotlp.NewExportRequestFromTraces(td).MarshalProto()
	if err != nil {
		t.Fatal(err)
	}
	lb, err := plogotlp.NewExportRequestFromLogs(ld).MarshalProto()
	if err != nil {
		t.Fatal(err)
	}
	postOK(t, "http://"+gw.OTLPHTTP+"/v1/traces", tb)
	postOK(t, "http://"+gw.OTLPHTTP+"/v1/logs", lb)
}

func setSpan(t *testing.T, sp ptrace.Span, traceID, spanID, parentID, name string, start time.Time, d time.Duration) {
	var tid [16]byte
	var sid, pid [8]byte
	mustDecodeHex(t, traceID, tid[:])
	mustDecodeHex(t, spanID, sid[:])
	sp.SetTraceID(tid)
	sp.SetSpanID(sid)
	if parentID != "" {
		mustDecodeHex(t, parentID, pid[:])
		sp.SetParentSpanID(pid)
	}
	sp.SetName(name)
	sp.SetKind(ptrace.SpanKindServer)
	sp.SetStartTimestamp(pcommon.NewTimestampFromTime(start))
	sp.SetEndTimestamp(pcommon.NewTimestampFromTime(start.Add(d)))
}

func addLine(t *testing.T, rl plog.ResourceLogs, traceID, spanID, severity, body string, at time.Time) {
	var tid [16]byte
	var sid [8]byte
	mustDecodeHex(t, traceID, tid[:])
	mustDecodeHex(t, spanID, sid[:])
	lr := rl.ScopeLogs().At(0).LogRecords().AppendEmpty()
	lr.SetTimestamp(pcommon.NewTimestampFromTime(at))
	lr.SetTraceID(tid)
	lr.SetSpanID(sid)
	lr.SetSeverityText(severity)
	lr.Body().SetStr(body)
}

// TestUIAPI drives the UI's JSON API over real Jaeger and VictoriaLogs and
// compares every answer with what the stores answer themselves.
func TestUIAPI(t *testing.T) {
	s := startUIStack(t)
	traces := []uiTrace{
		{traceID: randomHex(t, 16), rootID: randomHex(t, 8), childID: randomHex(t, 8), failing: true},
		{traceID: randomHex(t, 16), rootID: randomHex(t, 8), childID: randomHex(t, 8)},
	}
	now := time.Now()
	uiSend(t, s.gw, traces, now)
	failing := traces[0]
	const wantLines = 2 + 2 + 1 + 3 // both traces' info lines, the error, the hostile lines
	var stored []harness.LogRecord
	if err := harness.Eventually(60*time.Second, 500*time.Millisecond, func() error {
		var err error
		stored, err = s.store.Query(`"service.name":in("ui-web","ui-pay")`)
		if err == nil && len(stored) != wantLines {
			err = fmt.Errorf("%d of %d lines stored", len(stored), wantLines)
		}
		if err == nil {
			_, err = s.jaeger.Trace(failing.traceID)
		}
		return err
	}); err != nil {
		t.Fatal(err)
	}
	r := url.Values{"start": {now.Add(-time.Minute).UTC().Format(time.RFC3339Nano)}, "end": {now.Add(time.Minute).UTC().Format(time.RFC3339Nano)}}

	t.Run("trace", func(t *testing.T) { uiCheckTrace(t, s, failing, "") })
	t.Run("trace in a range", func(t *testing.T) { uiCheckTrace(t, s, failing, "?"+r.Encode()) })
	t.Run("span logs", func(t *testing.T) { uiCheckSpanLogs(t, s, failing, r) })
	t.Run("log search", func(t *testing.T) { uiCheckLogSearch(t, s, r) })
	t.Run("overview", func(t *testing.T) { uiCheckOverview(t, s, r) })
	t.Run("trace search", func(t *testing.T) { uiCheckTraceSearch(t, s, traces, r) })
	t.Run("lists", func(t *testing.T) { uiCheckLists(t, s) })
	t.Run("health", func(t *testing.T) { uiCheckHealth(t, s, wantLines) })
	t.Run("not found", func(t *testing.T) {
		var e uiError
		if code := uiGet(t, s.ui, "/api/traces/"+randomHex(t, 16), &e); code != http.StatusNotFound || !e.NotFound || !strings.Contains(e.Hint, "seconds") {
			t.Errorf("unknown trace: %d %+v", code, e)
		}
	})
	t.Run("stores down", func(t *testing.T) {
		s.jaeger.Stop(10 * time.Second)
		var e uiError
		if code := uiGet(t, s.ui, "/api/traces/"+failing.traceID, &e); code != http.StatusBadGateway || e.StoreName != "Jaeger" {
			t.Errorf("Jaeger down: %d %+v", code, e)
		}
		s.store.Stop(10 * time.Second)
		if code := uiGet(t, s.ui, "/api/logs", &e); code != http.StatusBadGateway || e.StoreName != "VictoriaLogs" || e.Store != "logs" {
			t.Errorf("VictoriaLogs down: %d %+v", code, e)
		}
	})
}

func uiCheckLists(t *testing.T, s *uiStack) {
	var svcs struct{ Services []string }
	if code := uiGet(t, s.ui, "/api/services", &svcs); code != http.StatusOK || !slices.Contains(svcs.Services, "ui-pay") || !slices.Contains(svcs.Services, "ui-web") {
		t.Errorf("services: %d %v", code, svcs.Services)
	}
	var ops struct{ Operations []string }
	if code := uiGet(t, s.ui, "/api/operations?service=ui-pay", &ops); code != http.StatusOK || !slices.Equal(ops.Operations, []string{"charge card"}) {
		t.Errorf("operations: %d %v", code, ops.Operations)
	}
}

// uiCheckHealth compares the health page with the gateway's own metrics,
// after wantLines lines and one dead letter.
func uiCheckHealth(t *testing.T, s *uiStack, wantLines int) {
	// A body over the gateway's limit goes to the dead letters.
	postOK(t, "http://"+s.gw.OTLPHTTP+"/v1/logs", otlpLogs(t, "ui-big", strings.Repeat("x", 300<<10)))
	const deadLetters = "otelcol_connector_hypha_dead_letter_log_records"
	if err := harness.Eventually(30*time.Second, 200*time.Millisecond, func() error {
		if n := metricSum(s.gw, deadLetters, ""); n != 1 {
			return fmt.Errorf("%s = %v", deadLetters, n)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	var h struct {
		Source          string
		ReceivedRecords float64
		SentRecords     float64
		QueueCapacity   float64
		DeadLetters     float64
		Stalled         *bool
		Metrics         map[string]float64
	}
	if code := uiGet(t, s.ui, "/api/health", &h); code != http.StatusOK {
		t.Fatalf("health: %d", code)
	}
	accepted := metricSum(s.gw, "otelcol_receiver_accepted_log_records", "")
	if h.ReceivedRecords != accepted || h.ReceivedRecords < float64(wantLines+1) {
		t.Errorf("health says %v records received; the gateway's metrics say %v (sent %d)", h.ReceivedRecords, accepted, wantLines)
	}
	if want := metricSum(s.gw, "otelcol_exporter_sent_log_records", ""); h.SentRecords != want || want <= 0 {
		t.Errorf("health: otelcol_exporter_sent_log_records is %v; the gateway's metrics say %v", h.SentRecords, want)
	}
	// The gateway's store exporters have no sending queue (the agent keeps
	// the data), so the metric is absent (-1) and the page shows 0.
	if want := max(metricSum(s.gw, "otelcol_exporter_queue_capacity", ""), 0); h.QueueCapacity != want {
		t.Errorf("health: otelcol_exporter_queue_capacity is %v; the gateway's metrics say %v", h.QueueCapacity, want)
	}
	if h.DeadLetters != 1 || h.Stalled != nil {
		t.Errorf("health: %v dead letters (the gateway counted 1), stalled %v (the gateway has no stall report)", h.DeadLetters, h.Stalled)
	}
	if h.Source != s.gw.MetricsURL {
		t.Errorf("health source %q, want %q", h.Source, s.gw.MetricsURL)
	}
}

func uiCheckTrace(t *testing.T, s *uiStack, tr uiTrace, query string) {
	var got struct {
		TraceID string
		Spans   []struct {
			SpanID, ParentSpanID, Name, Service string
			Status                              struct{ Code, Message string }
		}
	}
	if code := uiGet(t, s.ui, "/api/traces/"+strings.ToUpper(tr.traceID)+query, &got); code != http.StatusOK {
		t.Fatalf("trace: %d", code)
	}
	want, err := s.jaeger.Trace(tr.traceID)
	if err != nil {
		t.Fatal(err)
	}
	if got.TraceID != tr.traceID || len(got.Spans) != len(want) {
		t.Fatalf("trace %s: %d spans, Jaeger has %d", got.TraceID, len(got.Spans), len(want))
	}
	for _, w := range want {
		i := slices.IndexFunc(got.Spans, func(g struct {
			SpanID, ParentSpanID, Name, Service string
			Status                              struct{ Code, Message string }
		},
		) bool {
			return g.SpanID == w.SpanID
		})
		if i < 0 {
			t.Errorf("span %s missing", w.SpanID)
			continue
		}
		g := got.Spans[i]
		if g.Name != w.Operation || g.Service != w.Service || g.ParentSpanID != w.ParentID {
			t.Errorf("span %s: %+v, Jaeger says %+v", w.SpanID, g, w)
		}
		if g.SpanID == tr.childID && (g.Status.Code != "ERROR" || g.Status.Message != "card declined") {
			t.Errorf("failing span's status %+v", g.Status)
		}
	}
}

func uiCheckSpanLogs(t *testing.T, s *uiStack, tr uiTrace, r url.Values) {
	var got uiLines
	if code := uiGet(t, s.ui, "/api/traces/"+tr.traceID+"/logs?spanId="+tr.childID+"&"+r.Encode(), &got); code != http.StatusOK {
		t.Fatalf("span logs: %d", code)
	}
	want, err := s.store.Query(fmt.Sprintf(`trace_id:=%q span_id:=%q | sort by (_time)`, tr.traceID, tr.childID))
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Lines) != len(want) || got.Truncated {
		t.Fatalf("span logs: %d lines (truncated %v), the store has %d", len(got.Lines), got.Truncated, len(want))
	}
	for i, w := range want {
		g := got.Lines[i]
		if g.Body != w["_msg"] || g.SpanID != tr.childID || g.TraceID != tr.traceID || g.Service != "ui-pay" || g.Severity != w["severity_text"] {
			t.Errorf("line %d: %+v, the store has %v", i, g, w)
		}
	}
	var all uiLines
	uiGet(t, s.ui, "/api/traces/"+tr.traceID+"/logs?"+r.Encode(), &all)
	wantAll, _ := s.store.Count(fmt.Sprintf(`trace_id:=%q`, tr.traceID))
	if len(all.Lines) != wantAll || !sortedByTime(all.Lines) {
		t.Errorf("all logs of the trace: %d lines (sorted %v), the store has %d", len(all.Lines), sortedByTime(all.Lines), wantAll)
	}
	var cut uiLines
	uiGet(t, s.ui, "/api/traces/"+tr.traceID+"/logs?limit=2&"+r.Encode(), &cut)
	if len(cut.Lines) != 2 || !cut.Truncated || cut.Limit != 2 {
		t.Errorf("limit 2: %d lines, truncated %v, limit %d", len(cut.Lines), cut.Truncated, cut.Limit)
	}
}

func sortedByTime(ls []uiLine) bool {
	return slices.IsSortedFunc(ls, func(a, b uiLine) int { return a.Time.Compare(b.Time) })
}

func uiCheckLogSearch(t *testing.T, s *uiStack, r url.Values) {
	var errs uiLines
	q := url.Values{"service": {"ui-pay"}, "severity": {"error"}, "start": r["start"], "end": r["end"]}
	uiGet(t, s.ui, "/api/logs?"+q.Encode(), &errs)
	want, _ := s.store.Count(`"service.name":="ui-pay" severity_text:=ERROR`)
	if len(errs.Lines) != want || want == 0 {
		t.Errorf("ERROR lines of ui-pay: %d, the store has %d", len(errs.Lines), want)
	}
	// Every severity filter is a query VictoriaLogs runs, and matches what
	// the store holds under that severity text.
	for _, sev := range []string{"TRACE", "DEBUG", "INFO", "WARN", "ERROR", "FATAL"} {
		var got uiLines
		q := url.Values{"severity": {strings.ToLower(sev)}, "start": r["start"], "end": r["end"]}
		code := uiGet(t, s.ui, "/api/logs?"+q.Encode(), &got)
		want, _ := s.store.Count(fmt.Sprintf(`"service.name":in("ui-web","ui-pay") severity_text:=%s`, sev))
		if code != http.StatusOK || len(got.Lines) != want {
			t.Errorf("severity %s: %d, %d lines; the store has %d", sev, code, len(got.Lines), want)
		}
	}
	// A service name that tries to widen the filter finds nothing.
	for _, svc := range []string{`ui-pay" or "service.name":*`, `ui-pay") or (*`, `*`} {
		var got uiLines
		q := url.Values{"service": {svc}, "start": r["start"], "end": r["end"]}
		if code := uiGet(t, s.ui, "/api/logs?"+q.Encode(), &got); code != http.StatusOK || len(got.Lines) != 0 {
			t.Errorf("service %q: %d, %d lines", svc, code, len(got.Lines))
		}
	}
	// Each hostile body is found as itself, and only it.
	for _, b := range hostileBodies {
		var got uiLines
		q := url.Values{"q": {b}, "start": r["start"], "end": r["end"]}
		if code := uiGet(t, s.ui, "/api/logs?"+q.Encode(), &got); code != http.StatusOK {
			t.Errorf("search %q: %d", b, code)
			continue
		}
		if len(got.Lines) != 1 || got.Lines[0].Body != b {
			t.Errorf("search %q: %+v", b, got.Lines)
		}
	}
	// Text that would widen the query if it were not one literal finds nothing.
	for _, inj := range []string{`zzz" or *`, `zzz" or _msg:*`, `zzz") or ("`, "zzz\" | limit 1000 | fields _msg"} {
		var got uiLines
		q := url.Values{"q": {inj}, "start": r["start"], "end": r["end"]}
		if code := uiGet(t, s.ui, "/api/logs?"+q.Encode(), &got); code != http.StatusOK || len(got.Lines) != 0 {
			t.Errorf("injection %q: %d, %d lines", inj, code, len(got.Lines))
		}
	}
}

func uiCheckOverview(t *testing.T, s *uiStack, r url.Values) {
	var ov struct {
		Buckets  []time.Time
		Services []struct {
			Name                   string
			Total, Errors          []int64
			TotalCount, ErrorCount int64
		}
		RecentErrors []uiLine
	}
	if code := uiGet(t, s.ui, "/api/overview?"+r.Encode(), &ov); code != http.StatusOK {
		t.Fatalf("overview: %d", code)
	}
	for _, svc := range ov.Services {
		total, _ := s.store.Count(fmt.Sprintf(`"service.name":=%q`, svc.Name))
		errs, _ := s.store.Count(fmt.Sprintf(`"service.name":=%q severity_text:in(ERROR,FATAL,CRITICAL)`, svc.Name))
		if svc.TotalCount != int64(total) || svc.ErrorCount != int64(errs) {
			t.Errorf("%s: %d lines, %d errors; the store has %d, %d", svc.Name, svc.TotalCount, svc.ErrorCount, total, errs)
		}
		var sum int64
		for _, n := range svc.Total {
			sum += n
		}
		if sum != svc.TotalCount || len(svc.Total) != len(ov.Buckets) {
			t.Errorf("%s: buckets sum to %d of %d", svc.Name, sum, svc.TotalCount)
		}
	}
	if len(ov.Services) == 0 || ov.Services[0].Name != "ui-pay" {
		t.Errorf("the service with errors comes first: %+v", ov.Services)
	}
	if len(ov.RecentErrors) != 1 || ov.RecentErrors[0].Body != "card declined" {
		t.Errorf("recent errors: %+v", ov.RecentErrors)
	}
}

func uiCheckTraceSearch(t *testing.T, s *uiStack, traces []uiTrace, r url.Values) {
	type summary struct {
		TraceID, RootService, RootName string
		SpanCount, ErrorCount          int
		Services                       []string
	}
	var all, errOnly struct{ Traces []summary }
	q := url.Values{"service": {"ui-web"}, "start": r["start"], "end": r["end"]}
	uiGet(t, s.ui, "/api/traces?"+q.Encode(), &all)
	q.Set("errorsOnly", "true")
	uiGet(t, s.ui, "/api/traces?"+q.Encode(), &errOnly)
	ids := func(ss []summary) (out []string) {
		for _, x := range ss {
			out = append(out, x.TraceID)
		}
		slices.Sort(out)
		return out
	}
	want := []string{traces[0].traceID, traces[1].traceID}
	slices.Sort(want)
	if !slices.Equal(ids(all.Traces), want) {
		t.Errorf("traces of ui-web: %v, want %v", ids(all.Traces), want)
	}
	if !slices.Equal(ids(errOnly.Traces), []string{traces[0].traceID}) {
		t.Errorf("failing traces: %v, want %s", ids(errOnly.Traces), traces[0].traceID)
	}
	// Jaeger's own duration filter: the traces last 40 ms.
	for minDur, want := range map[string]int{"35ms": 2, "1s": 0} {
		var got struct{ Traces []summary }
		q := url.Values{"service": {"ui-web"}, "minDuration": {minDur}, "start": r["start"], "end": r["end"]}
		if code := uiGet(t, s.ui, "/api/traces?"+q.Encode(), &got); code != http.StatusOK || len(got.Traces) != want {
			t.Errorf("minDuration %s: %d, %d traces, want %d", minDur, code, len(got.Traces), want)
		}
	}
	for _, x := range all.Traces {
		if x.RootService != "ui-web" || x.RootName != "GET /checkout" || x.SpanCount != 2 || !slices.Equal(x.Services, []string{"ui-pay", "ui-web"}) {
			t.Errorf("summary %+v", x)
		}
	}
}

// TestUIAlone runs `hypha --config hypha:ui` with a bearer token, over a
// log store that accepts connections and never answers: the UI needs the
// token, and a hung store gives 504 naming it within the timeout.
func TestUIAlone(t *testing.T) {
	bin := binary(t, "HYPHA_BIN")
	dir := t.TempDir()
	hung, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer hung.Close()
	go func() {
		for {
			c, err := hung.Accept()
			if err != nil {
				return
			}
			defer c.Close() // held open, never answered
		}
	}()
	uiAddr, err := harness.FreeAddr()
	if err != nil {
		t.Fatal(err)
	}
	override := filepath.Join(dir, "timeout.yaml")
	if err := os.WriteFile(override, []byte("extensions:\n  hypha_ui:\n    logs:\n      timeout: 1s\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	p, err := harness.Start(dir, "hypha-ui", bin, []string{"--config", "hypha:ui", "--config", "file:" + override}, []string{
		"HYPHA_UI_ENDPOINT=" + uiAddr,
		"HYPHA_UI_LOGS_STORE=victorialogs",
		"HYPHA_UI_LOGS_ENDPOINT=http://" + hung.Addr().String(),
		"HYPHA_UI_TOKEN=ui-token",
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Stop(10 * time.Second) })
	base := "http://" + uiAddr
	if err := harness.Eventually(30*time.Second, 200*time.Millisecond, func() error {
		if exited, err := p.Exited(); exited {
			return harness.Permanent(fmt.Errorf("hypha:ui exited (%w):\n%s", err, p.Tail(4000)))
		}
		_, err := net.DialTimeout("tcp", uiAddr, time.Second)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		auth string
		want int
	}{{"", http.StatusUnauthorized}, {"Bearer wrong", http.StatusUnauthorized}, {"Bearer ui-token", http.StatusOK}} {
		if code := uiGet(t, base, "/api/config", nil, "Authorization", c.auth); code != c.want {
			t.Errorf("auth %q: %d, want %d", c.auth, code, c.want)
		}
	}
	var e uiError
	start := time.Now()
	code := uiGet(t, base, "/api/logs", &e, "Authorization", "Bearer ui-token")
	if code != http.StatusGatewayTimeout || e.StoreName != "VictoriaLogs" || time.Since(start) > 10*time.Second {
		t.Errorf("hung store: %d %+v after %s", code, e, time.Since(start))
	}
}
