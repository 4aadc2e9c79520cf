// Copyright The Hypha Authors
// SPDX-License-Identifier: Apache-2.0

package extract

import (
	"encoding/hex"
	"os"
	"sort"
	"strings"
	"testing"
)

// corpusLine is one line of testdata/corpus/corpus.txt: a real log line
// (or one in a documented shape) and the trace id it should link to, ""
// for none.
type corpusLine struct {
	category, source, want, line string
	num                          int
}

func readCorpus(t testing.TB) []corpusLine {
	t.Helper()
	data, err := os.ReadFile("testdata/corpus/corpus.txt")
	if err != nil {
		t.Fatal(err)
	}
	var out []corpusLine
	var category, source string
	for i, l := range strings.Split(string(data), "\n") {
		switch {
		case strings.HasPrefix(l, "# == "):
			category = strings.TrimPrefix(l, "# == ")
		case strings.HasPrefix(l, "# source: "):
			source = strings.TrimPrefix(l, "# source: ")
		case l == "" || strings.HasPrefix(l, "#"):
		default:
			want, line, ok := strings.Cut(l, "\t")
			if !ok {
				t.Fatalf("corpus.txt:%d: no tab", i+1)
			}
			if want == "-" {
				want = ""
			}
			out = append(out, corpusLine{category, source, want, line, i + 1})
		}
	}
	return out
}

// TestCorpus scores the extractor on the corpus: every line with trace
// context must link to its trace, and no line may link to a trace it does
// not hold. It logs the score by category (go test -v -run TestCorpus).
func TestCorpus(t *testing.T) {
	e := New(Options{})
	type score struct{ pos, linked, neg, clean int }
	scores := map[string]*score{}
	for _, c := range readCorpus(t) {
		s := scores[c.category]
		if s == nil {
			s = &score{}
			scores[c.category] = s
		}
		var r Result
		e.FromString(c.line, &r)
		got := ""
		if r.HasTrace {
			got = hex.EncodeToString(r.TraceID[:])
		}
		if c.want == "" {
			s.neg++
			if got == "" {
				s.clean++
			} else {
				t.Errorf("corpus.txt:%d (%s): false link %s\n  %s", c.num, c.source, got, c.line)
			}
			continue
		}
		s.pos++
		switch got {
		case c.want:
			s.linked++
		case "":
			t.Errorf("corpus.txt:%d (%s): missed %s\n  %s", c.num, c.source, c.want, c.line)
		default:
			t.Errorf("corpus.txt:%d (%s): false link %s, want %s\n  %s", c.num, c.source, got, c.want, c.line)
		}
	}
	var names []string
	for n := range scores {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		s := scores[n]
		t.Logf("%-45s linked %2d/%2d, negatives clean %2d/%2d", n, s.linked, s.pos, s.clean, s.neg)
	}
}

// TestCorpusAllocatesNothing reads every corpus line, and every line the
// vocabulary test builds, without a single allocation: the new carriers,
// containers and prefixes keep the hot path's promise.
func TestCorpusAllocatesNothing(t *testing.T) {
	e := New(goldenOptions)
	var r Result
	lines := []string{}
	for _, c := range readCorpus(t) {
		lines = append(lines, c.line)
	}
	for _, s := range containerSyntaxes {
		for _, row := range vocabulary {
			var id [16]byte
			id[0], id[8] = 0x4b, 0x36
			if v := carrierValue(row.field, id, [8]byte{1}); v != "" {
				lines = append(lines, fillSyntax(s, spell(splitWords(row.norm), 0x2a9), v))
			}
		}
	}
	for _, line := range lines {
		if n := testing.AllocsPerRun(10, func() { e.FromString(line, &r) }); n != 0 {
			t.Errorf("%.0f allocations reading %q", n, line)
		}
	}
}
