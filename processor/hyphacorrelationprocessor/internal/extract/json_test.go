// Copyright The Hypha Authors
// SPDX-License-Identifier: Apache-2.0

package extract

import (
	"strings"
	"testing"
)

// TestDeepNesting makes sure pathological nesting does not recurse (the
// scanners count brackets) and finds nothing; BenchmarkLongLine shows that
// such lines take time in proportion to their length.
func TestDeepNesting(t *testing.T) {
	e := New(Options{})
	deep := strings.Repeat("[", 10000)
	for _, line := range []string{
		deep,
		strings.Repeat("{", 10000),
		`{"a":` + deep,
		`{"a":` + strings.Repeat(`{"b":`, 10000),
		`{"a":` + strings.Repeat("[", 500) + strings.Repeat("]", 500) + `,"trace_id":"4bf92f3577b34da6a3ce929d0e0e4736"}`,
		`{"Scopes":` + deep,
		`{"trace":` + strings.Repeat(`{"id":`, 10000),
	} {
		var r Result
		e.FromString(line, &r)
		if r.HasTrace != strings.Contains(line, "trace_id") {
			t.Errorf("%.20q...: HasTrace %v", line, r.HasTrace)
		}
	}
	var r Result
	e.FromString(`{"a":`+strings.Repeat("[", 500)+strings.Repeat("]", 500)+`,"trace_id":"4bf92f3577b34da6a3ce929d0e0e4736"}`, &r)
	if !r.HasTrace {
		t.Error("trace id after a 500-deep array was not found")
	}
}

// TestEarlyStop reads lines whose last members still matter with and
// without scanJSON's early stop (see lacksSettledFields), which must agree.
func TestEarlyStop(t *testing.T) {
	e := New(goldenOptions)
	const head = `{"level":"info","time":1,"service":"cart"`
	const ids = `"trace_id":"d9648d7435eb97a56cef65002fb618ed","span_id":"b8fd3ff4b8d5b426","trace_flags":"01"`
	for _, line := range []string{
		// A level key after a bare severityNumber still gives the text.
		`{"severityNumber":9,"time":1,"service":"cart","level":"info"}`,
		// Keys whose ids stand in for a span count when invalid.
		head + `,"trace.id":"1","transaction.id":"x"}`,
		head + `,"trace.id":"1","transaction":{"id":"x"}}`,
		head + `,` + ids + `,"transaction.id":"x"}`,
		head + `,` + ids + `,"span_id":"a8fd3ff4b8d5b426"}`,
		head + `,` + ids + `,"@sp":"x"}`,
		head + `,` + ids + `,"x_span":"x"}`,
		// Trace keys late in the line, after words that look like them.
		head + `,"msg":"a race","note":"embrace","@tr":"d9648d7435eb97a56cef65002fb618ed"}`,
		head + `,"a":"@t","b":"trac","x_trace":"d9648d7435eb97a56cef65002fb618ed"}`,
		head + `,"dd":{"trace_id":"1234","span_id":"5678"}}`,
		head + `,"Scopes":[{"TraceId":"d9648d7435eb97a56cef65002fb618ed","SpanId":"b8fd3ff4b8d5b426"}]}`,
	} {
		var early, whole Result
		e.Reset(&early, formatJSON)
		if !e.scanJSON(line, &early) {
			t.Fatalf("not read as JSON: %s", line)
		}
		early.Finish()
		e.Reset(&whole, formatJSON)
		if end, _ := e.scanObject(line, 1, FieldNone, 0, &whole, false); end != len(line) {
			t.Fatalf("not read to the end: %s", line)
		}
		whole.Finish()
		if public(early) != public(whole) {
			t.Errorf("early stop changed the result for %s:\n%+v\n%+v", line, public(early), public(whole))
		}
	}
}

// TestKeyAheadFindsIDKeys: scanJSON stops reading once keyAhead finds no id
// key in the rest of the line (see lacksSettledFields). keyAhead looks for
// substrings that the keys share, not for the keys themselves, so every
// trace and span key of the table, or the key of the object holding it,
// must contain one of them.
func TestKeyAheadFindsIDKeys(t *testing.T) {
	e := New(Options{})
	check := func(text string, f Field) {
		t.Helper()
		// _dd.p.tid, like a span id, only matters once a trace id is found.
		spans := f.holds() == HoldsSpanID || f == fieldDatadogTraceHigh
		if (spans || f.holds() == HoldsTraceID || f == fieldTraceparent) && e.keyAhead(text, 0, spans) < 0 {
			t.Errorf("keyAhead misses %s in %q", f.holds(), text)
		}
	}
	members := stringsIn(t, "memberField")
	for _, k := range stringsIn(t, "builtinField") {
		if k == "operation_Id" {
			// Not found ahead (it holds neither "race" nor "pan"): a line
			// that has its level, time and service before it may stop
			// early. Application Insights writes severityLevel, no level
			// key, so its lines are read whole.
			continue
		}
		f := builtinField(k)
		check(`"`+k+`":`, f)
		if f.Nested() {
			for _, m := range members {
				check(`"`+k+`":{"`+m+`":`, e.ClassifyIn(f, m))
			}
		}
	}
}
