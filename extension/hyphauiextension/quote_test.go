// Copyright The Hypha Authors
// SPDX-License-Identifier: Apache-2.0

package hyphauiextension

import (
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

// literalEnd returns where the double-quoted literal that starts q ends
// (the index after its closing quote), reading escapes as both LogQL's and
// LogsQL's lexers do, or -1.
func literalEnd(q string) int {
	if q == "" || q[0] != '"' {
		return -1
	}
	for i := 1; i < len(q); i++ {
		switch q[i] {
		case '\\':
			i++
		case '"':
			return i + 1
		case '\n':
			return -1
		}
	}
	return -1
}

// checkOneLiteral fails unless quoted is exactly one string literal that
// reads back as s.
func checkOneLiteral(t *testing.T, s, quoted string) {
	t.Helper()
	if end := literalEnd(quoted); end != len(quoted) {
		t.Fatalf("%q quoted as %q: the literal ends at %d of %d", s, quoted, end, len(quoted))
	}
	back, err := strconv.Unquote(quoted)
	if err != nil {
		t.Fatalf("%q quoted as %q does not unquote: %v", s, quoted, err)
	}
	if back != s && utf8.ValidString(s) {
		t.Fatalf("%q quoted as %q reads back as %q", s, quoted, back)
	}
}

func fuzzSeeds(f *testing.F) {
	for _, s := range hostileTexts {
		f.Add(s)
	}
	f.Add("\xff\xfe invalid UTF-8")
}

// FuzzQuoteLogQL: any text becomes one LogQL literal that reads back as
// the text (the API refuses text that is not UTF-8 before quoting).
func FuzzQuoteLogQL(f *testing.F) {
	fuzzSeeds(f)
	f.Fuzz(func(t *testing.T, s string) {
		checkOneLiteral(t, s, quoteLogQL(s))
		if s == "" {
			return // no text, no filter
		}
		// The whole query keeps the text inside its literal: what follows
		// the literal is exactly what the adapter wrote.
		q := lokiQuery(logQuery{Text: s})
		const prefix = `{service_name=~".+"} |= `
		if q[:len(prefix)] != prefix || literalEnd(q[len(prefix):]) != len(q)-len(prefix) {
			t.Fatalf("text %q escapes its literal in %s", s, q)
		}
		// A service name stays the one value of the stream selector.
		sel := lokiQuery(logQuery{Service: s})
		if !strings.HasPrefix(sel, "{service_name=") || !strings.HasSuffix(sel, "}") ||
			literalEnd(sel[len("{service_name="):]) != len(sel)-len("{service_name=")-1 {
			t.Fatalf("service %q escapes its literal in %s", s, sel)
		}
	})
}

// FuzzQuoteLogsQL: the same for LogsQL, which VictoriaLogs unquotes with
// strconv.Unquote too.
func FuzzQuoteLogsQL(f *testing.F) {
	fuzzSeeds(f)
	f.Fuzz(func(t *testing.T, s string) {
		checkOneLiteral(t, s, quoteLogsQL(s))
		if s == "" {
			return
		}
		q := vlFilter(logQuery{Text: s})
		const prefix = `_msg:`
		if q[:len(prefix)] != prefix || literalEnd(q[len(prefix):]) != len(q)-len(prefix) {
			t.Fatalf("text %q escapes its literal in %s", s, q)
		}
		const svc = `"service.name":=`
		if f := vlFilter(logQuery{Service: s}); !strings.HasPrefix(f, svc) || literalEnd(f[len(svc):]) != len(f)-len(svc) {
			t.Fatalf("service %q escapes its literal in %s", s, f)
		}
	})
}

// FuzzDecodeJSONLines: no VictoriaLogs answer makes the decoding panic.
func FuzzDecodeJSONLines(f *testing.F) {
	f.Add([]byte(`{"_time":"2026-12-07T12:00:00Z","_msg":"x","trace_id":"a"}` + "\n" + `{"a":"b"}`))
	f.Add([]byte("\n\n{}\n"))
	f.Fuzz(func(t *testing.T, body []byte) {
		rows, err := decodeJSONLines(body)
		if err != nil {
			return
		}
		for _, r := range rows {
			_ = vlLine(r)
		}
	})
}

// FuzzSumMetrics: no metrics page makes the health page's parsing panic.
func FuzzSumMetrics(f *testing.F) {
	f.Add([]byte("# TYPE otelcol_receiver_accepted_log_records_total counter\notelcol_receiver_accepted_log_records_total{receiver=\"otlp\"} 12\n"))
	f.Add([]byte("otelcol_exporter_queue_size 3\n"))
	f.Fuzz(func(t *testing.T, body []byte) {
		_, _ = sumMetrics(body)
	})
}

// FuzzDecodeJaegerSpans: no Jaeger answer makes the decoding panic.
func FuzzDecodeJaegerSpans(f *testing.F) {
	f.Add([]byte(`{"result":{"resourceSpans":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"a"}}]},"scopeSpans":[{"spans":[{"traceId":"4bf92f3577b34da6a3ce929d0e0e4736","spanId":"00f067aa0ba902b7","name":"x","startTimeUnixNano":"1","endTimeUnixNano":"2"}]}]}]}}`))
	f.Add([]byte(`{"error":{"httpCode":404,"message":"trace not found"}}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		byTrace, err := decodeJaegerSpans(body)
		if err != nil {
			return
		}
		for id, spans := range byTrace {
			_ = summarize(id, spans)
		}
	})
}

// FuzzParams: no query string makes the parameter checks panic, and what
// they accept is bounded.
func FuzzParams(f *testing.F) {
	f.Add("service=cart&q=x&traceId=4bf92f3577b34da6a3ce929d0e0e4736&limit=5&start=2026-12-07T11:00:00Z&end=2026-12-07T12:00:00Z")
	f.Add("limit=-1&severity=bogus&spanId=zz")
	now := time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, raw string) {
		p := newParams(raw, "service", "severity", "q", "traceId", "spanId", "start", "end", "limit")
		svc := p.text("service", maxNameLen)
		text := p.text("q", maxTextLen)
		id := p.hexID("traceId", 32)
		n := p.limit(logsDefaultLimit, logsMaxLimit)
		start, end := p.timeRange(now, time.Hour, 24*time.Hour)
		if p.err != nil {
			return
		}
		if len(svc) > maxNameLen || len(text) > maxTextLen || (id != "" && len(id) != 32) || n < 1 || n > logsMaxLimit {
			t.Fatalf("accepted out of bounds: %q", raw)
		}
		if !start.Before(end) || end.Sub(start) > 24*time.Hour {
			t.Fatalf("accepted range %s..%s from %q", start, end, raw)
		}
	})
}
