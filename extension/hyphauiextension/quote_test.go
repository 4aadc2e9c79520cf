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

// FuzzQuote: any text becomes one LogQL and one LogsQL literal that reads
// back as the text (the API refuses text that is not UTF-8 before
// quoting), in the text filter and in the service filter alike. Loki and
// VictoriaLogs both unquote with strconv.Unquote.
func FuzzQuote(f *testing.F) {
	fuzzSeeds(f)
	f.Fuzz(func(t *testing.T, s string) {
		checkOneLiteral(t, s, quoteLogQL(s))
		checkOneLiteral(t, s, quoteLogsQL(s))
		if s == "" {
			return // no text, no filter
		}
		// The whole query keeps the text inside its literal: what follows
		// the literal is exactly what the adapter wrote.
		for _, c := range []struct{ query, prefix, suffix string }{
			{lokiQuery(logQuery{Text: s}), `{service_name=~".+"} |= `, ""},
			{lokiQuery(logQuery{Service: s}), `{service_name=`, "}"},
			{vlFilter(logQuery{Text: s}), `_msg:`, ""},
			{vlFilter(logQuery{Service: s}), `"service.name":=`, ""},
		} {
			lit, ok := strings.CutPrefix(c.query, c.prefix)
			if ok {
				lit, ok = strings.CutSuffix(lit, c.suffix)
			}
			if !ok || literalEnd(lit) != len(lit) {
				t.Fatalf("%q escapes its literal in %s", s, c.query)
			}
		}
	})
}

// FuzzStoreAnswers: no answer of a store, VictoriaLogs' JSON lines, Loki's
// streams and matrices, Jaeger's OTLP JSON or a Prometheus metrics page,
// makes the decoding panic. One target feeds every decoder, so that the
// fuzzing pass stays short.
func FuzzStoreAnswers(f *testing.F) {
	for _, seed := range []string{
		`{"_time":"2026-12-07T12:00:00Z","_msg":"x","trace_id":"a"}` + "\n" + `{"a":"b"}`,
		"\n\n{}\n",
		`{"status":"success","data":{"resultType":"streams","result":[{"stream":{"a":"b"},"values":[["1","x",{"structuredMetadata":{"trace_id":"t"}}]]}]}}`,
		`{"status":"success","data":{"resultType":"matrix","result":[{"metric":{},"values":[[1.5,"2"]]}]}}`,
		`{"status":"success","data":{"resultType":"streams","result":[{"values":[[1,2,3]]}]}}`,
		`{"result":{"resourceSpans":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"a"}}]},"scopeSpans":[{"spans":[{"traceId":"4bf92f3577b34da6a3ce929d0e0e4736","spanId":"00f067aa0ba902b7","name":"x","startTimeUnixNano":"1","endTimeUnixNano":"2"}]}]}]}}`,
		`{"error":{"httpCode":404,"message":"trace not found"}}`,
		"# TYPE otelcol_receiver_accepted_log_records counter\notelcol_receiver_accepted_log_records{receiver=\"otlp\"} 12\n",
		"otelcol_exporter_queue_size 3\n",
	} {
		f.Add([]byte(seed))
	}
	buckets, step := makeBuckets(time.Unix(0, 0), time.Unix(3600, 0))
	f.Fuzz(func(t *testing.T, body []byte) {
		if rows, err := decodeJSONLines(body); err == nil {
			for _, r := range rows {
				_ = vlLine(r)
			}
		}
		_, _ = decodeLokiStreams(body)
		_, _ = decodeLokiMatrix(body, buckets, step)
		if byTrace, err := decodeJaegerSpans(body); err == nil {
			for id, spans := range byTrace {
				_ = summarize(id, spans)
			}
		}
		_, _ = sumMetrics(body)
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
