package extract

import "strings"

// scanZapConsole reads zap's development console encoding: tab-separated
// time, level, [logger,] [caller,] message, then the fields as one JSON
// object ending the line. It reports whether the line had that shape.
func (e *Extractor) scanZapConsole(s string, r *Result) bool {
	if s[len(s)-1] != '}' {
		return false
	}
	obj := strings.Index(s, "\t{")
	if obj < 0 {
		return false
	}
	r.src = FormatZapConsole
	if !e.scanJSON(s[obj+1:], r) {
		e.Reset(r, FormatNone)
		return false
	}
	// The level is the second column; the time (the first) is the encoder's
	// ISO 8601 or epoch.
	if first := strings.IndexByte(s, '\t'); first < obj {
		level := s[first+1:]
		if t := strings.IndexByte(level, '\t'); t >= 0 {
			level = level[:t]
		}
		r.SetString(FieldLevel, level)
		r.SetString(FieldTime, s[:first])
	}
	return true
}
