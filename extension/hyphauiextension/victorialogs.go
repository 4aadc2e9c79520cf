// Copyright The Hypha Authors
// SPDX-License-Identifier: Apache-2.0

package hyphauiextension // import "github.com/hypha-obs/hypha/extension/hyphauiextension"

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// VictoriaLogs' field names for what its OTLP endpoint ingests: the body is
// _msg, resource attributes keep their dotted names.
const (
	vlTime     = "_time"
	vlMsg      = "_msg"
	vlService  = "service.name"
	vlSeverity = "severity_text"
	vlSevNum   = "severity_number"
	vlTraceID  = "trace_id"
	vlSpanID   = "span_id"
)

// maxServices bounds the services the overview and the service list show.
const maxServices = 1000

// victoriaLogs reads logs with LogsQL over /select/logsql/query.
type victoriaLogs struct{ c *storeClient }

func (victoriaLogs) kind() string { return storeVictoriaLogs }
func (victoriaLogs) name() string { return "VictoriaLogs" }

// vlFilter builds the LogsQL filter of q (without the time range, which
// goes in the start and end arguments).
func vlFilter(q logQuery) string {
	parts := []string{"*"}
	if q.Service != "" {
		parts = append(parts, quoteLogsQL(vlService)+":="+quoteLogsQL(q.Service))
	}
	if q.TraceID != "" {
		parts = append(parts, vlTraceID+":="+quoteLogsQL(q.TraceID))
	}
	if q.SpanID != "" {
		parts = append(parts, vlSpanID+":="+quoteLogsQL(q.SpanID))
	}
	if q.Severity != "" {
		parts = append(parts, vlSeverityFilter(q.Severity))
	}
	if q.ErrorsOnly {
		parts = append(parts, vlErrorFilter)
	}
	if q.Text != "" {
		// A phrase filter on the body: the words of the text, in order.
		parts = append(parts, vlMsg+":"+quoteLogsQL(q.Text))
	}
	if len(parts) > 1 {
		parts = parts[1:]
	}
	return strings.Join(parts, " ")
}

// vlErrorFilter keeps error lines: by their severity text, or their
// severity number (17 is ERROR) when the text is missing.
var vlErrorFilter = `(` + vlSeverity + `:~"(?i)^(error|fatal|critical)$" or ` + vlSevNum + `:range[17, 24])`

// vlSeverityFilter matches a severity by text, or by its number range.
func vlSeverityFilter(sev string) string {
	texts, lo, hi := severityRange(sev)
	return fmt.Sprintf(`(%s:~%s or %s:range[%d, %d])`, vlSeverity, quoteLogsQL("(?i)^("+strings.Join(texts, "|")+")$"), vlSevNum, lo, hi)
}

func (v victoriaLogs) search(ctx context.Context, q logQuery) ([]LogLine, bool, error) {
	order := "_time desc"
	if q.Ascending {
		order = "_time"
	}
	query := fmt.Sprintf("%s | sort by (%s) | limit %d", vlFilter(q), order, q.Limit+1)
	rows, err := v.query(ctx, query, q.Start, q.End)
	if err != nil {
		return nil, false, err
	}
	lines := make([]LogLine, 0, len(rows))
	for _, r := range rows {
		lines = append(lines, vlLine(r))
	}
	truncated := len(lines) > q.Limit
	if truncated {
		lines = lines[:q.Limit]
	}
	return lines, truncated, nil
}

// vlLine turns one answer row into a LogLine; the fields the line has
// beyond the named ones go to Fields.
func vlLine(r map[string]string) LogLine {
	l := LogLine{Body: r[vlMsg], Severity: r[vlSeverity], Service: r[vlService], TraceID: r[vlTraceID], SpanID: r[vlSpanID], Fields: map[string]string{}}
	l.Time, _ = time.Parse(time.RFC3339Nano, r[vlTime])
	for k, val := range r {
		switch k {
		case vlTime, vlMsg, vlSeverity, vlService, vlTraceID, vlSpanID, "_stream_id":
		default:
			l.Fields[k] = val
		}
	}
	return l
}

// query runs a LogsQL query over [start, end) and decodes the JSON lines.
func (v victoriaLogs) query(ctx context.Context, query string, start, end time.Time) ([]map[string]string, error) {
	params := url.Values{
		"query": {query},
		"start": {start.UTC().Format(time.RFC3339Nano)},
		// VictoriaLogs' end is inclusive; one nanosecond less keeps
		// adjacent ranges apart.
		"end": {end.Add(-time.Nanosecond).UTC().Format(time.RFC3339Nano)},
	}
	body, err := v.c.get(ctx, "/select/logsql/query", params, nil)
	if err != nil {
		return nil, err
	}
	rows, err := decodeJSONLines(body)
	if err != nil {
		return nil, v.c.decodeError(err)
	}
	return rows, nil
}

// decodeJSONLines reads VictoriaLogs' answer: one JSON object of string
// fields per line.
func decodeJSONLines(body []byte) ([]map[string]string, error) {
	var rows []map[string]string
	sc := bufio.NewScanner(bytes.NewReader(body))
	sc.Buffer(nil, maxAnswerBytes)
	for sc.Scan() {
		line := bytes.TrimSpace(sc.Bytes())
		if len(line) == 0 {
			continue
		}
		var r map[string]string
		if err := json.Unmarshal(line, &r); err != nil {
			return nil, err
		}
		rows = append(rows, r)
	}
	return rows, sc.Err()
}

func (v victoriaLogs) counts(ctx context.Context, buckets []time.Time, step time.Duration) (map[string]*serviceOverview, error) {
	start, end := buckets[0], buckets[len(buckets)-1].Add(step)
	query := fmt.Sprintf(`* | stats by (_time:%ds, %s) count() as total, count() if (%s) as errors`,
		int64(step/time.Second), quoteLogsQL(vlService), vlErrorFilter)
	rows, err := v.query(ctx, query, start, end)
	if err != nil {
		return nil, err
	}
	out := map[string]*serviceOverview{}
	for _, r := range rows {
		t, err := time.Parse(time.RFC3339Nano, r[vlTime])
		if err != nil {
			return nil, v.c.decodeError(fmt.Errorf("bucket time %q: %w", r[vlTime], err))
		}
		i := bucketIndex(buckets, step, t)
		if i < 0 {
			continue
		}
		total, err1 := strconv.ParseInt(r["total"], 10, 64)
		errs, err2 := strconv.ParseInt(r["errors"], 10, 64)
		if err1 != nil || err2 != nil {
			return nil, v.c.decodeError(fmt.Errorf("counts %q, %q are not numbers", r["total"], r["errors"]))
		}
		addCount(out, r[vlService], len(buckets), i, total, errs)
	}
	return out, nil
}

func (v victoriaLogs) services(ctx context.Context, start, end time.Time) ([]string, error) {
	params := url.Values{
		"query": {"*"},
		"field": {vlService},
		"start": {start.UTC().Format(time.RFC3339Nano)},
		"end":   {end.UTC().Format(time.RFC3339Nano)},
		"limit": {strconv.Itoa(maxServices)},
	}
	var answer struct {
		Values []struct {
			Value string `json:"value"`
		} `json:"values"`
	}
	if err := v.c.getJSON(ctx, "/select/logsql/field_values", params, &answer); err != nil {
		return nil, err
	}
	var names []string
	for _, val := range answer.Values {
		if val.Value != "" {
			names = append(names, val.Value)
		}
	}
	slices.Sort(names)
	return names, nil
}
