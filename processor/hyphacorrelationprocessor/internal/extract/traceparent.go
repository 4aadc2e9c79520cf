// Copyright The Hypha Authors
// SPDX-License-Identifier: Apache-2.0

package extract

import "strings"

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

// scanTraceparent finds W3C traceparent values (version 00) anywhere in a
// text line. The value must stand alone: the bytes on either side may not
// continue a word or hex run, so "ab00-<32 hex>-..." and file names built
// from ids do not match. Its span id ranks as a fallback, see setTraceparent.
// The search starts at s[from:], past a leading time whose '-' would only
// cost searches. New Relic's "NR-LINKING|…" is found by the same '-'.
func scanTraceparent(s string, from int, r *Result) {
	// Every "00-" is found by its '-', which log lines hold far fewer of than
	// '0' (the byte strings.Index would look for first).
	for i := max(from, 2); i < len(s); {
		d := strings.IndexByte(s[i:], '-')
		if d < 0 {
			return
		}
		p := i + d - 2
		i += d + 1
		if s[p] != '0' || s[p+1] != '0' {
			if s[p] == 'N' && strings.HasPrefix(s[p:], nrLinking) {
				scanNRLinking(s[p+len(nrLinking):], r)
			}
			continue
		}
		if len(s)-p < traceparentLen || p > 0 && (isWordByte(s[p-1]) || s[p-1] == '.') ||
			len(s)-p > traceparentLen && isWordByte(s[p+traceparentLen]) {
			continue
		}
		// A shape that is not a traceparent was never under a trace key:
		// it is not counted as rejected.
		if tp, st := parseTraceparent(s[p : p+traceparentLen]); st == idValid {
			r.setTraceparent(tp, formatTraceparent)
		}
	}
}

func isWordByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-'
}

// nrLinking starts the block New Relic's agents append to a log line when
// they decorate it locally:
// NR-LINKING|<entity.guid>|<hostname>|<trace.id>|<span.id>|<entity.name>|
const nrLinking = "NR-LINKING|"

// scanNRLinking reads the trace and span ids of New Relic's block, s
// being what follows "NR-LINKING|". The ids count only in their places,
// the fourth and fifth fields, each exactly 32 (or 16) and 16 hex digits.
func scanNRLinking(s string, r *Result) {
	var fields [5]string
	for n := range fields {
		bar := strings.IndexByte(s, '|')
		if bar < 0 {
			return
		}
		fields[n], s = s[:bar], s[bar+1:]
	}
	trace, span := fields[2], fields[3]
	var t [16]byte
	var sp [8]byte
	switch len(trace) {
	case 32:
		if !decodeHex(t[:], trace) {
			return
		}
	case 16:
		if !decodeHex(t[8:], trace) {
			return
		}
	default:
		return
	}
	if span != "" && !decodeHex(sp[:], span) {
		return
	}
	setBracketIDs(t, sp, formatNRLinking, r)
}
