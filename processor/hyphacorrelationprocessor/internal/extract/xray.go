// Copyright The Hypha Authors
// SPDX-License-Identifier: Apache-2.0

package extract

import "strings"

// xrayIDLen is the length of an AWS X-Ray trace id: 1-<8 hex>-<24 hex>, the
// version, the epoch second the trace began, and 96 random bits.
const xrayIDLen = 1 + 1 + 8 + 1 + 24

// parseXRayID reads 1-<8 hex>-<24 hex> as the OTel trace id made of its
// two hex parts, which is how the OTel X-Ray propagator maps them.
func parseXRayID(s string) (id [16]byte, st idStatus) {
	if len(s) != xrayIDLen || s[0] != '1' || s[1] != '-' || s[10] != '-' ||
		!decodeHex(id[:4], s[2:10]) || !decodeHex(id[4:], s[11:]) {
		return [16]byte{}, idInvalid
	}
	if id == [16]byte{} {
		return id, idAbsent
	}
	return id, idValid
}

// parseXRay reads a bare X-Ray trace id (Powertools' xray_trace_id) or a
// whole X-Amzn-Trace-Id value: ';'-separated fields of which Root is the
// trace id, Parent the span id and Sampled=1 or 0 the flags. Other fields
// (Self, which an ALB adds for its own segment, Lineage) are not read.
func parseXRay(s string) (h header, st idStatus) {
	if isPlaceholder(s) {
		return h, idAbsent
	}
	if s[0] == '1' {
		h.trace, st = parseXRayID(s)
		return h, st
	}
	st = idInvalid // until a Root field is found
	for s != "" {
		field := s
		if semi := strings.IndexByte(s, ';'); semi >= 0 {
			field, s = s[:semi], s[semi+1:]
		} else {
			s = ""
		}
		name, value, _ := strings.Cut(field, "=")
		switch name {
		case "Root":
			h.trace, st = parseXRayID(value)
		case "Parent":
			if span, ok := parseSpan(value); ok == idValid {
				h.span, h.hasSpan = span, true
			}
		case "Sampled":
			if value == "1" || value == "0" {
				h.flags, h.hasFlags = value[0]-'0', true
			}
		}
	}
	if st != idValid {
		return header{}, st
	}
	return h, st
}

// xrayHeaderEnd returns the length of the X-Amzn-Trace-Id value at the
// start of s: it runs to a blank, a quote or a closing bracket.
func xrayHeaderEnd(s string) int {
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case ' ', '\t', '"', ',', ']', ')', '}':
			return i
		}
	}
	return len(s)
}

// isXRayStart reports whether s starts an X-Amzn-Trace-Id value.
func isXRayStart(s string) bool {
	return strings.HasPrefix(s, "Root=1-") || strings.HasPrefix(s, "Self=1-")
}
