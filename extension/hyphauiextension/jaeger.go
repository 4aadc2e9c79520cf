// Copyright The Hypha Authors
// SPDX-License-Identifier: Apache-2.0

package hyphauiextension // import "github.com/hypha-obs/hypha/extension/hyphauiextension"

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"
)

// jaeger reads traces from Jaeger's HTTP API v3, which answers OTLP JSON
// wrapped in {"result": ...}.
type jaeger struct{ c *storeClient }

// Span is one span as the API returns it.
type Span struct {
	SpanID       string            `json:"spanId"`
	ParentSpanID string            `json:"parentSpanId"`
	Name         string            `json:"name"`
	Service      string            `json:"service"`
	Kind         string            `json:"kind"`
	Start        time.Time         `json:"start"`
	End          time.Time         `json:"end"`
	DurationMs   float64           `json:"durationMs"`
	Status       SpanStatus        `json:"status"`
	Attributes   map[string]string `json:"attributes"`
	Resource     map[string]string `json:"resource"`
	Events       []SpanEvent       `json:"events"`
}

// SpanStatus is a span's status: ERROR, OK or UNSET.
type SpanStatus struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

// SpanEvent is an event of a span.
type SpanEvent struct {
	Time       time.Time         `json:"time"`
	Name       string            `json:"name"`
	Attributes map[string]string `json:"attributes"`
}

// TraceSummary is one trace of a search.
type TraceSummary struct {
	TraceID     string    `json:"traceId"`
	RootService string    `json:"rootService"`
	RootName    string    `json:"rootName"`
	Start       time.Time `json:"start"`
	DurationMs  float64   `json:"durationMs"`
	SpanCount   int       `json:"spanCount"`
	ErrorCount  int       `json:"errorCount"`
	Services    []string  `json:"services"`
}

// traceQuery is a trace search; every field has been validated.
type traceQuery struct {
	Service, Operation string
	MinDuration        time.Duration
	ErrorsOnly         bool
	Start, End         time.Time
	Limit              int
}

// errorsOnlyFactor widens a search for error traces, which are filtered
// here: the search of Jaeger's HTTP API v3 takes no attribute or status
// filter (query.attributes is not read in v1.75.0).
const errorsOnlyFactor = 5

// maxJaegerTraces bounds any one search sent to Jaeger.
const maxJaegerTraces = 1000

// trace fetches one trace, within [start, end) when both are set; a
// missing trace is an error wrapping errNotFound.
func (j jaeger) trace(ctx context.Context, traceID string, start, end time.Time) (map[string][]Span, error) {
	var params url.Values
	if !start.IsZero() && !end.IsZero() {
		params = url.Values{
			"start_time": {start.UTC().Format(time.RFC3339Nano)},
			"end_time":   {end.UTC().Format(time.RFC3339Nano)},
		}
	}
	body, err := j.c.get(ctx, "/api/v3/traces/"+traceID, params, nil)
	if err != nil {
		return nil, err
	}
	spans, err := decodeJaegerSpans(body)
	if err != nil {
		return nil, j.c.decodeError(err)
	}
	return spans, nil
}

// search finds traces; truncated says Jaeger may hold more than returned.
func (j jaeger) search(ctx context.Context, q traceQuery) ([]TraceSummary, bool, error) {
	n := q.Limit + 1
	if q.ErrorsOnly {
		n = min(q.Limit*errorsOnlyFactor, maxJaegerTraces)
	}
	params := url.Values{
		"query.service_name":   {q.Service},
		"query.start_time_min": {q.Start.UTC().Format(time.RFC3339Nano)},
		"query.start_time_max": {q.End.UTC().Format(time.RFC3339Nano)},
		"query.num_traces":     {strconv.Itoa(n)},
	}
	if q.Operation != "" {
		params.Set("query.operation_name", q.Operation)
	}
	if q.MinDuration > 0 {
		params.Set("query.duration_min", q.MinDuration.String())
	}
	body, err := j.c.get(ctx, "/api/v3/traces", params, nil)
	if err != nil {
		// Jaeger answers a search that finds nothing with 404.
		if isNotFound(err) {
			return nil, false, nil
		}
		return nil, false, err
	}
	byTrace, err := decodeJaegerSpans(body)
	if err != nil {
		return nil, false, j.c.decodeError(err)
	}
	var out []TraceSummary
	for id, spans := range byTrace {
		s := summarize(id, spans)
		if q.ErrorsOnly && s.ErrorCount == 0 {
			continue
		}
		out = append(out, s)
	}
	slices.SortFunc(out, func(a, b TraceSummary) int { return b.Start.Compare(a.Start) })
	truncated := len(out) > q.Limit || len(byTrace) >= n
	if len(out) > q.Limit {
		out = out[:q.Limit]
	}
	return out, truncated, nil
}

// summarize describes a trace by its root span: the one without a parent
// in the trace, else the earliest.
func summarize(id string, spans []Span) TraceSummary {
	s := TraceSummary{TraceID: id, SpanCount: len(spans)}
	ids := map[string]bool{}
	for _, sp := range spans {
		ids[sp.SpanID] = true
	}
	var root *Span
	var end time.Time
	services := map[string]bool{}
	for i := range spans {
		sp := &spans[i]
		services[sp.Service] = true
		if sp.Status.Code == "ERROR" {
			s.ErrorCount++
		}
		if sp.End.After(end) {
			end = sp.End
		}
		isRoot := sp.ParentSpanID == "" || !ids[sp.ParentSpanID]
		if isRoot && (root == nil || sp.Start.Before(root.Start)) {
			root = sp
		}
	}
	for name := range services {
		s.Services = append(s.Services, name)
	}
	slices.Sort(s.Services)
	if root != nil {
		s.RootService, s.RootName = root.Service, root.Name
		s.Start = root.Start
		for _, sp := range spans {
			if sp.Start.Before(s.Start) {
				s.Start = sp.Start
			}
		}
		s.DurationMs = float64(end.Sub(s.Start)) / float64(time.Millisecond)
	}
	return s
}

func (j jaeger) services(ctx context.Context) ([]string, error) {
	var answer struct {
		Services []string `json:"services"`
	}
	err := j.c.getJSON(ctx, "/api/v3/services", nil, &answer)
	return answer.Services, err
}

func (j jaeger) operations(ctx context.Context, service string) ([]string, error) {
	var answer struct {
		Operations []struct {
			Name string `json:"name"`
		} `json:"operations"`
	}
	if err := j.c.getJSON(ctx, "/api/v3/operations", url.Values{"service": {service}}, &answer); err != nil {
		return nil, err
	}
	var names []string
	for _, op := range answer.Operations {
		names = append(names, op.Name)
	}
	slices.Sort(names)
	return slices.Compact(names), nil
}

// decodeJaegerSpans reads {"result": <OTLP JSON>} into spans per trace id.
func decodeJaegerSpans(body []byte) (map[string][]Span, error) {
	var wrapper struct {
		Result json.RawMessage `json:"result"`
	}
	if err := json.Unmarshal(body, &wrapper); err != nil {
		return nil, err
	}
	if len(wrapper.Result) == 0 {
		return nil, fmt.Errorf("no result in the answer")
	}
	var um ptrace.JSONUnmarshaler
	traces, err := um.UnmarshalTraces(wrapper.Result)
	if err != nil {
		return nil, err
	}
	out := map[string][]Span{}
	for _, rs := range traces.ResourceSpans().All() {
		res := attrStrings(rs.Resource().Attributes())
		service := res["service.name"]
		for _, ss := range rs.ScopeSpans().All() {
			for _, sp := range ss.Spans().All() {
				id := sp.TraceID().String()
				out[id] = append(out[id], toSpan(sp, service, res))
			}
		}
	}
	return out, nil
}

func toSpan(sp ptrace.Span, service string, res map[string]string) Span {
	start, end := sp.StartTimestamp().AsTime().UTC(), sp.EndTimestamp().AsTime().UTC()
	s := Span{
		SpanID: sp.SpanID().String(), Name: sp.Name(), Service: service,
		Kind: strings.ToUpper(sp.Kind().String()), Start: start, End: end,
		DurationMs: float64(end.Sub(start)) / float64(time.Millisecond),
		Status:     SpanStatus{Code: strings.ToUpper(sp.Status().Code().String()), Message: sp.Status().Message()},
		Attributes: attrStrings(sp.Attributes()), Resource: res, Events: []SpanEvent{},
	}
	if !sp.ParentSpanID().IsEmpty() {
		s.ParentSpanID = sp.ParentSpanID().String()
	}
	for _, ev := range sp.Events().All() {
		s.Events = append(s.Events, SpanEvent{Time: ev.Timestamp().AsTime().UTC(), Name: ev.Name(), Attributes: attrStrings(ev.Attributes())})
	}
	return s
}

func attrStrings(m pcommon.Map) map[string]string {
	out := make(map[string]string, m.Len())
	for k, v := range m.All() {
		out[k] = v.AsString()
	}
	return out
}
