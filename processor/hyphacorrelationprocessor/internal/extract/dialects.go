// Copyright The Hypha Authors
// SPDX-License-Identifier: Apache-2.0

package extract

// dialectState holds what the quirks of two JSON dialects need until the
// record is read: bunyan's "name" is the service only in a record that also
// has bunyan's "v", and a CLEF record (Serilog's compact format, marked by
// "@t") without "@l" is at Information. The Set methods note the marks as
// they read the keys (see wantTime); finishDialect settles them.
type dialectState struct {
	bunyanName string
	bunyanV    bool
	clef       bool
}

// finishDialect fills in what the dialects imply once every key is read.
func (r *Result) finishDialect() {
	if r.Service == "" && r.dialect.bunyanV {
		r.Service = r.dialect.bunyanName
	}
	// Compact Log Event Format leaves "@l" out for Information.
	if r.dialect.clef && r.SeverityNumber == 0 && r.SeverityText == "" {
		r.SeverityNumber, r.SeverityText = sevInfo, "Information"
	}
}
