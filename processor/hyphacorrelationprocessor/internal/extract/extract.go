package extract // import "github.com/hypha-obs/hypha/processor/hyphacorrelationprocessor/internal/extract"

import (
	"strings"
	"time"
)

// Format names the shape of log text that supplied the trace context.
type Format uint8

const (
	FormatNone Format = iota
	FormatJSON
	FormatJSONECS
	FormatJSONDatadog
	FormatJSONGCP
	FormatJSONDotnetScopes
	FormatJSONSerilog
	FormatZapConsole
	FormatLogfmt
	FormatSyslogSD
	FormatLTSV
	FormatSpring
	FormatSleuth
	FormatTraceparent
	FormatOTLPMap
	FormatOTLPAttributes
)

var formatNames = [...]string{
	FormatNone:             "none",
	FormatJSON:             "json",
	FormatJSONECS:          "json_ecs",
	FormatJSONDatadog:      "json_datadog",
	FormatJSONGCP:          "json_gcp",
	FormatJSONDotnetScopes: "json_dotnet_scopes",
	FormatJSONSerilog:      "json_serilog",
	FormatZapConsole:       "zap_console",
	FormatLogfmt:           "logfmt",
	FormatSyslogSD:         "syslog_sd",
	FormatLTSV:             "ltsv",
	FormatSpring:           "spring",
	FormatSleuth:           "sleuth",
	FormatTraceparent:      "traceparent",
	FormatOTLPMap:          "otlp_map",
	FormatOTLPAttributes:   "otlp_attributes",
}

// String returns a short, stable, lower-case name fit for a metric attribute.
func (f Format) String() string {
	if int(f) < len(formatNames) {
		return formatNames[f]
	}
	return "unknown"
}

// Options adds key names to the built-in ones. They are matched exactly
// (case-sensitive) as top-level keys of JSON objects, logfmt/LTSV keys and
// map keys.
type Options struct {
	TraceIDKeys    []string
	SpanIDKeys     []string
	TraceFlagsKeys []string
	// DefaultTimeZone is the zone of times written without Z or an offset
	// (Python's asctime, log4j's default). Nil: such times are not read,
	// as if the line had none.
	DefaultTimeZone *time.Location
}

// Extractor finds trace context in log records. It is immutable after New and
// safe for concurrent use.
type Extractor struct {
	// customKeys holds the configured key names that are not built-in; see
	// Classify.
	customKeys map[string]Field
	// customTraceKeys and customSpanKeys are the configured keys that mean
	// a trace or span id; see keyAhead. Built-in keys are not among them:
	// keyAhead's substrings already cover those.
	customTraceKeys, customSpanKeys []string
	zone                            *time.Location // Options.DefaultTimeZone
}

// New returns an Extractor that knows the built-in keys plus those in opts.
func New(opts Options) *Extractor {
	e := &Extractor{customKeys: map[string]Field{}, zone: opts.DefaultTimeZone}
	// add returns the keys that took meaning f: not a built-in key, which
	// keeps its meaning, nor one an earlier list took.
	add := func(keys []string, f Field) []string {
		var added []string
		for _, k := range keys {
			if _, taken := e.customKeys[k]; !taken && k != "" && builtinField(k) == FieldNone {
				e.customKeys[k] = f
				added = append(added, k)
			}
		}
		return added
	}
	e.customTraceKeys = add(opts.TraceIDKeys, FieldTraceID)
	e.customSpanKeys = add(opts.SpanIDKeys, FieldSpanID)
	add(opts.TraceFlagsKeys, FieldTraceFlags)
	if len(e.customKeys) == 0 {
		e.customKeys = nil // lets Classify skip the map, see there
	}
	return e
}

// Result is what one log record yielded. The zero value is "nothing found".
type Result struct {
	TraceID  [16]byte
	SpanID   [8]byte
	Flags    uint8
	HasTrace bool
	HasSpan  bool // only ever true together with HasTrace
	HasFlags bool // only ever true together with HasTrace

	SeverityNumber int32  // OTel SeverityNumber, 0 when not found
	SeverityText   string // a substring of the input, or a constant for numeric levels
	Timestamp      int64  // unix nanoseconds, 0 when not found
	Service        string // a substring of the input
	Format         Format // where the trace id came from; FormatNone without one
	Rejected       int    // invalid or conflicting id values seen under trace/span keys

	src      Format // container being read, see Reset
	spanRank uint8
	// spanRejected counts invalid span ids until Finish knows whether the
	// record has a trace id; see reject.
	spanRejected int
	conflict     bool
	bunyanName   string
	bunyanV      bool
	clef         bool
	zone         *time.Location // see Options.DefaultTimeZone
}

// Span sources rank so that an ECS transaction id or the caller's span in a
// traceparent only fills in when no span id proper was found.
const (
	spanFallback uint8 = 1
	spanPrimary  uint8 = 2
)

// FromString extracts from one log line, JSON or text. *r is reset first.
func (e *Extractor) FromString(line string, r *Result) {
	e.Reset(r, FormatNone)
	s := strings.TrimSpace(line)
	if s == "" {
		return
	}
	if s[0] == '{' {
		r.src = FormatJSON
		if e.scanJSON(s, r) {
			r.Finish()
			return
		}
		// Not JSON after all (e.g. "{worker-1} trace_id=..."): read it as text.
		e.Reset(r, FormatNone)
	} else if e.scanZapConsole(s, r) {
		r.Finish()
		return
	}
	e.scanText(s, r)
	r.Finish()
}

// Reset clears r before a record is read through the Set methods. src is the
// Format reported when a trace id is found, e.g. FormatOTLPMap for a map body
// or FormatOTLPAttributes for log attributes.
func (e *Extractor) Reset(r *Result, src Format) {
	*r = Result{src: src, zone: e.zone}
}

// Finish settles r after the last Set call: conflicting ids are dropped and
// counted in Rejected, span and flags are dropped when there is no trace id,
// and fields that depend on other fields (bunyan's name, the CLEF default
// level) are filled in.
func (r *Result) Finish() {
	if r.HasTrace || r.Rejected > 0 || r.conflict {
		r.Rejected += r.spanRejected
	}
	r.spanRejected = 0
	if r.conflict {
		r.conflict = false
		r.Rejected++
		r.HasTrace = false
	}
	if !r.HasTrace {
		r.TraceID, r.SpanID, r.Flags = [16]byte{}, [8]byte{}, 0
		r.HasSpan, r.HasFlags, r.spanRank = false, false, 0
		r.Format = FormatNone
	}
	if r.Service == "" && r.bunyanV {
		r.Service = r.bunyanName
	}
	// Compact Log Event Format leaves "@l" out for Information.
	if r.clef && r.SeverityNumber == 0 && r.SeverityText == "" {
		r.SeverityNumber, r.SeverityText = sevInfo, "Information"
	}
}

// setTrace records a trace id, or marks a conflict when the record already
// holds a different one. A 64-bit id (upper half zero, e.g. Datadog's decimal
// form) agrees with a 128-bit id that has the same lower half; the longer one
// is kept.
func (r *Result) setTrace(id [16]byte, f Format) {
	switch {
	case !r.HasTrace:
		r.TraceID, r.HasTrace, r.Format = id, true, f
	case id == r.TraceID:
	case [8]byte(id[8:]) != [8]byte(r.TraceID[8:]):
		r.conflict = true
	case [8]byte(r.TraceID[:8]) == [8]byte{}:
		r.TraceID, r.Format = id, f
	case [8]byte(id[:8]) != [8]byte{}:
		r.conflict = true
	}
}

func (r *Result) setSpan(id [8]byte, rank uint8) {
	switch {
	case rank > r.spanRank:
		r.SpanID, r.HasSpan, r.spanRank = id, true, rank
	case rank == r.spanRank && id != r.SpanID:
		r.conflict = true
	}
}

// setFlags keeps the first flags seen: flags never decide a link, so a
// disagreement is not worth dropping the ids for.
func (r *Result) setFlags(v uint8) {
	if !r.HasFlags {
		r.Flags, r.HasFlags = v, true
	}
}
