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
	fieldB3Single         // a Zipkin b3 header: trace-span[-sampled[-parent]]
	fieldUberTraceID      // a Jaeger uber-trace-id header: trace:span:parent:flags
	fieldSentryTrace      // a sentry-trace header: trace-span[-sampled]
	fieldCloudTraceCtx    // Google's X-Cloud-Trace-Context: TRACE/SPAN;o=1
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
	// fieldContainer is any other nested object or array: only its
	// trace-context keys are read, at any depth (see containerField).
	fieldContainer
	// fieldSkip is a container of another span's context (parent, links):
	// it is skipped unread.
	fieldSkip
)

// Nested reports whether a map or array value under this key is worth
// walking with ClassifyIn.
func (f Field) Nested() bool {
	return f == fieldService || f >= fieldTraceObject && f != fieldSkip
}

// idRole says which id a Field's value gives, for the rules every id
// shares: how a number or an invalid value under it counts.
type idRole uint8

const (
	roleNone  idRole = iota
	roleTrace        // a trace id, or a header that gives one
	roleSpan         // a span id; counts only beside a trace id (see Result.reject)
)

// fieldProps is one row of the table of what each Field is.
type fieldProps struct {
	holds  string // in BuiltinKeyHolds's words
	role   idRole
	format Format // the JSON dialect a trace id under it names
}

// fields is that table, indexed by Field.
var fields = [...]fieldProps{
	fieldTraceID:           {HoldsTraceID, roleTrace, formatJSON},
	fieldSpanID:            {HoldsSpanID, roleSpan, formatJSON},
	fieldTraceFlags:        {HoldsTraceFlags, roleNone, formatJSON},
	fieldSampled:           {HoldsTraceFlags, roleNone, formatJSON},
	fieldECSTraceID:        {HoldsTraceID, roleTrace, formatJSONECS},
	fieldECSSpanID:         {HoldsSpanID, roleSpan, formatJSONECS},
	fieldECSTransactionID:  {HoldsSpanID, roleSpan, formatJSONECS},
	fieldDatadogTraceID:    {HoldsTraceID, roleTrace, formatJSONDatadog},
	fieldDatadogSpanID:     {HoldsSpanID, roleSpan, formatJSONDatadog},
	fieldDatadogTraceHigh:  {HoldsTraceID, roleSpan, formatJSONDatadog}, // only matters beside a trace id
	fieldGCPTrace:          {HoldsTraceID, roleTrace, formatJSONGCP},
	fieldGCPSpanID:         {HoldsSpanID, roleSpan, formatJSONGCP},
	fieldSerilogTraceID:    {HoldsTraceID, roleTrace, formatJSONSerilog},
	fieldSerilogSpanID:     {HoldsSpanID, roleSpan, formatJSONSerilog},
	fieldScopeTraceID:      {HoldsTraceID, roleTrace, formatJSONDotnetScopes},
	fieldScopeSpanID:       {HoldsSpanID, roleSpan, formatJSONDotnetScopes},
	fieldTraceparent:       {"a W3C traceparent", roleTrace, formatTraceparent},
	fieldXRayTrace:         {HoldsTraceID, roleTrace, formatXRay},
	fieldB3Single:          {"a Zipkin b3 header", roleTrace, formatB3},
	fieldUberTraceID:       {"a Jaeger uber-trace-id header", roleTrace, formatUberTraceID},
	fieldSentryTrace:       {"a sentry-trace header", roleTrace, formatSentryTrace},
	fieldCloudTraceCtx:     {"an X-Cloud-Trace-Context header", roleTrace, formatCloudTraceContext},
	fieldLevel:             {holds: "the level"},
	fieldSeverityNumber:    {holds: "the level"},
	fieldTime:              {holds: "the time"},
	fieldCLEFTime:          {holds: "the time"},
	fieldService:           {holds: "the service name"},
	fieldBunyanName:        {holds: "the service name"},
	fieldBunyanVersion:     {holds: "bunyan's format version"},
	fieldTraceObject:       {holds: "an object holding the trace id"},
	fieldSpanObject:        {holds: "an object holding the span id"},
	fieldTransactionObject: {holds: "an object holding the ECS transaction id"},
	fieldDatadogObject:     {holds: "Datadog's object of trace context"},
	fieldLogObject:         {holds: "an object holding the level"},
	fieldScopes:            {holds: ".NET's logging scopes"},
	fieldSpanList:          {holds: "the open spans, innermost last"},
	fieldContainer:         {},
	fieldSkip:              {},
}

// holds says what a value of Field f holds, in BuiltinKeyHolds's words; ""
// for FieldNone.
func (f Field) holds() string { return fields[f].holds }

// role says which id a value of Field f gives.
func (f Field) role() idRole { return fields[f].role }

// jsonFormat names the JSON dialect a trace or span key belongs to.
func (f Field) jsonFormat() Format {
	if p := fields[f].format; p != formatNone {
		return p
	}
	return formatJSON
}

// isContext reports whether f is trace context: an id, flags or a
// propagation header.
func (f Field) isContext() bool {
	return f >= fieldTraceID && f < fieldLevel
}
