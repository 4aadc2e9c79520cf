// Copyright The Hypha Authors
// SPDX-License-Identifier: Apache-2.0

package extract

// Field is what a key means. Classify and ClassifyIn map key names to Fields;
// the Result.Set methods interpret a value according to its Field. The JSON
// and text scanners and a caller walking a map all go through these, so one
// table decides what every key means.
type Field uint8

const (
	FieldNone Field = iota

	fieldTraceID          // 32 or 16 hex digits
	fieldSpanID           // 16 hex digits
	fieldTraceFlags       // W3C flags: "01" or a number
	fieldSampled          // a boolean: true → flags 01, false → 00
	fieldECSTraceID       // trace.id, "trace":{"id"}
	fieldECSSpanID        // span.id, "span":{"id"}
	fieldECSTransactionID // transaction.id: a span id used only when there is no span.id
	fieldDatadogTraceID   // decimal uint64 (lower 64 bits) or 32 hex digits
	fieldDatadogSpanID    // decimal uint64, or 16 hex digits with a hex letter
	fieldDatadogTraceHigh // _dd.p.tid: the upper 64 bits of a 128-bit trace id, 16 hex digits
	fieldGCPTrace         // "projects/<p>/traces/<hex>" or bare hex
	fieldGCPSpanID        // 16 hex digits
	fieldSerilogTraceID   // @tr
	fieldSerilogSpanID    // @sp
	fieldScopeTraceID     // TraceId inside a .NET "Scopes" entry
	fieldScopeSpanID      // SpanId inside a .NET "Scopes" entry
	fieldTraceparent      // a whole W3C traceparent value
	fieldXRayTrace        // an X-Ray trace id, or a whole X-Amzn-Trace-Id value
	fieldLevel            // level name or pino/bunyan number
	fieldSeverityNumber   // OTLP severityNumber (1-24)
	fieldTime             // RFC 3339 or epoch
	fieldCLEFTime         // Serilog "@t": a time that also implies CLEF's default level
	fieldService          // service name; as an object, its "name" member
	fieldBunyanName       // bunyan "name": the service only together with "v"
	fieldBunyanVersion    // bunyan "v"

	// Keys whose value is an object (or, for Scopes, an array of objects)
	// with known members: see ClassifyIn.
	fieldTraceObject
	fieldSpanObject
	fieldTransactionObject
	fieldDatadogObject
	fieldLogObject
	fieldScopes
	fieldSpanList // tracing-subscriber's "spans": the innermost (last) entry is read
)

// Nested reports whether a map or array value under this key is worth
// walking with ClassifyIn. Only one level is: the members of a nested object
// are never containers themselves.
func (f Field) Nested() bool {
	return f == fieldService || f >= fieldTraceObject
}

// builtinField returns the meaning of a built-in top-level key. The
// compiler turns the switch into a search on length and content, which is
// cheaper than any table lookup here: it runs once per key of every line.
func builtinField(key string) Field {
	switch key {
	// OpenTelemetry names in the spellings loggers use.
	case "trace_id", "traceId", "TraceId", "otelTraceID":
		return fieldTraceID
	case "span_id", "spanId", "SpanId", "otelSpanID":
		return fieldSpanID
	case "trace_flags", "traceFlags", "TraceFlags":
		return fieldTraceFlags
	case "otelTraceSampled", "trace_sampled":
		return fieldSampled
	case "traceparent":
		return fieldTraceparent
	// AWS X-Ray: Powertools for AWS Lambda, and the trace header by name.
	case "xray_trace_id", "X-Amzn-Trace-Id", "x-amzn-trace-id":
		return fieldXRayTrace
	// Elastic Common Schema.
	case "trace.id":
		return fieldECSTraceID
	case "span.id":
		return fieldECSSpanID
	case "transaction.id":
		return fieldECSTransactionID
	case "trace":
		return fieldTraceObject
	case "span":
		return fieldSpanObject
	case "spans":
		return fieldSpanList
	case "transaction":
		return fieldTransactionObject
	// Datadog.
	case "dd.trace_id":
		return fieldDatadogTraceID
	case "dd.span_id":
		return fieldDatadogSpanID
	case "_dd.p.tid", "dd.p.tid":
		return fieldDatadogTraceHigh
	case "dd.service":
		return fieldService
	case "dd":
		return fieldDatadogObject
	// Google Cloud Logging special fields.
	case "logging.googleapis.com/trace":
		return fieldGCPTrace
	case "logging.googleapis.com/spanId":
		return fieldGCPSpanID
	case "logging.googleapis.com/trace_sampled":
		return fieldSampled
	// Serilog compact (CLEF) and .NET JSON console.
	case "@tr":
		return fieldSerilogTraceID
	case "@sp":
		return fieldSerilogSpanID
	case "@t":
		return fieldCLEFTime
	case "@l":
		return fieldLevel
	case "Scopes":
		return fieldScopes
	// Severity.
	case "level", "severity", "lvl", "log.level", "LogLevel", "levelname", "severityText":
		return fieldLevel
	case "severityNumber":
		return fieldSeverityNumber
	case "log":
		return fieldLogObject
	// Time.
	case "time", "timestamp", "ts", "@timestamp", "Timestamp", "timeUnixNano":
		return fieldTime
	// Service.
	case "service", "service.name", "service_name", "resource.service.name", "otelServiceName":
		return fieldService
	case "name":
		return fieldBunyanName
	case "v":
		return fieldBunyanVersion
	}
	return FieldNone
}

// What the configured key lists hold, in BuiltinKeyHolds's words.
const (
	HoldsTraceID    = "the trace id"
	HoldsSpanID     = "the span id"
	HoldsTraceFlags = "the trace flags"
)

// BuiltinKeyHolds says what a built-in top-level key holds, in words fit for
// a configuration error, or "" when key is not built in. Keys of one kind
// share one phrase: every trace id key holds HoldsTraceID. A built-in key
// keeps its meaning whatever the configuration says (see New).
func BuiltinKeyHolds(key string) string {
	return builtinField(key).holds()
}

// holds says what a value of Field f holds, in BuiltinKeyHolds's words; ""
// for FieldNone.
func (f Field) holds() string {
	switch f {
	case fieldTraceID, fieldECSTraceID, fieldDatadogTraceID, fieldGCPTrace, fieldSerilogTraceID, fieldScopeTraceID, fieldXRayTrace, fieldDatadogTraceHigh:
		return HoldsTraceID
	case fieldSpanID, fieldECSSpanID, fieldECSTransactionID, fieldDatadogSpanID, fieldGCPSpanID, fieldSerilogSpanID, fieldScopeSpanID:
		return HoldsSpanID
	case fieldTraceFlags, fieldSampled:
		return HoldsTraceFlags
	case fieldTraceparent:
		return "a W3C traceparent"
	case fieldLevel, fieldSeverityNumber:
		return "the level"
	case fieldTime, fieldCLEFTime:
		return "the time"
	case fieldService, fieldBunyanName:
		return "the service name"
	case fieldBunyanVersion:
		return "bunyan's format version"
	case fieldTraceObject:
		return "an object holding the trace id"
	case fieldSpanObject:
		return "an object holding the span id"
	case fieldTransactionObject:
		return "an object holding the ECS transaction id"
	case fieldDatadogObject:
		return "Datadog's object of trace context"
	case fieldLogObject:
		return "an object holding the level"
	case fieldScopes:
		return ".NET's logging scopes"
	case fieldSpanList:
		return "the open spans, innermost last"
	}
	return ""
}

// Classify returns the meaning of a top-level key, FieldNone for keys that do
// not matter. Built-in keys come first: a configured key never changes what
// a built-in key means. (It is just small enough for the compiler to inline
// at every key; comparing the map with nil rather than asking its length
// keeps it so.)
func (e *Extractor) Classify(key string) Field {
	if f := builtinField(key); f != FieldNone || e.customKeys == nil {
		return f
	}
	return e.customKeys[key]
}

// ClassifyIn returns the meaning of a key inside the object found under a
// top-level key of Field parent (see Field.Nested); FieldNone otherwise.
func (e *Extractor) ClassifyIn(parent Field, key string) Field {
	switch parent {
	case fieldTraceObject:
		if key == "id" {
			return fieldECSTraceID
		}
	case fieldSpanObject, fieldSpanList:
		// ECS's "span":{"id"}; tracing-subscriber's JSON layer nests the
		// fields of the current span, OTel ids among them, under "span",
		// and of every open span under "spans".
		switch key {
		case "id":
			if parent == fieldSpanObject {
				return fieldECSSpanID
			}
		case "trace_id":
			return fieldTraceID
		case "span_id":
			return fieldSpanID
		}
	case fieldTransactionObject:
		if key == "id" {
			return fieldECSTransactionID
		}
	case fieldDatadogObject:
		switch key {
		case "trace_id":
			return fieldDatadogTraceID
		case "span_id":
			return fieldDatadogSpanID
		case "_dd.p.tid":
			return fieldDatadogTraceHigh
		case "service":
			return fieldService
		}
	case fieldService:
		if key == "name" {
			return fieldService
		}
	case fieldLogObject:
		if key == "level" {
			return fieldLevel
		}
	case fieldScopes:
		switch key {
		case "TraceId":
			return fieldScopeTraceID
		case "SpanId":
			return fieldScopeSpanID
		}
	}
	return FieldNone
}

// jsonFormat names the JSON dialect a trace or span key belongs to.
func (f Field) jsonFormat() Format {
	switch f {
	case fieldECSTraceID, fieldECSSpanID, fieldECSTransactionID:
		return formatJSONECS
	case fieldDatadogTraceID, fieldDatadogSpanID, fieldDatadogTraceHigh:
		return formatJSONDatadog
	case fieldGCPTrace, fieldGCPSpanID:
		return formatJSONGCP
	case fieldSerilogTraceID, fieldSerilogSpanID:
		return formatJSONSerilog
	case fieldScopeTraceID, fieldScopeSpanID:
		return formatJSONDotnetScopes
	case fieldTraceparent:
		return formatTraceparent
	case fieldXRayTrace:
		return formatXRay
	}
	return formatJSON
}
