// Copyright The Hypha Authors
// SPDX-License-Identifier: Apache-2.0

package main

import (
	"os"
	"strings"
	"text/template"

	"github.com/hypha-obs/hypha/bench/ottlbaseline"
)

// Pipelines are the agent pipelines compared. They differ only in how the
// line is parsed; the rest follows the shipped agent's file_log pipeline:
// file_log with a checkpoint in file_storage, memory_limiter, the resource
// fallback for service.name, and the otlp_grpc exporter with the shipped
// compression, queue and batch settings. The shipped agent itself runs
// from the embedded configuration (shipped.go), not from this template.
var pipelines = []string{"raw", "hypha", "stanza", "ottl"}

// stockPipeline is the anchor of the durable agents: fault-tolerant log
// collection the way contrib's example documents it
// (examples/fault-tolerant-logs-collection): file_log with its checkpoints
// in file_storage, no processors, and an otlp_grpc exporter whose sending
// queue is in a second file_storage, everything else at its default (gzip,
// the default queue, no batching, the asynchronous stanza emitter), except
// that a full queue blocks.
const stockPipeline = "stock"

// Queues of the exporter the variants compare.
const (
	queueMemory = "memory" // in memory, as the comparison of parsers runs
	queueDisk   = "disk"   // in file_storage, as the agent shipped before end-to-end acknowledgement
	queueAck    = "ack"    // file offsets move once the sink acknowledged the lines (hypha_ack); the shipped agent only
)

// agentParams fills agentTemplate.
type agentParams struct {
	Pipeline    string // one of pipelines
	LinesFile   string
	StorageDir  string
	Sink        string // host:port of the sink's OTLP/gRPC receiver
	MetricsPort int
	Compression string
	// Queue is queueMemory or queueDisk; the two have the same size and
	// batching.
	Queue string
	// Fsync makes file_storage sync every write to disk.
	Fsync bool
}

// OTTL gives the template the transform statements.
func (agentParams) OTTL() []string { return ottlbaseline.Pino }

// newTemplate parses text together with the metrics block both configs share:
// the collector's own metrics in Prometheus format on a loopback port, as the
// shipped configs expose them.
func newTemplate(name, text string) *template.Template {
	t := template.Must(template.New(name).Funcs(template.FuncMap{"quote": yamlQuote}).Parse(text))
	template.Must(t.New("metrics").Parse(`
    metrics:
      level: normal
      readers:
        - pull:
            exporter:
              prometheus:
                host: 127.0.0.1
                port: {{.MetricsPort}}`))
	return t
}

var agentTemplate = newTemplate("agent", `# pipebench agent, pipeline {{.Pipeline}}
{{- if eq .Pipeline "stock"}}
{{template "stock" .}}
{{- else}}
extensions:
  file_storage:
    directory: {{quote .StorageDir}}
    create_directory: true
{{- if .Fsync}}
    fsync: true
{{- end}}

receivers:
  file_log:
    include: [{{quote .LinesFile}}]
    start_at: beginning
    storage: file_storage
    include_file_name: false
    include_file_path: true
    retry_on_failure:
      enabled: true
      initial_interval: 1s
      max_interval: 5s
      max_elapsed_time: 0s
{{- if eq .Pipeline "stanza"}}
    # The stock recipe: parse the JSON line into attributes, then take the
    # trace context, severity and time from the parsed fields.
    operators:
      - type: json_parser
        trace:
          trace_id:
            parse_from: attributes.trace_id
          span_id:
            parse_from: attributes.span_id
          trace_flags:
            parse_from: attributes.trace_flags
        severity:
          parse_from: attributes.level
          mapping:
            trace: 10
            debug: 20
            info: 30
            warn: 40
            error: 50
            fatal: 60
        timestamp:
          parse_from: attributes.time
          layout_type: epoch
          layout: ms
{{- end}}

processors:
  memory_limiter:
    check_interval: 1s
    limit_percentage: 80
    spike_limit_percentage: 20
  resource:
    attributes:
      - key: service.name
        value: unknown_service
        action: insert
{{- if eq .Pipeline "hypha"}}
  hypha_correlation: {}
{{- end}}
{{- if eq .Pipeline "ottl"}}
  transform:
    error_mode: ignore
    log_statements:
      - context: log
        statements:
{{- range .OTTL}}
          - {{quote .}}
{{- end}}
{{- end}}

exporters:
  otlp_grpc:
    endpoint: {{.Sink}}
    tls:
      insecure: true
    compression: {{.Compression}}
    sending_queue:
      enabled: true
{{- if eq .Queue "disk"}}
      storage: file_storage
{{- end}}
      sizer: bytes
      queue_size: 1073741824
      num_consumers: 4
      batch:
        flush_timeout: 200ms
        sizer: bytes
        min_size: 1048576
        max_size: 4194304
    retry_on_failure:
      enabled: true
      initial_interval: 1s
      max_interval: 10s
      max_elapsed_time: 0s

service:
  extensions: [file_storage]
  pipelines:
    logs:
      receivers: [file_log]
      processors: [memory_limiter,{{if eq .Pipeline "hypha"}} hypha_correlation,{{end}}{{if eq .Pipeline "ottl"}} transform,{{end}} resource]
      exporters: [otlp_grpc]
  telemetry:
{{- template "metrics" .}}
{{- end}}
`)

func init() {
	template.Must(agentTemplate.New("stock").Parse(`extensions:
  file_storage/filelogreceiver:
    directory: {{quote (print .StorageDir "/receiver")}}
    create_directory: true
  file_storage/otlpoutput:
    directory: {{quote (print .StorageDir "/output")}}
    create_directory: true

receivers:
  file_log:
    include: [{{quote .LinesFile}}]
    start_at: beginning
    storage: file_storage/filelogreceiver

exporters:
  otlp_grpc:
    endpoint: {{.Sink}}
    tls:
      insecure: true
    sending_queue:
      storage: file_storage/otlpoutput
      # The one change from the example: at its defaults a full queue
      # refuses batches and file_log, which does not retry by default,
      # drops them (14 500 of 300 000 lines in a trial run).
      block_on_overflow: true

service:
  extensions: [file_storage/filelogreceiver, file_storage/otlpoutput]
  pipelines:
    logs:
      receivers: [file_log]
      exporters: [otlp_grpc]
  telemetry:
{{- template "metrics" .}}`))
}

// sinkParams fills sinkTemplate.
type sinkParams struct {
	Endpoint    string
	MetricsPort int
	// File, when set, makes the sink write every record as OTLP JSON there
	// (check runs); otherwise it only counts them.
	File string
}

// The sink does as little as it honestly can: the debug exporter at basic
// verbosity logs one short line per sampled batch and nothing per record.
// Its receiver's accepted-records counter tells when everything arrived.
// The message limit is raised above gRPC's default 4 MiB because a batch of
// up to 8192 stanza records, which carry every parsed field as attributes
// besides the line, may exceed it; the sink's limits are not under test.
var sinkTemplate = newTemplate("sink", `# pipebench sink
receivers:
  otlp:
    protocols:
      grpc:
        endpoint: {{.Endpoint}}
        max_recv_msg_size_mib: 64

exporters:
{{- if .File}}
  file:
    path: {{quote .File}}
    format: json
{{- else}}
  debug:
    verbosity: basic
    sampling_initial: 1
    sampling_thereafter: 1000
{{- end}}

service:
  pipelines:
    logs:
      receivers: [otlp]
      exporters: [{{if .File}}file{{else}}debug{{end}}]
  telemetry:
    logs:
      level: warn
{{- template "metrics" .}}
`)

// yamlQuote writes s as a single-quoted YAML scalar.
func yamlQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", "''") + "'"
}

// writeConfig renders t with data into path.
func writeConfig(path string, t *template.Template, data any) error {
	var b strings.Builder
	if err := t.Execute(&b, data); err != nil {
		return err
	}
	return os.WriteFile(path, []byte(b.String()), 0o644)
}
