// Copyright The Hypha Authors
// SPDX-License-Identifier: Apache-2.0

// Jaeger: starting it, and reading traces back through its query API.

package harness

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
)

// Jaeger is a running Jaeger v2 with in-memory storage.
type Jaeger struct {
	*Process
	OTLPGRPC string // host:port of its OTLP/gRPC receiver
	QueryURL string // base URL of its query API
}

// StartJaeger starts Jaeger on free loopback ports.
func StartJaeger(dir, bin string) (*Jaeger, error) {
	var j *Jaeger
	err := onFreePorts(func() (err error) {
		j, err = startJaeger(dir, bin)
		return err
	})
	return j, err
}

func startJaeger(dir, bin string) (*Jaeger, error) {
	otlp, err := FreeAddr()
	if err != nil {
		return nil, err
	}
	query, err := FreeAddr()
	if err != nil {
		return nil, err
	}
	queryGRPC, err := FreeAddr()
	if err != nil {
		return nil, err
	}
	cfg := fmt.Sprintf(`service:
  extensions: [jaeger_storage, jaeger_query]
  pipelines:
    traces:
      receivers: [otlp]
      exporters: [jaeger_storage_exporter]
  telemetry:
    metrics:
      level: none
extensions:
  jaeger_storage:
    backends:
      memstore:
        memory:
          max_traces: 100000
  jaeger_query:
    # Jaeger would otherwise send traces about itself to 127.0.0.1:4317.
    enable_tracing: false
    storage:
      traces: memstore
    http:
      endpoint: %s
    grpc:
      endpoint: %s
receivers:
  otlp:
    protocols:
      grpc:
        endpoint: %s
exporters:
  jaeger_storage_exporter:
    trace_storage: memstore
`, query, queryGRPC, otlp)
	cfgPath := filepath.Join(dir, "jaeger.yaml")
	if err := os.WriteFile(cfgPath, []byte(cfg), 0o644); err != nil {
		return nil, err
	}
	p, err := Start(dir, "jaeger", bin, []string{"--config", cfgPath}, nil)
	if err != nil {
		return nil, err
	}
	j := &Jaeger{Process: p, OTLPGRPC: otlp, QueryURL: "http://" + query}
	if err := waitHealthy(p, j.QueryURL+"/api/services"); err != nil {
		return nil, err
	}
	return j, nil
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
