package extract

import (
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// newFamilyFiles are the golden files of the families issue 22 added; every
// other golden file predates them.
var newFamilyFiles = []string{
	"xray.txt", "key_colon.txt", "dotnet_simple.txt",
}

// newFamilyFormats are the formats only those families report.
var newFamilyFormats = []Format{formatXRay, formatKeyColon, formatDotnetScopes}

// TestNewFamiliesLeaveOldGoldenLines runs every line of the golden files
// that predate the new families through each new text scanner on its own (those it reads as text), and
// through FromString: no new scanner finds anything in them, so their
// results (which TestGolden compares with the reviewed .golden files) are
// the ones they had before.
func TestNewFamiliesLeaveOldGoldenLines(t *testing.T) {
	e := New(goldenOptions)
	n := 0
	for _, path := range goldenFiles(t) {
		if slices.Contains(newFamilyFiles, filepath.Base(path)) {
			continue
		}
		nums, lines := goldenInputs(t, path)
		for i, line := range lines {
			n++
			var r Result
			e.FromString(line, &r)
			if slices.Contains(newFamilyFormats, r.Format) {
				t.Errorf("%s:%d: format %v, a new family's", path, nums[i], r.Format)
			}
			var j Result
			if e.scanJSON(strings.TrimSpace(line), &j) {
				continue // read as JSON: the text scanners never see it
			}
			var c Result
			e.scanColons(line, &c)
			if c.HasTrace || c.Rejected != 0 || c.spanRejected != 0 || c.HasSpan || c.HasFlags {
				t.Errorf("%s:%d: the key: value scanner found %+v", path, nums[i], c)
			}
		}
	}
	if n < 100 {
		t.Fatalf("only %d golden lines: have the files moved?", n)
	}
}
