// Copyright The Hypha Authors
// SPDX-License-Identifier: Apache-2.0

package extract

// builtinField returns the meaning of a built-in top-level key: the
// spellings the switch names exactly, then the vocabulary of trace-context
// keys (see vocabRow). The compiler turns the switch into a search on
// length and content, which is cheaper than any table lookup here: it runs
// once per key of every line, and most keys leave the vocabulary at
// vocabEnding's two look-ups.
func builtinField(key string) Field {
	switch key {
	// OpenTelemetry names in the spellings loggers use.
	case "trace_id", "traceId", "TraceId", "otelTraceID", "operation_Id": // the last: Application Insights
		return fieldTraceID
	case "span_id", "spanId", "SpanId", "otelSpanID":
		return fieldSpanID
	case "trace_flags", "traceFlags", "TraceFlags":
		return fieldTraceFlags
	case "otelTraceSampled", "trace_sampled":
		return fieldSampled
	case "traceparent":
		return fieldTraceparent
	case "b3", "B3": // Zipkin's single header, too short for the vocabulary's look-up
		return fieldB3Single
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
	if vocabEnding(key) {
		return vocabField(key)
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

// Classify returns the meaning of a top-level key, FieldNone for keys that do
// not matter. Built-in keys come first: a configured key never changes what
// a built-in key, the vocabulary's included, means. (It is just small
// enough for the compiler to inline at every key; comparing the map with
// nil rather than asking its length keeps it so.)
func (e *Extractor) Classify(key string) Field {
	if f := builtinField(key); f != FieldNone || e.customKeys == nil {
		return f
	}
	return e.customKeys[key]
}

// contextField returns the meaning of key when it is a trace-context key
// (an id, flags or a header), FieldNone for any other: inside nested
// objects only trace context is read.
func (e *Extractor) contextField(key string) Field {
	if f := e.Classify(key); f.isContext() {
		return f
	}
	return FieldNone
}

// ClassifyIn returns the meaning of a key inside the object found under a
// key of Field parent (see Field.Nested); FieldNone otherwise. The members
// the parent gives a meaning of its own ("id" inside "trace") come first;
// in any container but the service and log objects, a trace-context key
// means what it means at the top level.
func (e *Extractor) ClassifyIn(parent Field, key string) Field {
	if f := memberField(parent, key); f != FieldNone {
		return f
	}
	switch parent {
	case fieldService, fieldLogObject, fieldSkip, FieldNone:
		return FieldNone
	}
	return e.contextField(key)
}

// memberField returns the meaning a parent object gives its member key.
func memberField(parent Field, key string) Field {
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

// Container returns what a map or array value under key, of Field f
// (Classify's or ClassifyIn's answer), is to a caller walking maps: f
// itself when it is one of the objects with known members (see
// Field.Nested), else a container read for trace-context keys only, at
// any depth, into a Nested result, or one to skip (parent, links, …). It
// is the JSON scanner's rule.
func (e *Extractor) Container(key string, f Field) Field {
	if f.Nested() {
		return f
	}
	return containerField(key, f)
}

// Walked reports whether a container of Field f, as Container returns
// it, is read into a Nested result.
func (f Field) Walked() bool { return f == fieldContainer }
