package extract

// scanText runs every text scanner over a line that is not JSON. Each one
// only records ids, except scanHeader, which reads the leading time and
// level; a line where two scanners' ids disagree is settled by Finish.
func (e *Extractor) scanText(s string, r *Result) {
	body := scanHeader(s, r)
	e.scanLogfmt(s, r)
	e.scanLTSV(s, r)
	scanBrackets(s[body:], r)
	scanTraceparent(s, body, r)
}
