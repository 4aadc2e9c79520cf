// Copyright The Hypha Authors
// SPDX-License-Identifier: Apache-2.0

package extract

// nestedIDs holds the trace context found inside a JSON line's other
// nested containers (see containerField): a request object's headers, a
// platform's "tracing" record, a framework's context map, at any depth.
// They are a second rank of position. They give the record its ids only
// when its own positions (top-level keys, the trace, span, Datadog and
// Scopes objects) give no trace id; then two different trace ids among
// them mean no link, as anywhere. Beside a trace id of the record's own
// they are not read, so an error's cause or a sub-request never changes
// or blocks the record's link.
type nestedIDs struct {
	trace                       [16]byte
	span                        [8]byte
	flags                       uint8
	format                      Format
	hasTrace, hasSpan, hasFlags bool
	conflict                    bool
}

// addNested adds what one nested container, read into n, held.
func (r *Result) addNested(n *Result) {
	m := &r.nested
	r.Rejected += n.Rejected // invalid values count wherever they are
	r.spanRejected += n.spanRejected
	m.conflict = m.conflict || n.conflict || n.nested.conflict
	if !n.HasTrace && n.nested.hasTrace {
		n.TraceID, n.HasTrace, n.Format = n.nested.trace, true, n.nested.format
		n.SpanID, n.HasSpan = n.nested.span, n.nested.hasSpan
	}
	switch {
	case !n.HasTrace:
	case !m.hasTrace:
		m.trace, m.hasTrace, m.format = n.TraceID, true, n.Format
	case m.trace != n.TraceID:
		m.conflict = true
	}
	if n.HasSpan && !m.hasSpan {
		m.span, m.hasSpan = n.SpanID, true
	}
	if n.HasFlags && !m.hasFlags {
		m.flags, m.hasFlags = n.Flags, true
	}
}

// adoptNested gives a record without a trace id of its own the ids its
// nested containers agree on (see nestedIDs).
func (r *Result) adoptNested() {
	m := r.nested
	r.nested = nestedIDs{}
	if r.HasTrace || r.conflict {
		return
	}
	if m.conflict {
		r.conflict = true
		return
	}
	r.TraceID, r.HasTrace, r.Format = m.trace, true, m.format
	if m.hasSpan {
		r.SpanID, r.HasSpan, r.spanRank = m.span, true, spanPrimary
	}
	if m.hasFlags {
		r.setFlags(m.flags)
	}
}

// Nested returns an empty Result to read one nested container of a map
// body into, for a caller walking maps as the JSON scanner walks objects
// (see Extractor.Container): its ids rank second. Hand it to AddNested
// when the container is read.
func (r *Result) Nested() Result {
	return Result{src: r.src, zone: r.zone, inNested: true}
}

// AddNested adds what a nested container, read into n (see Nested), held.
func (r *Result) AddNested(n *Result) {
	r.addNested(n)
}

// SetValueOnly reads a string found in a nested container under a key that
// is no trace-context key, or as an element of an array: it counts only
// when it is a whole traceparent or X-Amzn-Trace-Id value.
func (r *Result) SetValueOnly(s string) {
	if r.inNested && (len(s) == traceparentLen || isXRayStart(s)) {
		r.setCarrierValue(s)
	}
}
