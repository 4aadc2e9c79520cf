// Copyright The Hypha Authors
// SPDX-License-Identifier: Apache-2.0

package extract // import "github.com/hypha-obs/hypha/processor/hyphacorrelationprocessor/internal/extract"

import (
	"strings"
	"time"
)

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
	e.customTraceKeys = add(opts.TraceIDKeys, fieldTraceID)
	e.customSpanKeys = add(opts.SpanIDKeys, fieldSpanID)
	add(opts.TraceFlagsKeys, fieldTraceFlags)
	if len(e.customKeys) == 0 {
		e.customKeys = nil // lets Classify skip the map, see there
	}
	return e
}

// FromString extracts from one log line, JSON or text. *r is reset first.
func (e *Extractor) FromString(line string, r *Result) {
	e.Reset(r, formatNone)
	s := strings.TrimSpace(line)
	if s != "" && (s[0] == '[' || isLetter(s[0])) {
		if p := collectorPrefixEnd(s); p > 0 {
			s = strings.TrimSpace(s[p:])
		}
	}
	switch last := len(s) - 1; {
	case s == "":
	case s[0] == '{':
		r.src = formatJSON
		if !e.scanJSON(s, r) {
			// Not JSON after all (e.g. "{worker-1} trace_id=..."): read it
			// as text.
			e.Reset(r, formatNone)
			e.scanText(s, r)
		}
	case (s[last] == '}' || s[last] == ']') && (e.scanZapConsole(s, r) || e.scanPrefixedJSON(s, r)):
		// Only a line that ends with an object (Monolog's with " []" after
		// it) can be one of these; the test keeps plain text from paying
		// for the calls.
	default:
		e.scanText(s, r)
	}
	r.Finish()
}

// Reset clears r before a record is read through the Set methods. src is the
// Format reported when a trace id is found, e.g. FormatOTLPMap for a map body
// or FormatOTLPAttributes for log attributes.
func (e *Extractor) Reset(r *Result, src Format) {
	*r = Result{src: src, zone: e.zone}
}
