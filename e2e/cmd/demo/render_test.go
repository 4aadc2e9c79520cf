// Copyright The Hypha Authors
// SPDX-License-Identifier: Apache-2.0

package main

import (
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/hypha-obs/hypha/e2e/harness"
)

// A small checkout trace as Jaeger returns it: times in µs, listed out of
// order, with one express middleware span between the server span and the
// handler.
var fixedSpans = []harness.Span{
	{SpanID: "c1", ParentID: "h1", Service: "api-gateway", Operation: "GET", StartMicros: 1_000_500, DurMicros: 4_000},
	{SpanID: "g1", Service: "api-gateway", Operation: "GET /checkout/:orderId", StartMicros: 1_000_000, DurMicros: 10_000},
	{SpanID: "m1", ParentID: "g1", Service: "api-gateway", Operation: "middleware - patched", StartMicros: 1_000_100, DurMicros: 9_800},
	{SpanID: "h1", ParentID: "m1", Service: "api-gateway", Operation: "request handler - /checkout/:orderId", StartMicros: 1_000_200, DurMicros: 9_500},
	{SpanID: "c2", ParentID: "h1", Service: "api-gateway", Operation: "GET", StartMicros: 1_005_000, DurMicros: 4_500},
	{SpanID: "a1", ParentID: "c1", Service: "auth", Operation: "GET /verify", StartMicros: 1_001_000, DurMicros: 3_000},
	{SpanID: "k1", ParentID: "c2", Service: "cart", Operation: "GET /cart/:orderId", StartMicros: 1_005_500, DurMicros: 3_500},
}

func rec(spanID, time, sev, num, body string) harness.LogRecord {
	return harness.LogRecord{"_time": time, "span_id": spanID, "severity_text": sev, "severity_number": num, "_msg": body}
}

// The records of that trace as VictoriaLogs returns them: in no particular
// order, with trailing zeros of the fraction trimmed ("…00.01Z").
var fixedRecords = []harness.LogRecord{
	rec("h1", "2026-01-02T03:04:00.012Z", "ERROR", "17", `{"level":50,"msg":"downstream 502"}`),
	rec("h1", "2026-01-02T03:04:00.01Z", "INFO", "9", `{"level":30,"msg":"request received"}`),
	rec("h1", "2026-01-02T03:04:00.011Z", "INFO", "9", `{"level":30,"msg":"auth verified"}`),
	rec("a1", "2026-01-02T03:04:00.011Z", "info", "9", `{"level":"info","message":"token verified"}`),
	rec("k1", "2026-01-02T03:04:00.013Z", "error", "17", `{"level":"error","message":"downstream 500"}`),
	rec("", "2026-01-02T03:04:00.014Z", "", "", `plain text line`),
}

func TestMessageOf(t *testing.T) {
	for body, want := range map[string]string{
		`{"msg":"pino or bunyan"}`:            "pino or bunyan",
		`{"message":"winston"}`:               "winston",
		`{"msg":42,"message":"not a string"}`: "not a string",
		`{"level":30}`:                        `{"level":30}`,
		`not json`:                            "not json",
		``:                                    "",
	} {
		if got := messageOf(body); got != want {
			t.Errorf("messageOf(%q) = %q, want %q", body, got, want)
		}
	}
}

func TestIsError(t *testing.T) {
	for _, c := range []struct {
		l    logLine
		want bool
	}{
		{logLine{Severity: "ERROR"}, true},
		{logLine{Severity: "error"}, true},
		{logLine{Severity: "Fatal"}, true},
		{logLine{Severity: "INFO"}, false},
		{logLine{Severity: "WARN"}, false},
		{logLine{}, false},
		// The number wins over the text when the store has it.
		{logLine{Severity: "oops", Number: 17}, true},
		{logLine{Severity: "ERROR", Number: 9}, false},
	} {
		if got := c.l.isError(); got != c.want {
			t.Errorf("%+v: isError = %v, want %v", c.l, got, c.want)
		}
	}
}

func TestGroupBySpan(t *testing.T) {
	groups := groupBySpan(fixedRecords)
	var got []string
	for _, id := range []string{"h1", "a1", "k1", ""} {
		for _, l := range groups[id] {
			got = append(got, id+" "+l.Time.Format("05.000")+" "+l.Severity+" "+l.Message)
		}
	}
	want := []string{
		// Sorted by time, although "00.01Z" sorts after "00.011Z" as text.
		"h1 00.010 INFO request received",
		"h1 00.011 INFO auth verified",
		"h1 00.012 ERROR downstream 502",
		"a1 00.011 info token verified",
		"k1 00.013 error downstream 500",
		" 00.014  plain text line",
	}
	sameLines(t, "groups", got, want)
	if len(groups) != 4 {
		t.Errorf("%d groups, want 4", len(groups))
	}
}

func TestSpanTree(t *testing.T) {
	spans := append([]harness.Span{
		// Its parent is not in the trace (not exported yet): shown as a
		// root after the real one, by start time.
		{SpanID: "x1", ParentID: "gone", Service: "lab-tests", Operation: "GET /tests/:orderId", StartMicros: 1_007_000, DurMicros: 1_000},
	}, fixedSpans...)
	var got []string
	for _, r := range spanTree(spans) {
		got = append(got, strings.Repeat(".", r.Depth)+r.Span.SpanID)
	}
	want := "g1 .m1 ..h1 ...c1 ....a1 ...c2 ....k1 x1"
	if strings.Join(got, " ") != want {
		t.Errorf("tree %q, want %q", strings.Join(got, " "), want)
	}
}

func TestHideMiddleware(t *testing.T) {
	shown, hidden := hideMiddleware(fixedSpans, nil)
	if hidden != 1 || len(shown) != len(fixedSpans)-1 {
		t.Fatalf("hidden %d, shown %d", hidden, len(shown))
	}
	for _, s := range shown {
		if s.SpanID == "h1" && s.ParentID != "g1" {
			t.Errorf("the handler's parent is %q, want the server span g1", s.ParentID)
		}
		if s.SpanID == "m1" {
			t.Error("middleware span shown")
		}
	}
	// A middleware span that wrote a line stays, since its lines would
	// otherwise have no place.
	if _, hidden := hideMiddleware(fixedSpans, map[string][]logLine{"m1": {{Message: "x"}}}); hidden != 0 {
		t.Errorf("hid %d spans, want 0", hidden)
	}
	// The input is not changed.
	if fixedSpans[3].ParentID != "m1" {
		t.Error("hideMiddleware changed its input")
	}
}

func TestTimeBar(t *testing.T) {
	for _, c := range []struct {
		start, dur int64
		want       string
	}{
		{0, 100, "██████████"},
		{50, 50, "     █████"},
		{0, 1, "█         "}, // short spans keep one block
		{99, 1, "         █"},
		{30, 25, "   ███    "}, // the length rounds up
		{100, 0, "         █"}, // at the very end, still inside
	} {
		if got := timeBar(c.start, c.dur, 0, 100, 10); got != c.want {
			t.Errorf("timeBar(%d, %d) = %q, want %q", c.start, c.dur, got, c.want)
		}
	}
	if got := timeBar(5, 0, 5, 0, 4); got != "█   " {
		t.Errorf("zero-length trace: %q", got)
	}
}

func TestFit(t *testing.T) {
	if got := fit("abc", 5); got != "abc  " {
		t.Errorf("pad: %q", got)
	}
	if got := fit("request handler - /tests/:orderId", 10); got != "request h…" {
		t.Errorf("cut: %q", got)
	}
	if got := fit("äöü", 3); got != "äöü" {
		t.Errorf("runes: %q", got)
	}
}

func TestWrap(t *testing.T) {
	if got := wrap("abcdefg", 3); strings.Join(got, "|") != "abc|def|g" {
		t.Errorf("wrap: %q", got)
	}
	if got := wrap("", 3); len(got) != 1 || got[0] != "" {
		t.Errorf("wrap empty: %q", got)
	}
}

func TestWaterfall(t *testing.T) {
	spans, _ := hideMiddleware(fixedSpans, nil)
	got := waterfall(spans, groupBySpan(fixedRecords), style{})
	want := []string{
		"  service operation                                         duration   0                    10.0 ms",
		"  api-gateway GET /checkout/:orderId                         10.0 ms  │████████████████████████████│",
		"    api-gateway request handler - /checkout/:orderId          9.5 ms  │███████████████████████████ │",
		"        ↳ 03:04:00.010 INFO  request received",
		"        ↳ 03:04:00.011 INFO  auth verified",
		"        ↳ 03:04:00.012 ERROR downstream 502",
		"      api-gateway GET                                         4.0 ms  │ ████████████               │",
		"        auth GET /verify                                      3.0 ms  │  █████████                 │",
		"            ↳ 03:04:00.011 INFO  token verified",
		"      api-gateway GET                                         4.5 ms  │              █████████████ │",
		"        cart GET /cart/:orderId                               3.5 ms  │               ██████████   │",
		"            ↳ 03:04:00.013 ERROR downstream 500",
		"  log lines of no span id:",
		"    ↳ 03:04:00.014 -     plain text line",
	}
	sameLines(t, "waterfall", got, want)
	for _, l := range got {
		if n := utf8.RuneCountInString(l); n > lineWidth {
			t.Errorf("line of %d columns: %q", n, l)
		}
	}

	// With colours the text is the same once the escape codes are gone, so
	// columns still line up; error lines are red.
	colored := waterfall(spans, groupBySpan(fixedRecords), style{color: true})
	ansi := regexp.MustCompile("\x1b\\[[0-9;]*m")
	for i := range colored {
		if plain := ansi.ReplaceAllString(colored[i], ""); plain != got[i] {
			t.Errorf("coloured line %d is %q without codes, want %q", i, plain, got[i])
		}
	}
	if !strings.Contains(colored[5], ansiRed) || strings.Contains(colored[3], ansiRed) {
		t.Errorf("error lines should be red and only they: %q / %q", colored[5], colored[3])
	}
	if waterfall(nil, nil, style{}) != nil {
		t.Error("no spans should render nothing")
	}
}

func TestSameTime(t *testing.T) {
	if sameTime(groupBySpan(fixedRecords)) {
		t.Error("no two lines of one span share a time in the fixture")
	}
	tied := groupBySpan([]harness.LogRecord{
		rec("x", "2026-01-02T03:04:00.010Z", "ERROR", "17", `{"msg":"failed"}`),
		rec("x", "2026-01-02T03:04:00.010Z", "INFO", "9", `{"msg":"started"}`),
		rec("x", "2026-01-02T03:04:00.009Z", "ERROR", "17", `{"msg":"earlier"}`),
	})
	if !sameTime(tied) {
		t.Error("a tie was not seen")
	}
	// Within one millisecond, errors go last; time still comes first.
	var got []string
	for _, l := range tied["x"] {
		got = append(got, l.Message)
	}
	sameLines(t, "tied lines", got, []string{"earlier", "started", "failed"})
}

// sameLines compares rendered lines and shows both sides whole on a
// mismatch, since a diff of columns is easier to see than to describe.
func sameLines(t *testing.T, what string, got, want []string) {
	t.Helper()
	if g, w := strings.Join(got, "\n"), strings.Join(want, "\n"); g != w {
		t.Errorf("%s:\n%s\nwant:\n%s", what, g, w)
	}
}
