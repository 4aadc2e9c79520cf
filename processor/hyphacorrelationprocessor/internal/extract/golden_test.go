// Copyright The Hypha Authors
// SPDX-License-Identifier: Apache-2.0

package extract

import (
	"bufio"
	"bytes"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite the .golden files from the current output")

// goldenRecord is one line of a .golden file: what FromString reported for
// one input line. The input's first bytes are repeated so that a reviewer
// can read the pair side by side.
type goldenRecord struct {
	Line     int    `json:"line"`
	In       string `json:"in"`
	TraceID  string `json:"trace_id,omitempty"`
	SpanID   string `json:"span_id,omitempty"`
	Flags    string `json:"flags,omitempty"`
	SevNum   int32  `json:"severity_number,omitempty"`
	SevText  string `json:"severity_text,omitempty"`
	Time     string `json:"time,omitempty"`
	Service  string `json:"service,omitempty"`
	Format   string `json:"format"`
	Rejected int    `json:"rejected,omitempty"`
}

const goldenInLen = 60

func toGolden(n int, line string, r *Result) goldenRecord {
	g := goldenRecord{
		Line: n, In: line, SevNum: r.SeverityNumber, SevText: r.SeverityText,
		Service: r.Service, Format: r.Format.String(), Rejected: r.Rejected,
	}
	if len(g.In) > goldenInLen {
		g.In = g.In[:goldenInLen]
	}
	if r.HasTrace {
		g.TraceID = hex.EncodeToString(r.TraceID[:])
	}
	if r.HasSpan {
		g.SpanID = hex.EncodeToString(r.SpanID[:])
	}
	if r.HasFlags {
		g.Flags = fmt.Sprintf("%02x", r.Flags)
	}
	if r.Timestamp != 0 {
		g.Time = time.Unix(0, r.Timestamp).UTC().Format(time.RFC3339Nano)
	}
	return g
}

// goldenInputs returns the input lines of a test file with their line
// numbers. Blank lines and lines starting with '#' are commentary.
func goldenInputs(t testing.TB, path string) (nums []int, lines []string) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(nil, 1<<20)
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		if strings.TrimSpace(line) == "" || strings.HasPrefix(line, "#") {
			continue
		}
		nums = append(nums, n)
		lines = append(lines, line)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return nums, lines
}

func goldenFiles(t testing.TB) []string {
	t.Helper()
	samples, err := filepath.Glob("testdata/samples/*.log")
	if err != nil {
		t.Fatal(err)
	}
	formats, err := filepath.Glob("testdata/formats/*.txt")
	if err != nil {
		t.Fatal(err)
	}
	return append(samples, formats...)
}

// goldenOptions configures the extra keys some constructed lines use.
var goldenOptions = Options{
	TraceIDKeys:    []string{"x_trace"},
	SpanIDKeys:     []string{"x_span"},
	TraceFlagsKeys: []string{"x_flags"},
}

func TestGolden(t *testing.T) {
	e := New(goldenOptions)
	for _, path := range goldenFiles(t) {
		t.Run(filepath.Base(path), func(t *testing.T) {
			nums, lines := goldenInputs(t, path)
			var got bytes.Buffer
			enc := json.NewEncoder(&got)
			enc.SetEscapeHTML(false)
			for i, line := range lines {
				var r Result
				e.FromString(line, &r)
				if err := enc.Encode(toGolden(nums[i], line, &r)); err != nil {
					t.Fatal(err)
				}
			}
			goldenPath := strings.TrimSuffix(path, filepath.Ext(path)) + ".golden"
			if *update {
				if err := os.WriteFile(goldenPath, got.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(goldenPath)
			if err != nil {
				t.Fatalf("%v (run go test -update, then review the file)", err)
			}
			gotLines := strings.Split(got.String(), "\n")
			wantLines := strings.Split(string(want), "\n")
			for i := 0; i < max(len(gotLines), len(wantLines)); i++ {
				var g, w string
				if i < len(gotLines) {
					g = gotLines[i]
				}
				if i < len(wantLines) {
					w = wantLines[i]
				}
				if g != w {
					t.Errorf("%s record %d:\n got: %s\nwant: %s", goldenPath, i+1, g, w)
				}
			}
		})
	}
}
