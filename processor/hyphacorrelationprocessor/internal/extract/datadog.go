// Copyright The Hypha Authors
// SPDX-License-Identifier: Apache-2.0

package extract

// datadogState is what a record's Datadog keys leave for Finish to settle:
// Datadog's tracers write ids in decimal, and a 128-bit trace id in two
// parts.
type datadogState struct {
	// high holds Datadog's _dd.p.tid, the upper half of the trace id that
	// a decimal dd.trace_id gives the lower half of; see applyDatadogHigh.
	high    [8]byte
	hasHigh bool
	// digitSpan holds a dd.span_id of 16 decimal digits until Finish
	// knows whether the record's dd.trace_id came in 32 hex digits (then
	// hexTrace): see settleDatadogSpan.
	digitSpan    [8]byte
	hasDigitSpan bool
	hexTrace     bool
}

// finishDatadog settles the Datadog state once every key has been read.
func (r *Result) finishDatadog() {
	if r.dd.hasHigh && r.HasTrace {
		r.applyDatadogHigh()
	}
	if r.dd.hasDigitSpan {
		r.settleDatadogSpan()
	}
}

// setDatadogHigh records the first _dd.p.tid: 16 hex digits, all zeros
// meaning none. Like a span id it only matters next to a trace id, so an
// invalid one is counted only in a record with one (see Finish).
func (r *Result) setDatadogHigh(s string) {
	var high [8]byte
	switch {
	case isPlaceholder(s):
	case !decodeHex(high[:], s):
		r.spanRejected++
	case !r.dd.hasHigh:
		r.dd.high, r.dd.hasHigh = high, true
	case high != r.dd.high:
		r.conflict = true
	}
}

// holdDatadogSpan keeps a dd.span_id of 16 decimal digits for
// settleDatadogSpan; a second, different one is a conflict, as two span ids
// of one rank are.
func (r *Result) holdDatadogSpan(id [8]byte) {
	switch {
	case !r.dd.hasDigitSpan:
		r.dd.digitSpan, r.dd.hasDigitSpan = id, true
	case id != r.dd.digitSpan:
		r.conflict = true
	}
}

// settleDatadogSpan decides what a dd.span_id of 16 decimal digits is.
// Datadog's tracers write span ids in decimal, also when they log the
// trace id in 32 hex digits (128-bit logging). But a line that copies
// OTel's ids under Datadog's keys has a 32-hex dd.trace_id too, and one
// OTel span id in about 1 800 has no hex letter: in such a record the
// value is either, and the record keeps its trace id without a span id
// rather than risk a wrong one. Beside a decimal trace id, or none, it is
// Datadog's decimal id.
func (r *Result) settleDatadogSpan() {
	if !r.dd.hexTrace {
		r.setSpan(r.dd.digitSpan, spanPrimary)
	}
	r.dd.hasDigitSpan, r.dd.hexTrace = false, false
}

// applyDatadogHigh completes a 64-bit trace id (Datadog's decimal
// dd.trace_id is the lower half) with the upper half _dd.p.tid gives. A
// 128-bit id found elsewhere in the record must have the same upper half,
// or the record names two traces.
func (r *Result) applyDatadogHigh() {
	switch upper := [8]byte(r.TraceID[:8]); upper {
	case [8]byte{}:
		copy(r.TraceID[:8], r.dd.high[:])
	case r.dd.high:
	default:
		r.conflict = true
	}
}

// parseDatadogTrace reads Datadog's decimal uint64 (the lower 64 bits of the
// trace id) or, in 128-bit logging mode, 32 hex digits.
func parseDatadogTrace(s string) (id [16]byte, st idStatus) {
	if isPlaceholder(s) {
		return id, idAbsent
	}
	if len(s) == 32 {
		return parseTrace(s)
	}
	v, ok := parseDecimal(s)
	if !ok {
		return id, idInvalid
	}
	putUint64(id[8:], v)
	return id, idValid
}

// parseDatadogSpan reads Datadog's decimal uint64 span id or, with a hex
// letter among its digits, OTel's 16 hex digits written under Datadog's
// key (collector-contrib's Datadog receiver reads both so too). 16 decimal
// digits could be either: Result.SetString settles those by the record's
// trace id.
func parseDatadogSpan(s string) (id [8]byte, st idStatus) {
	if isPlaceholder(s) {
		return id, idAbsent
	}
	if v, ok := parseDecimal(s); ok {
		putUint64(id[:], v)
		return id, idValid
	}
	return parseSpan(s)
}

// isDigitSpan reports whether a Datadog span id value is 16 decimal digits,
// a decimal id or OTel's hex one alike.
func isDigitSpan(s string) bool {
	return len(s) == 16 && digitsEnd(s, 0, 16) == 16
}
