// Copyright The Hypha Authors
// SPDX-License-Identifier: Apache-2.0

package e2e

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/hypha-obs/hypha/e2e/harness"
)

// gatewayErrors finds the api-gateway's error lines, the error the client
// saw: where the walk starts.
const gatewayErrors = `service.name:="api-gateway" severity_text:~"(?i)error"`

// TestUI walks the debugging flow in a real browser (chromium-headless-shell
// driven by chromedp) against the gateway's UI, real Jaeger and
// VictoriaLogs, and the demo's Node and Go services. What the pages show is
// compared with the stores' own answers. Each step writes a screenshot (see
// screenshotDir).
func TestUI(t *testing.T) {
	bins := demoBinaries(t)
	w := &uiWalk{b: newBrowser(t)}
	var err error
	w.stack, err = harness.StartStack(t.TempDir(), bins, harness.StackOptions{UI: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(w.stack.Stop)
	_, w.failed = sendCheckouts(t, w.stack, 8)
	traceID := w.failed[len(w.failed)-1]
	waitSettled(t, w.stack, traceID, len(w.failed))

	// The steps run in order in one browser: each starts where the one
	// before left it.
	for _, step := range []struct {
		name string
		run  func(t *testing.T)
	}{
		{"home shows the failing service with errors", w.home},
		{"an error line's Trace button opens its trace", w.traceButton},
		{"the waterfall crosses the Node and Go services", w.waterfall},
		{"the failing span's logs are exactly the store's", w.spanLogs},
		{"log lines are shown as text", func(t *testing.T) {
			checkXSS(t, w.b, w.stack, w.errLine.TraceID, w.errLine.SpanID)
		}},
		{"log search finds what the store holds", w.logSearch},
		{"trace search lists the failed requests", w.traceSearch},
		{"pipeline health reads the gateway's metrics", w.health},
		{"a trace that is not there says so", w.missingTrace},
		{"a store that is down gets a banner naming it", w.storeDown},
	} {
		t.Run(step.name, step.run)
	}
	if dialogs, exceptions := w.b.ran(); len(dialogs)+len(exceptions) > 0 {
		t.Errorf("the pages opened dialogs %q and threw %q", dialogs, exceptions)
	}
}

// uiWalk is TestUI's state: the browser, the stack, the failed requests'
// trace ids, and the error line the walk follows once a step has picked it.
type uiWalk struct {
	b       *browser
	stack   *harness.Stack
	failed  []string
	errLine struct{ TraceID, SpanID string }
}

// on points the browser's failures at the step's t.
func (w *uiWalk) on(t *testing.T) *browser {
	w.b.t = t
	return w.b
}

// home checks that the home page shows the failing service with its errors.
func (w *uiWalk) home(t *testing.T) {
	b := w.on(t)
	b.must("open home", chromedp.Navigate(w.stack.UIURL+"/?range=15m"))
	card := `document.querySelector('.card[data-service="api-gateway"]')`
	b.waitFor("api-gateway's card", card)
	shown := eval[string](b, card+`.dataset.errors`)
	want, err := w.stack.Logs.Count(gatewayErrors)
	if err != nil {
		t.Fatal(err)
	}
	if shown != strconv.Itoa(want) {
		t.Errorf("api-gateway's card counts %s errors; the log store holds %d error lines", shown, want)
	}
	if !eval[bool](b, card+`.classList.contains('has-errors') && !!`+card+`.querySelector('canvas')`) {
		t.Error("api-gateway's card is not marked as having errors, or has no chart")
	}
	if v := b.cspViolations(); len(v) > 0 {
		t.Errorf("the home page broke its Content-Security-Policy: %q", v)
	}
	b.shot("1-home")
}

// traceButton checks that an error line's Trace button opens its trace.
func (w *uiWalk) traceButton(t *testing.T) {
	b := w.on(t)
	// The newest error line of api-gateway on the home page.
	line := `[...document.querySelectorAll('.lines .line')].find(l => l.querySelector('.svc').textContent === 'api-gateway' && l.dataset.traceId)`
	b.waitFor("an api-gateway error line with a trace id", line)
	w.errLine.TraceID = eval[string](b, line+`.dataset.traceId`)
	w.errLine.SpanID = eval[string](b, line+`.dataset.spanId`)
	if !slices.Contains(w.failed, w.errLine.TraceID) {
		t.Errorf("the newest error line's trace %s is none of the failed requests' %v", w.errLine.TraceID, w.failed)
	}
	eval[bool](b, line+`.setAttribute('data-test-pick', '1') || true`)
	b.must("click Trace", chromedp.Click(chromedp.CSS(`.line[data-test-pick] a.btn-trace`)))
	b.waitFor("the waterfall", `document.querySelectorAll('.span-row').length > 0`)
	if loc, want := b.location(), "/trace/"+w.errLine.TraceID+"?span="+w.errLine.SpanID; loc != want {
		t.Errorf("the Trace button went to %s, want %s", loc, want)
	}
	if sel := eval[string](b, `(document.querySelector('.span-row.selected') || {dataset: {}}).dataset.spanId || ''`); sel != w.errLine.SpanID {
		t.Errorf("selected span %q, want the error line's span %s", sel, w.errLine.SpanID)
	}
	b.shot("2-trace")
}

// waterfall checks that the waterfall crosses the Node and Go services.
func (w *uiWalk) waterfall(t *testing.T) {
	b := w.on(t)
	spans, err := w.stack.Jaeger.Trace(w.errLine.TraceID)
	if err != nil {
		t.Fatal(err)
	}
	var want []string
	for _, s := range spans {
		if !slices.Contains(want, s.Service) {
			want = append(want, s.Service)
		}
	}
	sort.Strings(want)
	b.waitFor("every row of the waterfall", `document.querySelector('main[data-complete]')`)
	rows := eval[[]string](b, `[...document.querySelectorAll('.span-row')].map(r => r.dataset.service)`)
	if len(rows) != len(spans) {
		t.Errorf("the waterfall has %d rows; Jaeger holds %d spans", len(rows), len(spans))
	}
	got := slices.Compact(slices.Sorted(slices.Values(rows)))
	if !slices.Equal(got, want) {
		t.Errorf("the waterfall's services are %v; Jaeger's %v", got, want)
	}
	if !slices.Contains(got, "analysis") || !slices.Contains(got, "api-gateway") {
		t.Errorf("the waterfall lacks the Go service (analysis) or a Node one (api-gateway): %v", got)
	}
	// Back returns to the home page, forward to the trace.
	b.must("back", chromedp.NavigateBack())
	b.waitFor("home after back", `location.pathname === '/' && document.querySelector('.card')`)
	b.must("forward", chromedp.NavigateForward())
	b.waitFor("trace after forward", `document.querySelector('.span-row.selected')`)
}

// spanLogs checks that the failing span's logs are exactly the store's.
func (w *uiWalk) spanLogs(t *testing.T) {
	b := w.on(t)
	// The failing span: the last one, in the waterfall's depth-first
	// order, that wrote an error line: where the failure began.
	pick := `[...document.querySelectorAll('.span-row')].filter(r => r.dataset.errorLogs !== '0').pop()`
	b.waitFor("a span that wrote an error line", pick)
	spanID := eval[string](b, pick+`.dataset.spanId`)
	b.must("select the failing span", chromedp.Click(chromedp.CSS(`.span-row[data-span-id="`+spanID+`"] .span-label`)))
	b.waitFor("the span's logs", `document.querySelector('.span-logs[data-loaded]') && location.search === '?span=`+spanID+`'`)
	type shownLine struct{ Time, Body, TraceID, SpanID string }
	shown := eval[[]shownLine](b, `[...document.querySelectorAll('.span-logs .line')].map(l => ({
		Time: l.querySelector('time').getAttribute('datetime'), Body: l.querySelector('.body').textContent,
		TraceID: l.dataset.traceId || '', SpanID: l.dataset.spanId || ''}))`)
	recs, err := w.stack.Logs.Query(fmt.Sprintf(`trace_id:=%q span_id:=%q`, w.errLine.TraceID, spanID))
	if err != nil {
		t.Fatal(err)
	}
	if len(shown) != len(recs) || len(recs) == 0 {
		t.Fatalf("the span's panel shows %d lines; the store holds %d for trace %s span %s", len(shown), len(recs), w.errLine.TraceID, spanID)
	}
	for i := 1; i < len(shown); i++ {
		if stamp(t, shown[i].Time).Before(stamp(t, shown[i-1].Time)) {
			t.Errorf("the span's lines are not in time order: %s after %s", shown[i].Time, shown[i-1].Time)
		}
	}
	// Lines of the same time may come in either order: compare both
	// sides in (time, body) order.
	sort.SliceStable(recs, func(i, j int) bool {
		ti, tj := stamp(t, recs[i]["_time"]), stamp(t, recs[j]["_time"])
		return ti.Before(tj) || ti.Equal(tj) && recs[i]["_msg"] < recs[j]["_msg"]
	})
	sort.SliceStable(shown, func(i, j int) bool {
		ti, tj := stamp(t, shown[i].Time), stamp(t, shown[j].Time)
		return ti.Before(tj) || ti.Equal(tj) && shown[i].Body < shown[j].Body
	})
	for i, r := range recs {
		s := shown[i]
		if s.Body != r["_msg"] || !stamp(t, s.Time).Equal(stamp(t, r["_time"])) || s.TraceID != w.errLine.TraceID || s.SpanID != spanID {
			t.Errorf("line %d: shown %+v; the store's: time %s body %q", i, s, r["_time"], r["_msg"])
		}
	}
	t.Logf("span %s: %d lines, as in the store", spanID, len(recs))
	if v := b.cspViolations(); len(v) > 0 {
		t.Errorf("the trace page broke its Content-Security-Policy: %q", v)
	}
	// The waterfall's top and the panel in view, for the picture.
	eval[bool](b, `document.querySelector('.trace-layout').scrollIntoView() || true`)
	b.shot("4-span-logs")
}

// logSearch checks that log search finds what the store holds.
func (w *uiWalk) logSearch(t *testing.T) {
	b := w.on(t)
	b.must("open logs", chromedp.Navigate(w.stack.UIURL+"/logs?range=15m"))
	b.waitFor("the search form", `document.querySelector('form.search') && !document.querySelector('.loading')`)
	// As a user would: type, choose, press Search.
	b.must("search",
		chromedp.SetValue(chromedp.CSS(`form.search input[name=service]`), "api-gateway"),
		chromedp.SetValue(chromedp.CSS(`form.search select[name=severity]`), "error"),
		chromedp.Click(chromedp.CSS(`form.search button[type=submit]`)))
	b.waitFor("the results", `location.search.includes('service=api-gateway') && location.search.includes('severity=error') && document.querySelector('.summary')`)
	shown := eval[[]string](b, `[...document.querySelectorAll('.lines .line .body')].map(e => e.textContent)`)
	recs, err := w.stack.Logs.Query(gatewayErrors)
	if err != nil {
		t.Fatal(err)
	}
	var want []string
	for _, r := range recs {
		want = append(want, r["_msg"])
	}
	slices.Sort(shown)
	slices.Sort(want)
	if !slices.Equal(shown, want) {
		t.Errorf("the search shows %d lines; the store holds %d api-gateway error lines:\nshown %q\nstore %q", len(shown), len(want), shown, want)
	}
}

// traceSearch checks that trace search lists the failed requests.
func (w *uiWalk) traceSearch(t *testing.T) {
	b := w.on(t)
	b.must("open traces", chromedp.Navigate(w.stack.UIURL+"/traces?service=api-gateway&errorsOnly=true&range=15m"))
	b.waitFor("the trace list", `document.querySelector('table.traces') || document.querySelector('.banner')`)
	listed := eval[[]string](b, `[...document.querySelectorAll('table.traces tbody tr')].map(r => r.dataset.traceId)`)
	for _, id := range w.failed {
		if !slices.Contains(listed, id) {
			t.Errorf("the failed request's trace %s is not listed: %v", id, listed)
		}
	}
	if n := eval[int](b, `[...document.querySelectorAll('table.traces tbody tr')].filter(r => !r.classList.contains('error')).length`); n > 0 {
		t.Errorf("errors only lists %d traces without errors", n)
	}
	b.shot("traces")
}

// health checks that pipeline health reads the gateway's metrics.
func (w *uiWalk) health(t *testing.T) {
	b := w.on(t)
	b.must("open health", chromedp.Navigate(w.stack.UIURL+"/health"))
	b.waitFor("the figures", `document.querySelector('.tiles') || document.querySelector('.banner')`)
	if banner := eval[string](b, `(document.querySelector('.banner') || {}).textContent || ''`); banner != "" {
		t.Fatalf("the health page shows a banner: %s", banner)
	}
	received := eval[string](b, `[...document.querySelectorAll('.tile')].find(t => t.querySelector('.k').textContent === 'Records received').querySelector('.v').textContent`)
	if n, err := strconv.Atoi(strings.ReplaceAll(received, ",", "")); err != nil || n <= 0 {
		t.Errorf("records received shows %q, want a positive count", received)
	}
	b.shot("health")
}

// missingTrace checks that a trace that is not there says so.
func (w *uiWalk) missingTrace(t *testing.T) {
	b := w.on(t)
	missing := uiRandomID(16)
	b.must("open a missing trace", chromedp.Navigate(w.stack.UIURL+"/trace/"+missing))
	b.waitFor("the not-found note", `document.querySelector('.not-found')`)
	text := eval[string](b, `document.querySelector('.not-found').textContent`)
	if !strings.Contains(text, missing) || !strings.Contains(text, "not found") {
		t.Errorf("the not-found note says %q", text)
	}
	if eval[string](b, `document.querySelector('.not-found p') ? document.querySelector('.not-found p').textContent : ''`) == "" {
		t.Error("the not-found note gives no hint")
	}
	b.shot("trace-not-found")
}

// storeDown checks that a store that is down gets a banner naming it.
func (w *uiWalk) storeDown(t *testing.T) {
	b := w.on(t)
	w.stack.Logs.Stop(10 * time.Second)
	began := time.Now()
	b.must("open logs", chromedp.Navigate(w.stack.UIURL+"/logs?service=api-gateway"))
	b.waitFor("the store banner", `document.querySelector('.banner-error')`)
	text := eval[string](b, `document.querySelector('.banner-error').textContent`)
	if !strings.Contains(text, "VictoriaLogs") {
		t.Errorf("the banner does not name VictoriaLogs: %q", text)
	}
	if eval[bool](b, `!!document.querySelector('.loading')`) {
		t.Error("the page still shows a loading note beside the banner")
	}
	t.Logf("banner after %.1f s: %s", time.Since(began).Seconds(), text)
	b.shot("store-down")
}

// waitSettled waits until the log store holds every failed request's
// api-gateway error line, Jaeger holds the trace with every demo service,
// and the trace's line count has stopped growing, so that the pages and
// the stores are compared on the same data.
func waitSettled(t *testing.T, stack *harness.Stack, traceID string, failed int) {
	t.Helper()
	last := -1
	err := harness.Eventually(90*time.Second, time.Second, func() error {
		n, err := stack.Logs.Count(gatewayErrors)
		if err != nil || n < failed {
			return fmt.Errorf("%d of %d api-gateway error lines stored (%w)", n, failed, err)
		}
		spans, err := stack.Jaeger.Trace(traceID)
		if err != nil {
			return err
		}
		seen := map[string]bool{}
		for _, s := range spans {
			seen[s.Service] = true
		}
		if len(seen) < len(harness.DemoServices) {
			return fmt.Errorf("trace %s has spans of %d of the %d services", traceID, len(seen), len(harness.DemoServices))
		}
		lines, err := stack.Logs.Count(fmt.Sprintf("trace_id:=%q", traceID))
		if err != nil {
			return err
		}
		if lines == 0 || lines != last {
			last = lines
			return fmt.Errorf("trace %s: %d lines stored, still changing", traceID, lines)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// checkXSS writes lines holding markup and script through the real
// pipeline (a log file the agent tails) into the failing span, then opens
// every page that shows them and checks that nothing ran: no dialog, no
// flag set by a script, no element made from the data, and the text shown
// is the text stored.
func checkXSS(t *testing.T, b *browser, stack *harness.Stack, traceID, spanID string) {
	b.t = t
	payloads := []string{
		`<script>window.__hyphaXSS = 1</script>`,
		`"><img src=x onerror="window.__hyphaXSS = 2; alert(2)">`,
		`<svg onload="window.__hyphaXSS = 3; alert(3)"></svg>`,
		`javascript:window.__hyphaXSS = 4`,
		`'><iframe srcdoc="<script>parent.__hyphaXSS = 5</script>"></iframe>`,
	}
	var file strings.Builder
	for i, p := range payloads {
		rec := map[string]any{
			"time": time.Now().UTC().Format(time.RFC3339Nano), "level": "error", "service": "xss-probe",
			"msg": p, "trace_id": traceID, "span_id": spanID,
			"note": payloads[(i+1)%len(payloads)], "url": "javascript:alert(" + strconv.Itoa(i) + ")",
		}
		// Markup as it is, not as \u003c: the line must hold the tags.
		enc := json.NewEncoder(&file)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(rec); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(stack.LogDir, "xss-probe.log"), []byte(file.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	// The agent keeps each line whole as the record's body.
	var stored []string
	if err := harness.Eventually(60*time.Second, 500*time.Millisecond, func() error {
		recs, err := stack.Logs.Query(`service.name:="xss-probe"`)
		if err != nil || len(recs) < len(payloads) {
			return fmt.Errorf("%d of %d probe lines stored (%w)", len(recs), len(payloads), err)
		}
		stored = stored[:0]
		for _, r := range recs {
			stored = append(stored, r["_msg"])
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{"<script>", "<img src=x onerror=", "<svg onload=", "<iframe srcdoc="} {
		if !slices.ContainsFunc(stored, func(m string) bool { return strings.Contains(m, p) }) {
			t.Fatalf("no stored line holds %q: %q", p, stored)
		}
	}
	pages := map[string]string{
		"home":  "/?range=15m",
		"logs":  "/logs?service=xss-probe",
		"trace": "/trace/" + traceID + "?span=" + spanID,
	}
	for _, name := range []string{"home", "logs", "trace"} {
		b.must("open "+name, chromedp.Navigate(stack.UIURL+pages[name]))
		b.waitFor(name+" shows the probe lines", `[...document.querySelectorAll('.line .svc')].some(s => s.textContent === 'xss-probe')`)
		// Open every line, so that its fields are drawn too.
		eval[bool](b, `document.querySelectorAll('.line:not(.open) > .line-head').forEach(h => h.click()) || true`)
		shownBodies := eval[[]string](b, `[...document.querySelectorAll('.line')].filter(l => l.querySelector('.svc').textContent === 'xss-probe').map(l => l.querySelector('.body').textContent)`)
		for _, m := range stored {
			if !slices.Contains(shownBodies, m) {
				t.Errorf("%s: the stored line %q is not shown as its text", name, m)
			}
		}
		made := eval[int](b, `document.querySelectorAll('main img, main script, main iframe, main svg, main [onerror], main [onload]').length`)
		if made != 0 {
			t.Errorf("%s: %d elements were made from the data", name, made)
		}
		if flag := eval[bool](b, `window.__hyphaXSS !== undefined`); flag {
			t.Errorf("%s: a payload ran (window.__hyphaXSS is set)", name)
		}
		if v := b.cspViolations(); len(v) > 0 {
			t.Errorf("%s: the policy blocked %q", name, v)
		}
		b.shot("xss-" + name)
	}
	if dialogs, _ := b.ran(); len(dialogs) > 0 {
		t.Errorf("dialogs opened: %q", dialogs)
	}
}

func stamp(t *testing.T, s string) time.Time {
	t.Helper()
	ts, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		t.Fatalf("time %q: %v", s, err)
	}
	return ts
}

// uiRandomID is n random bytes in hex (crypto/rand.Read never fails).
func uiRandomID(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
