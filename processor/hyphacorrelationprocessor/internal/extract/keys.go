package extract

// Field is what a key means. Classify and ClassifyIn map key names to Fields;
// the Result.Set methods interpret a value according to its Field. The JSON
// and text scanners and a caller walking a map all go through these, so one
// table decides what every key means.
type Field uint8

const (
	FieldNone Field = iota

	FieldTraceID          // 32 or 16 hex digits
	FieldSpanID           // 16 hex digits
	FieldTraceFlags       // W3C flags: "01" or a number
	FieldSampled          // a boolean: true → flags 01, false → 00
	FieldECSTraceID       // trace.id, "trace":{"id"}
	FieldECSSpanID        // span.id, "span":{"id"}
	FieldECSTransactionID // transaction.id: a span id used only when there is no span.id
	FieldDatadogTraceID   // decimal uint64 (lower 64 bits) or 32 hex digits
	FieldDatadogSpanID    // decimal uint64
	FieldGCPTrace         // "projects/<p>/traces/<hex>" or bare hex
	FieldGCPSpanID        // 16 hex digits
	FieldSerilogTraceID   // @tr
	FieldSerilogSpanID    // @sp
	FieldScopeTraceID     // TraceId inside a .NET "Scopes" entry
	FieldScopeSpanID      // SpanId inside a .NET "Scopes" entry
	FieldTraceparent      // a whole W3C traceparent value
	FieldLevel            // level name or pino/bunyan number
	FieldSeverityNumber   // OTLP severityNumber (1-24)
	FieldTime             // RFC 3339 or epoch
	FieldCLEFTime         // Serilog "@t": a time that also implies CLEF's default level
	FieldService          // service name; as an object, its "name" member
	FieldBunyanName       // bunyan "name": the service only together with "v"
	FieldBunyanVersion    // bunyan "v"

	// Keys whose value is an object (or, for Scopes, an array of objects)
	// with known members: see ClassifyIn.
	FieldTraceObject
	FieldSpanObject
	FieldTransactionObject
	FieldDatadogObject
	FieldLogObject
	FieldScopes
)

// Nested reports whether a map or array value under this key is worth
// walking with ClassifyIn. Only one level is: the members of a nested object
// are never containers themselves.
func (f Field) Nested() bool {
	return f == FieldService || f >= FieldTraceObject
}

// builtinField returns the meaning of a built-in top-level key. The
// compiler turns the switch into a search on length and content, which is
// cheaper than any table lookup here: it runs once per key of every line.
func builtinField(key string) Field {
	switch key {
	// OpenTelemetry names in the spellings loggers use.
	case "trace_id", "traceId", "TraceId", "otelTraceID":
		return FieldTraceID
	case "span_id", "spanId", "SpanId", "otelSpanID":
		return FieldSpanID
	case "trace_flags", "traceFlags", "TraceFlags":
		return FieldTraceFlags
	case "otelTraceSampled", "trace_sampled":
		return FieldSampled
	case "traceparent":
		return FieldTraceparent
	// Elastic Common Schema.
	case "trace.id":
		return FieldECSTraceID
	case "span.id":
		return FieldECSSpanID
	case "transaction.id":
		return FieldECSTransactionID
	case "trace":
		return FieldTraceObject
	case "span":
		return FieldSpanObject
	case "transaction":
		return FieldTransactionObject
	// Datadog.
	case "dd.trace_id":
		return FieldDatadogTraceID
	case "dd.span_id":
		return FieldDatadogSpanID
	case "dd.service":
		return FieldService
	case "dd":
		return FieldDatadogObject
	// Google Cloud Logging special fields.
	case "logging.googleapis.com/trace":
		return FieldGCPTrace
	case "logging.googleapis.com/spanId":
		return FieldGCPSpanID
	case "logging.googleapis.com/trace_sampled":
		return FieldSampled
	// Serilog compact (CLEF) and .NET JSON console.
	case "@tr":
		return FieldSerilogTraceID
	case "@sp":
		return FieldSerilogSpanID
	case "@t":
		return FieldCLEFTime
	case "@l":
		return FieldLevel
	case "Scopes":
		return FieldScopes
	// Severity.
	case "level", "severity", "lvl", "log.level", "LogLevel", "levelname", "severityText":
		return FieldLevel
	case "severityNumber":
		return FieldSeverityNumber
	case "log":
		return FieldLogObject
	// Time.
	case "time", "timestamp", "ts", "@timestamp", "Timestamp", "timeUnixNano":
		return FieldTime
	// Service.
	case "service", "service.name", "service_name", "resource.service.name", "otelServiceName":
		return FieldService
	case "name":
		return FieldBunyanName
	case "v":
		return FieldBunyanVersion
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
	switch builtinField(key) {
	case FieldNone:
		return ""
	case FieldTraceID, FieldECSTraceID, FieldDatadogTraceID, FieldGCPTrace, FieldSerilogTraceID:
		return HoldsTraceID
	case FieldSpanID, FieldECSSpanID, FieldECSTransactionID, FieldDatadogSpanID, FieldGCPSpanID, FieldSerilogSpanID:
		return HoldsSpanID
	case FieldTraceFlags, FieldSampled:
		return HoldsTraceFlags
	case FieldTraceparent:
		return "a W3C traceparent"
	case FieldLevel, FieldSeverityNumber:
		return "the level"
	case FieldTime, FieldCLEFTime:
		return "the time"
	case FieldService, FieldBunyanName:
		return "the service name"
	case FieldTraceObject:
		return "an object holding the trace id"
	case FieldSpanObject:
		return "an object holding the span id"
	case FieldTransactionObject:
		return "an object holding the ECS transaction id"
	case FieldDatadogObject:
		return "Datadog's object of trace context"
	case FieldLogObject:
		return "an object holding the level"
	case FieldScopes:
		return ".NET's logging scopes"
	}
	return "bunyan's format version" // FieldBunyanVersion, "v"
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
	case FieldTraceObject:
		if key == "id" {
			return FieldECSTraceID
		}
	case FieldSpanObject:
		if key == "id" {
			return FieldECSSpanID
		}
	case FieldTransactionObject:
		if key == "id" {
			return FieldECSTransactionID
		}
	case FieldDatadogObject:
		switch key {
		case "trace_id":
			return FieldDatadogTraceID
		case "span_id":
			return FieldDatadogSpanID
		case "service":
			return FieldService
		}
	case FieldService:
		if key == "name" {
			return FieldService
		}
	case FieldLogObject:
		if key == "level" {
			return FieldLevel
		}
	case FieldScopes:
		switch key {
		case "TraceId":
			return FieldScopeTraceID
		case "SpanId":
			return FieldScopeSpanID
		}
	}
	return FieldNone
}

// jsonFormat names the JSON dialect a trace or span key belongs to.
func (f Field) jsonFormat() Format {
	switch f {
	case FieldECSTraceID, FieldECSSpanID, FieldECSTransactionID:
		return FormatJSONECS
	case FieldDatadogTraceID, FieldDatadogSpanID:
		return FormatJSONDatadog
	case FieldGCPTrace, FieldGCPSpanID:
		return FormatJSONGCP
	case FieldSerilogTraceID, FieldSerilogSpanID:
		return FormatJSONSerilog
	case FieldScopeTraceID, FieldScopeSpanID:
		return FormatJSONDotnetScopes
	case FieldTraceparent:
		return FormatTraceparent
	}
	return FormatJSON
}
