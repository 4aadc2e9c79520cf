// Copyright The Hypha Authors
// SPDX-License-Identifier: Apache-2.0

package extract

import "strings"

// header is what a propagation header's value holds: the trace id, the span
// id of the span that sent it, and the sampling decision. A header's parent
// id (B3's fourth part, Jaeger's third) is never read: it is the span
// before the sender.
type header struct {
	trace             [16]byte
	span              [8]byte
	flags             uint8
	hasSpan, hasFlags bool
}

// parseB3Single reads Zipkin's single b3 header:
// {trace}-{span}[-{sampled}[-{parent}]], the trace id 16 or 32 hex digits,
// the span id 16, sampled 0, 1 or d. A lone sampling state ("0", "1", "d")
// carries no ids.
func parseB3Single(s string) (h header, st idStatus) {
	if len(s) <= 1 || s == "null" {
		return h, idAbsent
	}
	trace, rest, ok := strings.Cut(s, "-")
	if !ok {
		return h, idInvalid
	}
	span, rest, _ := strings.Cut(rest, "-")
	sampled, _, _ := strings.Cut(rest, "-")
	if h.trace, st = parseTrace(trace); st != idValid {
		return header{}, st
	}
	if !decodeHex(h.span[:], span) {
		return header{}, idInvalid
	}
	h.hasSpan = h.span != [8]byte{}
	switch sampled {
	case "1", "d":
		h.flags, h.hasFlags = 1, true
	case "0":
		h.hasFlags = true
	}
	return h, idValid
}

// parseUberTraceID reads Jaeger's uber-trace-id header,
// {trace}:{span}:{parent}:{flags}, also URL-encoded (%3A). Jaeger writes
// the ids without leading zeros, so the trace id may be shorter than 16
// digits; it is taken from 8 digits up, the span id from 1 to 16.
func parseUberTraceID(s string) (h header, st idStatus) {
	if isPlaceholder(s) {
		return h, idAbsent
	}
	trace, s := uberPart(s)
	span, s := uberPart(s)
	_, flags := uberPart(s) // the parent id, never read
	if len(trace) < 8 || len(span) == 0 || flags == "" || strings.IndexByte(flags, ':') >= 0 ||
		!decodeHexPadded(h.trace[:], trace) || !decodeHexPadded(h.span[:], span) || h.trace == [16]byte{} {
		return header{}, idInvalid
	}
	h.hasSpan = h.span != [8]byte{}
	if f, ok := parseFlags(flags); ok {
		h.flags, h.hasFlags = f&1, true
	}
	return h, idValid
}

// uberPart splits s at its first ':' or "%3A".
func uberPart(s string) (part, rest string) {
	c, sep := strings.IndexByte(s, ':'), 1
	if p := strings.Index(s, "%3A"); p >= 0 && (c < 0 || p < c) {
		c, sep = p, 3
	}
	if c < 0 {
		return s, ""
	}
	return s[:c], s[c+sep:]
}

// decodeHexPadded fills dst from up to 2*len(dst) hex digits, read as a
// number: fewer digits are padded with zeros on the left.
func decodeHexPadded(dst []byte, s string) bool {
	if len(s) == 0 || len(s) > 2*len(dst) || !isHex(s) {
		return false
	}
	clear(dst)
	for i := 0; i < len(s); i++ {
		pos := 2*len(dst) - len(s) + i // digit position in the full-width id
		dst[pos/2] |= hexVal[s[i]] << (4 * (1 - pos%2))
	}
	return true
}

// parseSentryTrace reads Sentry's sentry-trace header:
// {32 hex trace}-{16 hex span}[-{0|1}].
func parseSentryTrace(s string) (h header, st idStatus) {
	if isPlaceholder(s) {
		return h, idAbsent
	}
	if len(s) != 32+1+16 && (len(s) != 32+1+16+2 || s[49] != '-' || s[50] != '0' && s[50] != '1') || s[32] != '-' ||
		!decodeHex(h.trace[:], s[:32]) || !decodeHex(h.span[:], s[33:49]) || h.trace == [16]byte{} {
		return header{}, idInvalid
	}
	h.hasSpan = h.span != [8]byte{}
	if len(s) > 49 {
		h.flags, h.hasFlags = s[50]-'0', true
	}
	return h, idValid
}

// parseCloudTraceContext reads Google's X-Cloud-Trace-Context header,
// {32 hex trace}/{decimal span}[;o=0|1]. Only the trace id is taken: the
// span is the caller's, written in decimal.
func parseCloudTraceContext(s string) (h header, st idStatus) {
	if isPlaceholder(s) {
		return h, idAbsent
	}
	trace, rest, _ := strings.Cut(s, "/")
	if h.trace, st = parseTrace(trace); st != idValid || len(trace) != 32 {
		return header{}, idInvalid
	}
	if _, o, ok := strings.Cut(rest, ";o="); ok && (o == "0" || o == "1") {
		h.flags, h.hasFlags = o[0]-'0', true
	}
	return h, idValid
}

// trimHexPrefix drops the "0x" that Python's OTel SDK writes before ids in
// its console exporters ("0x4bf92f35…").
func trimHexPrefix(s string, digits int) string {
	if len(s) == digits+2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X') {
		return s[2:]
	}
	return s
}

// parseHeader parses a propagation header's value under a key of Field f.
func parseHeader(f Field, s string) (header, idStatus) {
	switch f {
	case fieldXRayTrace:
		return parseXRay(s)
	case fieldB3Single:
		return parseB3Single(s)
	case fieldUberTraceID:
		return parseUberTraceID(s)
	case fieldSentryTrace:
		return parseSentryTrace(s)
	default:
		return parseCloudTraceContext(s)
	}
}

// parseTraceValue reads a value under a generic trace id key: 32 or 16 hex
// digits, with Python's "0x" before them or not, or an X-Ray trace id
// (AWS Lambda's REPORT lines write "XRAY TraceId: 1-…").
func parseTraceValue(s string) ([16]byte, idStatus) {
	if len(s) == xrayIDLen && s[0] == '1' && s[1] == '-' {
		return parseXRayID(s)
	}
	return parseTrace(trimHexPrefix(s, 32))
}

type traceparent struct {
	trace [16]byte
	span  [8]byte
	flags uint8
}

// traceparentLen is the length of a version 00 W3C traceparent:
// 00-<32 hex>-<16 hex>-<2 hex>.
const traceparentLen = 55

// parseTraceparent parses a version 00 traceparent, hex of either case. An
// all-zero trace or span id is W3C's "invalid" and reads as absent.
func parseTraceparent(s string) (tp traceparent, st idStatus) {
	if isPlaceholder(s) {
		return tp, idAbsent
	}
	if len(s) != traceparentLen || s[0] != '0' || s[1] != '0' || s[2] != '-' || s[35] != '-' || s[52] != '-' ||
		!decodeHex(tp.trace[:], s[3:35]) || !decodeHex(tp.span[:], s[36:52]) {
		return traceparent{}, idInvalid
	}
	f, ok := parseFlags(s[53:55])
	if !ok {
		return traceparent{}, idInvalid
	}
	if tp.trace == [16]byte{} || tp.span == [8]byte{} {
		return traceparent{}, idAbsent
	}
	tp.flags = f
	return tp, idValid
}
