package extract

import "strings"

// Lengths of the bracketed correlation blocks Spring writes.
const (
	springLen      = 32 + 1 + 16 + 1                    // <32 hex>-<16 hex>]
	maxSleuthApp   = 100                                // longest application name we accept before the first comma
	maxSleuthBlock = maxSleuthApp + 1 + 32 + 1 + 16 + 1 // app,<32 hex>,<16 hex>]
	minSleuthBlock = 1 + 16 + 1 + 16                    // ,<16 hex>,<16 hex> (no app name)
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
	// The block must close within the longest name and two ids, so a line
	// with many '[' is not searched to its end from each one.
	end := strings.IndexByte(s[:min(len(s), maxSleuthBlock)], ']')
	if end < minSleuthBlock {
		return // also a short word in brackets, such as a thread name
	}
	block := s[:end] // app,trace,span
	app := strings.IndexByte(block, ',')
	if app < 0 || app > maxSleuthApp || strings.IndexByte(block[:app], '[') >= 0 {
		return
	}
	ids := block[app+1:]
	traceEnd := strings.IndexByte(ids, ',')
	if traceEnd != 16 && traceEnd != 32 || len(ids) != traceEnd+1+16 {
		return
	}
	var trace [16]byte
	var span [8]byte
	if !decodeHex(trace[16-traceEnd/2:], ids[:traceEnd]) || !decodeHex(span[:], ids[traceEnd+1:]) {
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
