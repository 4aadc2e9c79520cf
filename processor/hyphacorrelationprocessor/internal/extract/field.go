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

// builtinKeys lists the top-level keys. Order matters only within one first
// byte and only for speed.
var builtinKeys = [...]keyEntry{
	// OpenTelemetry names in the spellings loggers use.
	{"trace_id", FieldTraceID},
	{"traceId", FieldTraceID},
	{"TraceId", FieldTraceID},
	{"otelTraceID", FieldTraceID},
	{"span_id", FieldSpanID},
	{"spanId", FieldSpanID},
	{"SpanId", FieldSpanID},
	{"otelSpanID", FieldSpanID},
	{"trace_flags", FieldTraceFlags},
	{"traceFlags", FieldTraceFlags},
	{"TraceFlags", FieldTraceFlags},
	{"otelTraceSampled", FieldSampled},
	{"trace_sampled", FieldSampled},
	{"traceparent", FieldTraceparent},
	// Elastic Common Schema.
	{"trace.id", FieldECSTraceID},
	{"span.id", FieldECSSpanID},
	{"transaction.id", FieldECSTransactionID},
	{"trace", FieldTraceObject},
	{"span", FieldSpanObject},
	{"transaction", FieldTransactionObject},
	// Datadog.
	{"dd.trace_id", FieldDatadogTraceID},
	{"dd.span_id", FieldDatadogSpanID},
	{"dd.service", FieldService},
	{"dd", FieldDatadogObject},
	// Google Cloud Logging special fields.
	{"logging.googleapis.com/trace", FieldGCPTrace},
	{"logging.googleapis.com/spanId", FieldGCPSpanID},
	{"logging.googleapis.com/trace_sampled", FieldSampled},
	// Serilog compact (CLEF) and .NET JSON console.
	{"@tr", FieldSerilogTraceID},
	{"@sp", FieldSerilogSpanID},
	{"@t", FieldCLEFTime},
	{"@l", FieldLevel},
	{"Scopes", FieldScopes},
	// Severity.
	{"level", FieldLevel},
	{"severity", FieldLevel},
	{"lvl", FieldLevel},
	{"log.level", FieldLevel},
	{"LogLevel", FieldLevel},
	{"levelname", FieldLevel},
	{"severityText", FieldLevel},
	{"severityNumber", FieldSeverityNumber},
	{"log", FieldLogObject},
	// Time.
	{"time", FieldTime},
	{"timestamp", FieldTime},
	{"ts", FieldTime},
	{"@timestamp", FieldTime},
	{"Timestamp", FieldTime},
	{"timeUnixNano", FieldTime},
	// Service.
	{"service", FieldService},
	{"service.name", FieldService},
	{"service_name", FieldService},
	{"resource.service.name", FieldService},
	{"otelServiceName", FieldService},
	{"name", FieldBunyanName},
	{"v", FieldBunyanVersion},
}

// Classify returns the meaning of a top-level key, FieldNone for keys that do
// not matter.
func (e *Extractor) Classify(key string) Field {
	if key == "" || e.keyLens[key[0]]&lenBit(len(key)) == 0 {
		return FieldNone
	}
	for _, k := range e.keys[key[0]] {
		if k.key == key {
			return k.field
		}
	}
	return FieldNone
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

// lenBit maps a key length to its bit in Extractor.keyLens; lengths of 63
// and more share the last bit.
func lenBit(n int) uint64 {
	return 1 << min(n, 63)
}
