// Copyright The Hypha Authors
// SPDX-License-Identifier: Apache-2.0

package harness

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"net/url"
	"strconv"
)

// LogRecord is one record as VictoriaLogs returns it: every field is a string.
type LogRecord map[string]string

// Query runs a LogsQL query and returns every matching record. It flushes
// first, since fresh data is otherwise invisible for about 1.6 s.
func (v *VictoriaLogs) Query(query string) ([]LogRecord, error) {
	if _, err := Get(v.URL + "/internal/force_flush"); err != nil {
		return nil, err
	}
	body, err := Get(v.URL + "/select/logsql/query?" + url.Values{"query": {query}}.Encode())
	if err != nil {
		return nil, err
	}
	var out []LogRecord
	sc := bufio.NewScanner(bytes.NewReader(body))
	sc.Buffer(nil, 8<<20)
	for sc.Scan() {
		if len(bytes.TrimSpace(sc.Bytes())) == 0 {
			continue
		}
		var r LogRecord
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			return nil, fmt.Errorf("VictoriaLogs answer: %w", err)
		}
		out = append(out, r)
	}
	return out, sc.Err()
}

// Count returns how many records match a LogsQL filter.
func (v *VictoriaLogs) Count(filter string) (int, error) {
	recs, err := v.Query(filter + " | stats count() as n")
	if err != nil {
		return 0, err
	}
	if len(recs) == 0 {
		return 0, nil
	}
	return strconv.Atoi(recs[0]["n"])
}

// Span is a span as Jaeger's query API returns it, with its service resolved.
type Span struct {
	TraceID, SpanID, ParentID string
	Service, Operation        string
	StartMicros, DurMicros    int64
	Process                   map[string]string // the resource's string attributes
}

// Trace fetches one trace from Jaeger's /api/traces/<id>.
func (j *Jaeger) Trace(traceID string) ([]Span, error) {
	body, err := Get(j.QueryURL + "/api/traces/" + traceID)
	if err != nil {
		return nil, err
	}
	var resp struct {
		Data []struct {
			Spans []struct {
				TraceID       string `json:"traceID"`
				SpanID        string `json:"spanID"`
				OperationName string `json:"operationName"`
				ProcessID     string `json:"processID"`
				StartTime     int64  `json:"startTime"`
				Duration      int64  `json:"duration"`
				References    []struct {
					RefType string `json:"refType"`
					SpanID  string `json:"spanID"`
				} `json:"references"`
			} `json:"spans"`
			Processes map[string]struct {
				ServiceName string `json:"serviceName"`
				Tags        []struct {
					Key   string `json:"key"`
					Value any    `json:"value"`
				} `json:"tags"`
			} `json:"processes"`
		} `json:"data"`
	}
	if err := json.Unmarshal(body, &resp); err != nil {
		return nil, fmt.Errorf("Jaeger answer: %w", err)
	}
	var spans []Span
	for _, t := range resp.Data {
		for _, s := range t.Spans {
			sp := Span{
				TraceID: s.TraceID, SpanID: s.SpanID, Operation: s.OperationName,
				Service: t.Processes[s.ProcessID].ServiceName, StartMicros: s.StartTime, DurMicros: s.Duration,
				Process: map[string]string{},
			}
			for _, tag := range t.Processes[s.ProcessID].Tags {
				if v, ok := tag.Value.(string); ok {
					sp.Process[tag.Key] = v
				}
			}
			for _, ref := range s.References {
				if ref.RefType == "CHILD_OF" {
					sp.ParentID = ref.SpanID
				}
			}
			spans = append(spans, sp)
		}
	}
	return spans, nil
}
