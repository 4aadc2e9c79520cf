// Copyright The Hypha Authors
// SPDX-License-Identifier: Apache-2.0

package extract

import (
	"strings"
	"testing"
	"time"
)

// addGoldenSeeds seeds a fuzz target with every input line of the golden
// files, real captures and constructed lines alike.
func addGoldenSeeds(f *testing.F) {
	for _, path := range goldenFiles(f) {
		_, lines := goldenInputs(f, path)
		for _, line := range lines {
			f.Add(line)
		}
	}
}

// checkResult holds the properties every result must have, whatever the
// input: ids reported are valid, spans and flags come with a trace, strings
// point into the input, and a second run agrees.
func checkResult(t *testing.T, line string, r *Result, again func() Result) {
	t.Helper()
	if r.HasTrace && r.TraceID == [16]byte{} {
		t.Fatalf("zero trace id reported for %q", line)
	}
	if r.HasSpan && (!r.HasTrace || r.SpanID == [8]byte{}) {
		t.Fatalf("span without trace or zero span for %q: %+v", line, r)
	}
	if r.HasFlags && !r.HasTrace {
		t.Fatalf("flags without trace for %q", line)
	}
	if r.HasTrace != (r.Format != formatNone) {
		t.Fatalf("format %v with HasTrace %v for %q", r.Format, r.HasTrace, line)
	}
	if r.Rejected < 0 {
		t.Fatalf("negative Rejected for %q", line)
	}
	if r.SeverityNumber < 0 || r.SeverityNumber > 24 || r.Timestamp < 0 {
		t.Fatalf("severity %d or time %d out of range for %q", r.SeverityNumber, r.Timestamp, line)
	}
	if r.Service != "" && !strings.Contains(line, r.Service) {
		t.Fatalf("service %q is not from the input %q", r.Service, line)
	}
	if second := again(); second != *r {
		t.Fatalf("second run differs for %q:\n%+v\n%+v", line, *r, second)
	}
}

func FuzzFromString(f *testing.F) {
	addGoldenSeeds(f)
	// The same options with a default zone, which zone-less times take.
	zoned := goldenOptions
	zoned.DefaultTimeZone = fuzzZone(f)
	extractors := []*Extractor{New(goldenOptions), New(zoned)}
	f.Fuzz(func(t *testing.T, line string) {
		for _, e := range extractors {
			var r Result
			e.FromString(line, &r)
			checkResult(t, line, &r, func() Result {
				var r2 Result
				e.FromString(line, &r2)
				return r2
			})
		}
	})
}

// fuzzZone is a zone east of UTC with summer time, where the first hours of
// 1970 come before the epoch.
func fuzzZone(f *testing.F) *time.Location {
	zone, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		f.Fatal(err)
	}
	return zone
}

// public is what a caller of the package sees of a result: the scanners'
// working state (such as whether a CLEF time was seen after the level was
// already known) may differ without changing it.
func public(r Result) Result {
	return Result{
		TraceID: r.TraceID, SpanID: r.SpanID, Flags: r.Flags,
		HasTrace: r.HasTrace, HasSpan: r.HasSpan, HasFlags: r.HasFlags,
		SeverityNumber: r.SeverityNumber, SeverityText: r.SeverityText,
		Timestamp: r.Timestamp, Service: r.Service, Format: r.Format, Rejected: r.Rejected,
	}
}

// FuzzJSON drives the JSON scanner directly, with a leading '{' so that
// every input reaches it.
func FuzzJSON(f *testing.F) {
	addGoldenSeeds(f)
	e := New(goldenOptions)
	run := func(line string) Result {
		var r Result
		e.Reset(&r, formatJSON)
		e.scanJSON("{"+line, &r)
		r.Finish()
		return r
	}
	// full reads every member, without scanJSON's early stop.
	full := func(line string) (Result, bool) {
		var r Result
		e.Reset(&r, formatJSON)
		s := strings.TrimSpace("{" + line)
		end, n := e.scanObject(s, 1, FieldNone, 0, &r, false)
		r.Finish()
		return r, n > 0 && end == len(s)
	}
	f.Fuzz(func(t *testing.T, line string) {
		r := run(line)
		checkResult(t, "{"+line, &r, func() Result { return run(line) })
		// Stopping early never changes the result of a well-formed line.
		var early Result
		e.Reset(&early, formatJSON)
		ok := e.scanJSON(strings.TrimSpace("{"+line), &early)
		early.Finish()
		// Zipkin's b3 and operation_Id are not looked for ahead (see
		// keyAhead).
		lower := strings.ToLower(line)
		unseen := strings.Contains(lower, `b3"`) || strings.Contains(lower, "operation_id")
		if whole, wholeOK := full(line); ok && wholeOK && !unseen && public(early) != public(whole) {
			t.Fatalf("early stop changed the result for %q:\n%+v\n%+v", "{"+line, early, whole)
		}
	})
}

// FuzzText drives the text scanners (logfmt, syslog SD, LTSV, Spring,
// Sleuth, traceparent) directly, JSON-looking input included.
func FuzzText(f *testing.F) {
	addGoldenSeeds(f)
	e := New(goldenOptions)
	run := func(line string) Result {
		var r Result
		e.scanText(line, &r)
		r.Finish()
		return r
	}
	f.Fuzz(func(t *testing.T, line string) {
		r := run(line)
		checkResult(t, line, &r, func() Result { return run(line) })
	})
}
