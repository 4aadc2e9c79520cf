package extract

import "strings"

// scanLTSV reads Labeled Tab-separated Values: label:value fields separated
// by tabs. The label runs to the first ':' of a field, so values may contain
// colons (times, addresses).
func (e *Extractor) scanLTSV(s string, r *Result) {
	if strings.IndexByte(s, '\t') < 0 {
		return
	}
	for s != "" {
		field := s
		if t := strings.IndexByte(s, '\t'); t >= 0 {
			field, s = s[:t], s[t+1:]
		} else {
			s = ""
		}
		c := strings.IndexByte(field, ':')
		if c <= 0 {
			continue
		}
		if f := e.Classify(field[:c]); f != FieldNone {
			r.src = FormatLTSV
			r.SetString(f, field[c+1:])
		}
	}
}
