// Copyright The Hypha Authors
// SPDX-License-Identifier: Apache-2.0

package e2e

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/hypha-obs/hypha/e2e/harness"
)

// The benchmark's trace: benchSpans spans in a tree four wide, over
// benchServices services, each span writing benchLines/benchSpans lines.
const (
	benchSpans    = 2000
	benchLines    = 20000
	benchServices = 10
)

// BenchmarkUITrace loads a trace of 2 000 spans and 20 000 log lines into
// the real stores through the gateway, then opens its page in headless
// Chromium again and again. It reports, per page load, from the navigation
// (the API's reads from Jaeger and VictoriaLogs included): fetched-ms,
// until both API answers are in and decoded; page-ms, until
// the first screen (header, first rows of the waterfall with their log
// markers, the first lines of the timeline) is painted; all-rows-ms, until
// all 2 000 rows are in the page; and render-ms, from the arrival of both
// answers to all rows. It also reports api-trace-ms and api-logs-ms: one
// call of each API the page makes, from Go. A benchmark, never a timed
// test: run it with
//
//	make bench-ui
func BenchmarkUITrace(b *testing.B) {
	ui, traceID := startBenchTrace(b)

	// The API alone, as the page calls it, for where the time goes.
	var apiTrace, apiLogs time.Duration
	for _, call := range []struct {
		path string
		took *time.Duration
	}{{"/api/traces/" + traceID, &apiTrace}, {"/api/traces/" + traceID + "/logs?limit=20000", &apiLogs}} {
		began := time.Now()
		if _, err := harness.Get(ui + call.path); err != nil {
			b.Fatal(err)
		}
		*call.took = time.Since(began)
	}

	br := newBrowser(b)
	var fetched, page, complete, render float64
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		// A blank page between loads, so that each one starts cold.
		br.must("blank", chromedp.Navigate("about:blank"))
		br.must("open the trace", chromedp.Navigate(ui+"/trace/"+traceID))
		br.waitFor("the rendered trace", `document.querySelector('main[data-complete]') && performance.getEntriesByName('hypha:trace-rendered').length`)
		got := eval[map[string]float64](br, `(() => {
			const m = (n) => performance.getEntriesByName(n)[0].startTime;
			return {page: m('hypha:trace-rendered'), fetched: m('hypha:trace-fetched'), built: m('hypha:trace-built'), complete: m('hypha:trace-complete'),
				rows: document.querySelectorAll('.span-row').length, marks: document.querySelectorAll('.log-mark').length};
		})()`)
		if got["rows"] != benchSpans {
			b.Fatalf("the page shows %v span rows, want %d", got["rows"], benchSpans)
		}
		fetched += got["fetched"]
		page += got["page"]
		complete += got["complete"]
		render += got["complete"] - got["fetched"]
	}
	b.StopTimer()
	b.ReportMetric(float64(apiTrace.Microseconds())/1000, "api-trace-ms")
	b.ReportMetric(float64(apiLogs.Microseconds())/1000, "api-logs-ms")
	b.ReportMetric(fetched/float64(b.N), "fetched-ms")
	b.ReportMetric(page/float64(b.N), "page-ms")
	b.ReportMetric(complete/float64(b.N), "all-rows-ms")
	b.ReportMetric(render/float64(b.N), "render-ms")
	br.shot("bench-trace")
}

// startBenchTrace starts VictoriaLogs, Jaeger and a gateway with its UI,
// loads the benchmark's trace and its lines through the gateway, and
// returns the UI's URL and the trace id once both stores hold all of it.
func startBenchTrace(b *testing.B) (ui, traceID string) {
	b.Helper()
	var bins harness.Binaries
	for env, path := range map[string]*string{"HYPHA_BIN": &bins.Hypha, "JAEGER_BIN": &bins.Jaeger, "VICTORIALOGS_BIN": &bins.VictoriaLogs} {
		if *path = os.Getenv(env); *path == "" {
			b.Skipf("%s is not set: run `make bench-ui`", env)
		}
	}
	dir := b.TempDir()
	logs, err := harness.StartVictoriaLogs(dir, bins.VictoriaLogs)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { logs.Stop(10 * time.Second) })
	jaeger, err := harness.StartJaeger(dir, bins.Jaeger)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { jaeger.Stop(10 * time.Second) })
	uiAddr, err := harness.FreeAddr()
	if err != nil {
		b.Fatal(err)
	}
	gw, err := harness.StartHypha(dir, bins.Hypha, harness.HyphaOptions{Mode: "gateway", Env: append([]string{
		"HYPHA_LOKI_ENDPOINT=" + logs.OTLPEndpoint(),
		"HYPHA_JAEGER_ENDPOINT=" + jaeger.OTLPGRPC,
	}, harness.UIEnv(uiAddr, logs, jaeger)...)})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { gw.Stop(15 * time.Second) })
	ui = "http://" + uiAddr
	if err := gw.WaitHTTP(ui+"/api/config", time.Minute); err != nil {
		b.Fatal(err)
	}

	traceID = uiRandomID(16)
	loadBenchTrace(b, gw.OTLPHTTP, traceID)
	if err := harness.Eventually(3*time.Minute, time.Second, func() error {
		spans, err := jaeger.Trace(traceID)
		if err != nil || len(spans) < benchSpans {
			return fmt.Errorf("Jaeger holds %d of %d spans (%w)", len(spans), benchSpans, err)
		}
		n, err := logs.Count(fmt.Sprintf("trace_id:=%q", traceID))
		if err != nil || n < benchLines {
			return fmt.Errorf("VictoriaLogs holds %d of %d lines (%w)", n, benchLines, err)
		}
		return nil
	}); err != nil {
		b.Fatal(err)
	}
	return ui, traceID
}

// loadBenchTrace sends the trace and its lines to the gateway over
// OTLP/HTTP JSON, as an SDK would.
func loadBenchTrace(b *testing.B, otlpHTTP, traceID string) {
	start := time.Now().Add(-time.Minute)
	spanID := func(i int) string { return fmt.Sprintf("%016x", 0x1000+i) }
	byService := make([][]any, benchServices)
	logsBy := make([][]any, benchServices)
	perSpan := benchLines / benchSpans
	for i := 0; i < benchSpans; i++ {
		svc := i % benchServices
		depth := 0
		for p := i; p > 0; p = (p - 1) / 4 {
			depth++
		}
		t0 := start.Add(time.Duration(i) * time.Millisecond)
		dur := time.Duration(benchSpans-i)*time.Millisecond/2 + time.Duration(10-depth)*time.Millisecond
		span := map[string]any{
			"traceId": traceID, "spanId": spanID(i), "name": fmt.Sprintf("operation %d", i%37), "kind": 2,
			"startTimeUnixNano": fmt.Sprint(t0.UnixNano()), "endTimeUnixNano": fmt.Sprint(t0.Add(dur).UnixNano()),
			"attributes": []any{map[string]any{"key": "bench.index", "value": map[string]any{"intValue": fmt.Sprint(i)}}},
		}
		if i > 0 {
			span["parentSpanId"] = spanID((i - 1) / 4)
		}
		if i%97 == 0 {
			span["status"] = map[string]any{"code": 2, "message": "bench error"}
		}
		byService[svc] = append(byService[svc], span)
		for k := 0; k < perSpan; k++ {
			sev, sevText := 9, "INFO"
			if k == 0 && i%97 == 0 {
				sev, sevText = 17, "ERROR"
			}
			logsBy[svc] = append(logsBy[svc], map[string]any{
				"timeUnixNano":   fmt.Sprint(t0.Add(dur * time.Duration(k) / time.Duration(perSpan)).UnixNano()),
				"severityNumber": sev, "severityText": sevText,
				"body":    map[string]any{"stringValue": fmt.Sprintf("span %d line %d: step done", i, k)},
				"traceId": traceID, "spanId": spanID(i),
				"attributes": []any{map[string]any{"key": "bench.line", "value": map[string]any{"intValue": fmt.Sprint(k)}}},
			})
		}
	}
	resource := func(svc int) map[string]any {
		return map[string]any{"attributes": []any{map[string]any{"key": "service.name", "value": map[string]any{"stringValue": fmt.Sprintf("bench-svc-%d", svc)}}}}
	}
	for svc := 0; svc < benchServices; svc++ {
		post(b, "http://"+otlpHTTP+"/v1/traces", map[string]any{"resourceSpans": []any{map[string]any{
			"resource": resource(svc), "scopeSpans": []any{map[string]any{"spans": byService[svc]}},
		}}})
		post(b, "http://"+otlpHTTP+"/v1/logs", map[string]any{"resourceLogs": []any{map[string]any{
			"resource": resource(svc), "scopeLogs": []any{map[string]any{"logRecords": logsBy[svc]}},
		}}})
	}
}

func post(b *testing.B, url string, body any) {
	buf, err := json.Marshal(body)
	if err != nil {
		b.Fatal(err)
	}
	resp, err := http.Post(url, "application/json", bytes.NewReader(buf))
	if err != nil {
		b.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b.Fatalf("POST %s: %s", url, resp.Status)
	}
}
