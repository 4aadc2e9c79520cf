package extract

import "strings"

// Lengths of the bracketed correlation blocks Spring writes.
const (
	springLen    = 32 + 1 + 16 + 1 // <32 hex>-<16 hex>]
	maxSleuthApp = 100             // longest application name we accept before the first comma
)

// scanBrackets finds Spring Boot 3's "[<32 hex>-<16 hex>]" and the
// Sleuth-style "[app,<trace>,<span>]" blocks. Only these exact shapes match:
// the bracket, separators and hex of exactly the right lengths; "[app,,]" is
// Spring's way of saying there is no span.
func scanBrackets(s string, r *Result) {
	for {
		i := strings.IndexByte(s, '[')
		if i < 0 {
			return
		}
		s = s[i+1:]
		if !matchSpring(s, r) {
			matchSleuth(s, r)
		}
	}
}

func matchSpring(s string, r *Result) bool {
	if len(s) < springLen || s[32] != '-' || s[springLen-1] != ']' {
		return false
	}
	var trace [16]byte
	var span [8]byte
	if !decodeHex(trace[:], s[:32]) || !decodeHex(span[:], s[33:49]) {
		return false
	}
	setBracketIDs(trace, span, FormatSpring, r)
	return true
}

func matchSleuth(s string, r *Result) {
	// The comma is looked for only as far as the longest name: a line with
	// many '[' and no comma must not be searched to its end from each one.
	app := strings.IndexByte(s[:min(len(s), maxSleuthApp+1)], ',')
	if app < 0 || strings.ContainsAny(s[:app], "[]") {
		return
	}
	s = s[app+1:]
	traceEnd := strings.IndexByte(s, ',')
	if traceEnd != 16 && traceEnd != 32 {
		return
	}
	rest := s[traceEnd+1:]
	if len(rest) < 17 || rest[16] != ']' {
		return
	}
	var trace [16]byte
	var span [8]byte
	if !decodeHex(trace[16-traceEnd/2:], s[:traceEnd]) || !decodeHex(span[:], rest[:16]) {
		return
	}
	setBracketIDs(trace, span, FormatSleuth, r)
}

// setBracketIDs records a trace and span found together; zeros mean none.
func setBracketIDs(trace [16]byte, span [8]byte, f Format, r *Result) {
	if trace == [16]byte{} {
		return
	}
	r.setTrace(trace, f)
	if span != [8]byte{} {
		r.setSpan(span, spanPrimary)
	}
}
