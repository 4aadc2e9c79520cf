// Copyright The Hypha Authors
// SPDX-License-Identifier: Apache-2.0

package extract

// Format names the shape of log text that supplied the trace context.
type Format uint8

const (
	formatNone Format = iota
	formatJSON
	formatJSONECS
	formatJSONDatadog
	formatJSONGCP
	formatJSONDotnetScopes
	formatJSONSerilog
	formatZapConsole
	formatLogfmt
	formatSyslogSD
	formatLTSV
	formatSpring
	formatSleuth
	formatTraceparent
	formatXRay
	formatKeyColon
	formatDotnetScopes
	formatB3
	formatUberTraceID
	formatSentryTrace
	formatCloudTraceContext
	formatJavaExporter
	formatNRLinking
	formatEnvoyHeader
	FormatOTLPMap
	FormatOTLPAttributes
)

var formatNames = [...]string{
	formatNone:              "none",
	formatJSON:              "json",
	formatJSONECS:           "json_ecs",
	formatJSONDatadog:       "json_datadog",
	formatJSONGCP:           "json_gcp",
	formatJSONDotnetScopes:  "json_dotnet_scopes",
	formatJSONSerilog:       "json_serilog",
	formatZapConsole:        "zap_console",
	formatLogfmt:            "logfmt",
	formatSyslogSD:          "syslog_sd",
	formatLTSV:              "ltsv",
	formatSpring:            "spring",
	formatSleuth:            "sleuth",
	formatTraceparent:       "traceparent",
	formatXRay:              "xray",
	formatKeyColon:          "key_colon",
	formatDotnetScopes:      "dotnet_scopes",
	formatB3:                "b3",
	formatUberTraceID:       "uber_trace_id",
	formatSentryTrace:       "sentry_trace",
	formatCloudTraceContext: "cloud_trace_context",
	formatJavaExporter:      "otel_java_exporter",
	formatNRLinking:         "newrelic_linking",
	formatEnvoyHeader:       "envoy_header",
	FormatOTLPMap:           "otlp_map",
	FormatOTLPAttributes:    "otlp_attributes",
}

// String returns a short, stable, lower-case name fit for a metric attribute.
func (f Format) String() string {
	if int(f) < len(formatNames) {
		return formatNames[f]
	}
	return "unknown"
}
