// Copyright The Hypha Authors
// SPDX-License-Identifier: Apache-2.0

package extract

import (
	"strings"
	"testing"
)

// Benchmark lines are shaped like the captured samples and about as long as
// a typical service's log line.
const (
	// pino with instrumentation-pino: ids, numeric level, epoch ms (~330 B).
	benchPino = `{"level":30,"time":1795562617811,"pid":18343,"hostname":"checkout-7d9f8b6c5-x2x4q","service":"cart",` +
		`"trace_id":"d9648d7435eb97a56cef65002fb618ed","span_id":"b8fd3ff4b8d5b426","trace_flags":"01",` +
		`"orderId":"1","userId":"u-48213","route":"/checkout/:id","durationMs":12.5,"msg":"handling request for order 1 of user u-48213"}`
	// winston json(): keys sorted, ids interleaved, RFC 3339 time.
	benchWinston = `{"durationMs":12.5,"hostname":"checkout-7d9f8b6c5-x2x4q","level":"info","message":"handling request for order 1",` +
		`"orderId":"1","route":"/checkout/:id","service":"cart","span_id":"b8fd3ff4b8d5b426","timestamp":"2026-11-24T23:23:37.811Z",` +
		`"trace_flags":"01","trace_id":"d9648d7435eb97a56cef65002fb618ed","userId":"u-48213"}`
	// slog TextHandler.
	benchLogfmt = `time=2026-11-24T23:11:32.208Z level=INFO msg="cart checked out" cart_id=42 user=u-48213 route=/checkout/:id ` +
		`duration=12.5ms trace_id=0da601d68ae63c665eabf42f3ef8d257 span_id=4e23f3d2ed67538b trace_flags=01`
	// pino outside any span (~330 B).
	benchJSONNoIDs = `{"level":30,"time":1795562617043,"pid":18343,"hostname":"checkout-7d9f8b6c5-x2x4q","service":"cart",` +
		`"orderId":"1","userId":"u-48213","route":"/checkout/:id","durationMs":12.5,"remoteAddress":"10.42.0.17","remotePort":51234,` +
		`"userAgent":"Mozilla/5.0 (X11; Linux x86_64)","msg":"startup (outside any span), listening on port 23102 for requests"}`
	// A plain text line with nothing to find.
	benchTextNoIDs = `2026-11-24 23:11:32,208 INFO [checkout] [app.py:42] order 1 placed for user u-48213 in 12.5 ms, ` +
		`cart contained 3 items, payment provider answered with status 200 after two retries; next poll in 30 seconds ` +
		`(queue depth 17, worker pool 8 of 16 busy, cache hit ratio 0.93 over the last 5 minutes)`
)

func benchmarkLine(b *testing.B, line string) {
	e := New(Options{})
	var r Result
	e.FromString(line, &r)
	b.SetBytes(int64(len(line)))
	b.ReportAllocs()
	for b.Loop() {
		e.FromString(line, &r)
	}
}

func BenchmarkPino(b *testing.B)      { benchmarkLine(b, benchPino) }
func BenchmarkWinston(b *testing.B)   { benchmarkLine(b, benchWinston) }
func BenchmarkLogfmt(b *testing.B)    { benchmarkLine(b, benchLogfmt) }
func BenchmarkJSONNoIDs(b *testing.B) { benchmarkLine(b, benchJSONNoIDs) }
func BenchmarkTextNoIDs(b *testing.B) { benchmarkLine(b, benchTextNoIDs) }

// TestBenchmarkLines keeps the benchmark inputs honest: each finds what it
// is meant to find, and nothing allocates.
func TestBenchmarkLines(t *testing.T) {
	e := New(Options{})
	for _, tc := range []struct {
		name     string
		line     string
		hasTrace bool
	}{
		{"pino", benchPino, true},
		{"winston", benchWinston, true},
		{"logfmt", benchLogfmt, true},
		{"json without ids", benchJSONNoIDs, false},
		{"text without ids", benchTextNoIDs, false},
	} {
		var r Result
		e.FromString(tc.line, &r)
		if r.HasTrace != tc.hasTrace || r.HasTrace && (!r.HasSpan || !r.HasFlags || r.Timestamp == 0 || r.SeverityNumber == 0) {
			t.Errorf("%s: unexpected result %+v", tc.name, r)
		}
		if allocs := testing.AllocsPerRun(100, func() { e.FromString(tc.line, &r) }); allocs != 0 {
			t.Errorf("%s: %v allocations per line, want 0", tc.name, allocs)
		}
	}
}

// longLines are lines of about 64 KiB in shapes that once made the
// extractor search the rest of the line again at every member or bracket,
// time growing with the square of the length, plus nesting far deeper than
// the JSON skipper follows. Now their MB/s stays the same at any length; it
// is lower than the short lines' because their members and brackets are only
// a few bytes each (each '[' of the deep line looks ahead for a Sleuth
// block's ']', at most 151 bytes).
var longLines = []struct{ name, unit, head, tail string }{
	// The only mention of a trace is in the last value, after many members.
	{"json-late-trace-word", `,"k":1`, `{"level":30,"time":1795562617043,"service":"cart"`, `,"msg":"lost the race"}`},
	// Every member is a trace key with an invalid value.
	{"json-invalid-trace-keys", `,"trace":1`, `{"level":30,"time":1795562617043,"service":"cart"`, `}`},
	// Many bracketed words and no comma, as Sleuth's block needs.
	{"text-brackets", `[a-b] `, `2026-11-24 23:11:32,208 INFO `, `done`},
	// Nesting far deeper than the JSON skipper follows, then read as text.
	{"json-deep-nesting", `[`, `{"level":30,"a":`, `}`},
}

func BenchmarkLongLine(b *testing.B) {
	for _, l := range longLines {
		line := l.head + strings.Repeat(l.unit, 64<<10/len(l.unit)) + l.tail
		b.Run(l.name, func(b *testing.B) { benchmarkLine(b, line) })
	}
}
