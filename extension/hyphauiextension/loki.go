// Copyright The Hypha Authors
// SPDX-License-Identifier: Apache-2.0

package hyphauiextension // import "github.com/hypha-obs/hypha/extension/hyphauiextension"

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Names under which Loki's OTLP endpoint keeps a record: service.name
// becomes the stream label service_name; the ids and the severity are
// structured metadata, never stream labels (a trace id as an index label
// is the cardinality mistake Loki's docs warn of).
const (
	lokiService  = "service_name"
	lokiTraceID  = "trace_id"
	lokiSpanID   = "span_id"
	lokiSeverity = "severity_text"
	lokiLevel    = "detected_level"
)

// lokiMaxEntries is Loki's default max_entries_limit_per_query: a larger
// limit is refused, so larger pages are cut there and say so.
const lokiMaxEntries = 5000

// lokiErrorFilter keeps error lines by their severity text.
const lokiErrorFilter = `| ` + lokiSeverity + `=~"(?i)(error|fatal|critical)"`

// loki reads logs with LogQL over /loki/api/v1/query_range.
type loki struct{ c *storeClient }

func (loki) kind() string { return storeLoki }
func (loki) name() string { return "Loki" }

// lokiQuery builds the LogQL log query of q.
func lokiQuery(q logQuery) string {
	var b strings.Builder
	if q.Service != "" {
		b.WriteString("{" + lokiService + "=" + quoteLogQL(q.Service) + "}")
	} else {
		b.WriteString("{" + lokiService + `=~".+"}`)
	}
	if q.TraceID != "" {
		b.WriteString(" | " + lokiTraceID + "=" + quoteLogQL(q.TraceID))
	}
	if q.SpanID != "" {
		b.WriteString(" | " + lokiSpanID + "=" + quoteLogQL(q.SpanID))
	}
	if q.Severity != "" {
		texts, _, _ := severityRange(q.Severity)
		b.WriteString(" | " + lokiSeverity + "=~" + quoteLogQL("(?i)("+strings.Join(texts, "|")+")"))
	}
	if q.ErrorsOnly {
		b.WriteString(" " + lokiErrorFilter)
	}
	if q.Text != "" {
		b.WriteString(" |= " + quoteLogQL(q.Text))
	}
	return b.String()
}

// lokiCountQueries are the metric queries of the overview: all lines and
// error lines per service, counted over each step.
func lokiCountQueries(step time.Duration) (total, errs string) {
	window := strconv.FormatInt(int64(step/time.Second), 10) + "s"
	sel := "{" + lokiService + `=~".+"}`
	total = "sum by (" + lokiService + ") (count_over_time(" + sel + " [" + window + "]))"
	errs = "sum by (" + lokiService + ") (count_over_time(" + sel + " " + lokiErrorFilter + " [" + window + "]))"
	return total, errs
}

// lokiHeader asks Loki to answer structured metadata apart from the stream
// labels (documented with the query_range endpoint).
var lokiHeader = http.Header{"X-Loki-Response-Encoding-Flags": {"categorize-labels"}}

func (l loki) search(ctx context.Context, q logQuery) ([]LogLine, bool, error) {
	limit := min(q.Limit+1, lokiMaxEntries)
	direction := "backward"
	if q.Ascending {
		direction = "forward"
	}
	params := url.Values{
		"query":     {lokiQuery(q)},
		"start":     {strconv.FormatInt(q.Start.UnixNano(), 10)},
		"end":       {strconv.FormatInt(q.End.UnixNano(), 10)},
		"limit":     {strconv.Itoa(limit)},
		"direction": {direction},
	}
	body, err := l.c.get(ctx, "/loki/api/v1/query_range", params, lokiHeader)
	if err != nil {
		return nil, false, err
	}
	lines, err := decodeLokiStreams(body)
	if err != nil {
		return nil, false, l.c.decodeError(err)
	}
	slices.SortStableFunc(lines, func(a, b LogLine) int {
		if q.Ascending {
			return a.Time.Compare(b.Time)
		}
		return b.Time.Compare(a.Time)
	})
	truncated := len(lines) > q.Limit || len(lines) == lokiMaxEntries
	if len(lines) > q.Limit {
		lines = lines[:q.Limit]
	}
	return lines, truncated, nil
}

// lokiAnswer is query_range's answer, streams or matrix.
type lokiAnswer struct {
	Status string `json:"status"`
	Data   struct {
		ResultType string            `json:"resultType"`
		Result     []json.RawMessage `json:"result"`
	} `json:"data"`
}

func decodeLokiAnswer(body []byte, want string) (lokiAnswer, error) {
	var a lokiAnswer
	if err := json.Unmarshal(body, &a); err != nil {
		return a, err
	}
	if a.Status != "success" {
		return a, fmt.Errorf("status %q", a.Status)
	}
	if a.Data.ResultType != want {
		return a, fmt.Errorf("result type %q, expected %q", a.Data.ResultType, want)
	}
	return a, nil
}

// decodeLokiStreams reads a streams answer. Each value is [ns, line] or,
// with categorized labels, [ns, line, {structuredMetadata, parsed}].
func decodeLokiStreams(body []byte) ([]LogLine, error) {
	a, err := decodeLokiAnswer(body, "streams")
	if err != nil {
		return nil, err
	}
	var lines []LogLine
	for _, raw := range a.Data.Result {
		var s struct {
			Stream map[string]string   `json:"stream"`
			Values [][]json.RawMessage `json:"values"`
		}
		if err := json.Unmarshal(raw, &s); err != nil {
			return nil, err
		}
		for _, v := range s.Values {
			line, err := lokiLine(s.Stream, v)
			if err != nil {
				return nil, err
			}
			lines = append(lines, line)
		}
	}
	return lines, nil
}

func lokiLine(stream map[string]string, v []json.RawMessage) (LogLine, error) {
	if len(v) < 2 {
		return LogLine{}, errors.New("a value has fewer than 2 elements")
	}
	var ts, body string
	if err := json.Unmarshal(v[0], &ts); err != nil {
		return LogLine{}, fmt.Errorf("timestamp: %w", err)
	}
	ns, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return LogLine{}, fmt.Errorf("timestamp %q: %w", ts, err)
	}
	if err := json.Unmarshal(v[1], &body); err != nil {
		return LogLine{}, fmt.Errorf("line: %w", err)
	}
	fields := map[string]string{}
	for k, val := range stream {
		fields[k] = val
	}
	if len(v) > 2 {
		var cat struct {
			StructuredMetadata map[string]string `json:"structuredMetadata"`
			Parsed             map[string]string `json:"parsed"`
		}
		if err := json.Unmarshal(v[2], &cat); err != nil {
			return LogLine{}, fmt.Errorf("labels: %w", err)
		}
		for k, val := range cat.StructuredMetadata {
			fields[k] = val
		}
		for k, val := range cat.Parsed {
			fields[k] = val
		}
	}
	l := LogLine{Time: time.Unix(0, ns).UTC(), Body: body, Fields: fields}
	l.Service = take(fields, lokiService)
	l.TraceID = take(fields, lokiTraceID)
	l.SpanID = take(fields, lokiSpanID)
	l.Severity = take(fields, lokiSeverity)
	if l.Severity == "" {
		l.Severity = fields[lokiLevel]
	}
	return l, nil
}

// take removes key from m and returns its value.
func take(m map[string]string, key string) string {
	v := m[key]
	delete(m, key)
	return v
}

func (l loki) counts(ctx context.Context, buckets []time.Time, step time.Duration) (map[string]*serviceOverview, error) {
	totalQ, errQ := lokiCountQueries(step)
	var totals, errs map[string][]int64
	err := concurrently(func() (err error) {
		totals, err = l.matrix(ctx, totalQ, buckets, step)
		return err
	}, func() (err error) {
		errs, err = l.matrix(ctx, errQ, buckets, step)
		return err
	})
	if err != nil {
		return nil, err
	}
	out := map[string]*serviceOverview{}
	for service, counts := range totals {
		for i, n := range counts {
			addCount(out, service, len(buckets), i, n, 0)
		}
	}
	for service, counts := range errs {
		for i, n := range counts {
			addCount(out, service, len(buckets), i, 0, n)
		}
	}
	return out, nil
}

// matrix runs a metric query evaluated at the end of every bucket, so the
// count at t covers (t-step, t], the bucket starting at t-step.
func (l loki) matrix(ctx context.Context, query string, buckets []time.Time, step time.Duration) (map[string][]int64, error) {
	params := url.Values{
		"query": {query},
		"start": {strconv.FormatInt(buckets[0].Add(step).UnixNano(), 10)},
		"end":   {strconv.FormatInt(buckets[len(buckets)-1].Add(step).UnixNano(), 10)},
		"step":  {strconv.FormatInt(int64(step/time.Second), 10)},
	}
	body, err := l.c.get(ctx, "/loki/api/v1/query_range", params, nil)
	if err != nil {
		return nil, err
	}
	out, err := decodeLokiMatrix(body, buckets, step)
	if err != nil {
		return nil, l.c.decodeError(err)
	}
	return out, nil
}

// decodeLokiMatrix reads a matrix answer: per series, [unix seconds, "n"].
func decodeLokiMatrix(body []byte, buckets []time.Time, step time.Duration) (map[string][]int64, error) {
	a, err := decodeLokiAnswer(body, "matrix")
	if err != nil {
		return nil, err
	}
	out := map[string][]int64{}
	for _, raw := range a.Data.Result {
		var s struct {
			Metric map[string]string   `json:"metric"`
			Values [][]json.RawMessage `json:"values"`
		}
		if err := json.Unmarshal(raw, &s); err != nil {
			return nil, err
		}
		counts := make([]int64, len(buckets))
		for _, v := range s.Values {
			if len(v) != 2 {
				return nil, errors.New("a sample is not [time, value]")
			}
			var sec float64
			var val string
			if err := json.Unmarshal(v[0], &sec); err != nil {
				return nil, fmt.Errorf("sample time: %w", err)
			}
			if err := json.Unmarshal(v[1], &val); err != nil {
				return nil, fmt.Errorf("sample value: %w", err)
			}
			n, err := strconv.ParseFloat(val, 64)
			if err != nil {
				return nil, fmt.Errorf("sample value %q: %w", val, err)
			}
			t := time.Unix(0, int64(sec*1e9)).Add(-step)
			// Float seconds lose nanoseconds: round to the bucket.
			if i := bucketIndex(buckets, step, t.Add(step/2)); i >= 0 {
				counts[i] += int64(n)
			}
		}
		out[s.Metric[lokiService]] = counts
	}
	return out, nil
}

func (l loki) services(ctx context.Context, start, end time.Time) ([]string, error) {
	params := url.Values{
		"start": {strconv.FormatInt(start.UnixNano(), 10)},
		"end":   {strconv.FormatInt(end.UnixNano(), 10)},
	}
	var answer struct {
		Status string   `json:"status"`
		Data   []string `json:"data"`
	}
	if err := l.c.getJSON(ctx, "/loki/api/v1/label/"+lokiService+"/values", params, &answer); err != nil {
		return nil, err
	}
	if answer.Status != "success" {
		return nil, l.c.decodeError(fmt.Errorf("status %q", answer.Status))
	}
	slices.Sort(answer.Data)
	return answer.Data, nil
}
