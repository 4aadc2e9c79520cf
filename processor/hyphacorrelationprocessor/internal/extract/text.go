package extract

// scanText runs every text scanner over a line that is not JSON. Each one
// only records ids; a line where two of them disagree is settled by Finish.
func (e *Extractor) scanText(s string, r *Result) {
	e.scanLogfmt(s, r)
	e.scanLTSV(s, r)
	scanBrackets(s, r)
	scanTraceparent(s, r)
}
