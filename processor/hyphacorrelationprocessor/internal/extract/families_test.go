// Copyright The Hypha Authors
// SPDX-License-Identifier: Apache-2.0

package extract

import (
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// newFamilyFiles are the golden files of the later families (X-Ray, Rust
// key: value, .NET scopes, Datadog 128-bit, JSON behind a prefix, nested
// spans); every other golden file predates them.
var newFamilyFiles = []string{
	"xray.txt", "key_colon.txt", "dotnet_simple.txt", "datadog_128.txt", "json_tracing.txt", "prefix_json.txt",
}

// newFamilyFormats are the formats only those families report.
var newFamilyFormats = []Format{formatXRay, formatKeyColon, formatDotnetScopes}

// TestNewFamiliesLeaveOldGoldenLines runs every line of the golden files
// that predate the new families through FromString and through the new
// scanners on their own: no line is read as a prefixed JSON object, the
// key: value and .NET scope scanners find nothing in those read as text,
// and no result has a new family's format. (The X-Ray, Datadog and nested
// span keys are table entries: TestGolden, comparing every line with its
// reviewed .golden record, which this change leaves as it was, shows they
// changed nothing.)
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
			var p Result
			if strings.TrimSpace(line)[0] != '{' && e.scanPrefixedJSON(strings.TrimSpace(line), &p) {
				t.Errorf("%s:%d: read as a JSON object behind a prefix", path, nums[i])
			}
			var j Result
			if e.scanJSON(strings.TrimSpace(line), &j) {
				continue // read as JSON: the text scanners never see it
			}
			var c Result
			e.scanKeyColon(line, 0, &c)
			scanDotnetScope(line, &c)
			if c != (Result{}) {
				t.Errorf("%s:%d: the key: value or .NET scope scanner found %+v", path, nums[i], c)
			}
		}
	}
	if n < 100 {
		t.Fatalf("only %d golden lines: have the files moved?", n)
	}
}
