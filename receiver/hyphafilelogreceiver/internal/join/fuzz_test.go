// Copyright The Hypha Authors
// SPDX-License-Identifier: Apache-2.0

package join

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/open-telemetry/opentelemetry-collector-contrib/pkg/stanza/trim"
)

// drive feeds input to the split function as file_log's reader does: the
// file grows in chunks (cuts), each read runs the split until it asks for
// more, what it holds is flushed whole when the flush timer fires (flush[i]
// after chunk i, and always at the end), and the length limit wraps it as
// the reader wraps it. It returns the tokens and which of them the flush
// sent.
func drive(input []byte, cuts []int, flush []bool, o Options) (tokens [][]byte, flushed []bool) {
	split := trim.ToLength(SplitFunc(o), o.MaxBytes)
	pos := 0
	for i := 0; i <= len(cuts); i++ {
		avail := len(input)
		if i < len(cuts) {
			avail = max(pos, min(cuts[i], len(input)))
		}
		for pos < avail {
			data := input[pos:min(avail, pos+o.MaxBytes)]
			// The reader is at the end of what was written when data
			// reaches it.
			adv, tok, err := split(data, pos+len(data) == avail)
			if err != nil || (adv == 0 && tok == nil) {
				break
			}
			if tok != nil {
				tokens, flushed = append(tokens, tok), append(flushed, false)
			}
			pos += adv
		}
		if (i == len(cuts) || (i < len(flush) && flush[i])) && pos < avail {
			end := min(avail, pos+o.MaxBytes)
			tokens, flushed = append(tokens, input[pos:end]), append(flushed, true)
			pos = end
			i-- // read again: the flush sent at most max bytes
		}
	}
	return tokens, flushed
}

// visible drops blanks and line ends: what trimming and the split may
// leave out; every other byte must come out once, in order.
func visible(b []byte) []byte {
	out := make([]byte, 0, len(b))
	for _, c := range b {
		if c != ' ' && c != '\t' && c != '\r' && c != '\n' {
			out = append(out, c)
		}
	}
	return out
}

func checkNoLoss(t *testing.T, input []byte, tokens [][]byte, flushed []bool, o Options) {
	t.Helper()
	if got, want := visible(bytes.Join(tokens, nil)), visible(input); !bytes.Equal(got, want) {
		t.Fatalf("bytes lost or duplicated:\ninput  %q\ntokens %q", input, tokens)
	}
	for i, tok := range tokens {
		if len(tok) > o.MaxBytes {
			t.Fatalf("token %d has %d bytes, more than %d", i, len(tok), o.MaxBytes)
		}
		lines := bytes.Count(tok, []byte("\n")) + 1
		if limit := o.MaxLines + btoi(flushed[i]); lines > limit {
			t.Fatalf("token %d has %d lines, more than %d: %q", i, lines, limit, tok)
		}
	}
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

// cutsOf turns fuzz bytes into growing chunk boundaries and flush choices.
func cutsOf(input, plan []byte) (cuts []int, flush []bool) {
	at := 0
	for _, p := range plan {
		at += int(p>>1) + 1
		cuts, flush = append(cuts, at*len(input)/(len(plan)*128+1)), append(flush, p&1 == 1)
	}
	return cuts, flush
}

func corpusSeeds(f *testing.F) {
	files, _ := filepath.Glob("../../testdata/corpus/*.log")
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err == nil {
			f.Add(b, []byte{3, 40, 7, 201})
		}
	}
}

// FuzzSplitBytes: arbitrary bytes, read in arbitrary chunks, with flushes
// at arbitrary moments, lose and duplicate no byte, and no record passes
// its bounds.
func FuzzSplitBytes(f *testing.F) {
	corpusSeeds(f)
	f.Add([]byte("a\n\tb\n{\"x\":1}\n  c\r\nCaused by: d\n"), []byte{1, 2, 3})
	f.Fuzz(func(t *testing.T, input, plan []byte) {
		if bytes.Contains(input, []byte(" stdout ")) || bytes.Contains(input, []byte(" stderr ")) {
			t.Skip("CRI lines are rewritten; FuzzSplitCRI checks them")
		}
		o := Options{MaxLines: 1 + len(plan)%7, MaxBytes: 64 + len(input)%512}
		cuts, flush := cutsOf(input, plan)
		tokens, flushed := drive(input, cuts, flush, o)
		checkNoLoss(t, input, tokens, flushed, o)
	})
}

// lineKinds are the lines FuzzSplitInterleaved mixes.
var lineKinds = [...]string{
	"2024-10-08 13:08:15,510 ERROR [main] c.e.App - failed",
	"java.lang.IllegalStateException: boom",
	"\tat com.example.App.run(App.java:42)",
	"Caused by: java.io.IOException: closed",
	"\t... 23 more",
	`{"level":50,"msg":"x","err":"Error: y\n    at z (a.js:1:1)"}`,
	"Traceback (most recent call last):",
	`  File "app.py", line 3, in <module>`,
	"ValueError: bad",
	"goroutine 7 [running]:",
	"main.main()",
	"",
	"127.0.0.1 - - [08/Oct/2024:13:08:15 +0000] \"GET / HTTP/1.1\" 200 5",
	"info: Microsoft.Hosting.Lifetime[14]",
	"      Now listening on: http://[::]:8080",
	"plain words here",
}

// FuzzSplitInterleaved: any sequence of headers, frames, JSON lines and
// the rest keeps every byte once, and every JSON line is a record of its
// own, never joined.
func FuzzSplitInterleaved(f *testing.F) {
	f.Add([]byte{0, 1, 2, 3, 4, 5, 0, 6, 7, 8, 9, 10, 5, 12, 13, 14}, []byte{9, 99})
	f.Add([]byte{5, 2, 2, 5, 11, 5, 15, 15}, []byte{0})
	f.Fuzz(func(t *testing.T, choice, plan []byte) {
		var input []byte
		jsonLines := 0
		for _, c := range choice {
			k := int(c) % len(lineKinds)
			if k == 5 {
				jsonLines++
			}
			input = append(append(input, lineKinds[k]...), '\n')
		}
		o := Options{MaxLines: 1000, MaxBytes: 1 << 16}
		cuts, flush := cutsOf(input, plan)
		for i, c := range cuts {
			// Writers append whole lines here; FuzzSplitBytes cuts anywhere.
			if n := bytes.IndexByte(input[min(c, len(input)):], '\n'); n >= 0 {
				cuts[i] = c + n + 1
			}
		}
		tokens, flushed := drive(input, cuts, flush, o)
		checkNoLoss(t, input, tokens, flushed, o)
		alone := 0
		for _, tok := range tokens {
			if string(bytes.TrimSpace(tok)) == lineKinds[5] {
				alone++
			}
		}
		if alone != jsonLines {
			t.Fatalf("%d JSON lines, %d records of one JSON line: %q", jsonLines, alone, tokens)
		}
	})
}

// FuzzSplitCRI: lines wrapped as a container runtime writes them, on two
// streams and in parts, keep their contents once each.
func FuzzSplitCRI(f *testing.F) {
	f.Add([]byte("Error: boom\n    at a (x.js:1:1)\n{\"a\":1}\nplain\n\tat b\n"), []byte{0, 1, 2, 5})
	f.Fuzz(func(t *testing.T, content, tags []byte) {
		var input, want []byte
		for i, line := range bytes.Split(content, []byte("\n")) {
			if bytes.IndexByte(line, '\r') >= 0 || bytes.Contains(line, []byte("stdout")) || bytes.Contains(line, []byte("stderr")) {
				t.Skip("a content line that is itself a CRI line")
			}
			tag := byte(0)
			if i < len(tags) {
				tag = tags[i]
			}
			stream, part := "stdout", "F"
			if tag&1 == 1 {
				stream = "stderr"
			}
			if tag&2 == 2 {
				part = "P"
			}
			input = append(input, "2024-10-08T13:08:15.510123456Z "+stream+" "+part+" "...)
			input = append(append(input, line...), '\n')
			want = append(want, line...)
		}
		o := Options{MaxLines: 50, MaxBytes: 1 << 16}
		tokens, _ := drive(input, nil, nil, o)
		var got []byte
		for _, tok := range tokens {
			for _, l := range bytes.Split(tok, []byte("\n")) {
				if c, ok := parseCRI(l); ok {
					l = c.content
				}
				got = append(got, l...)
			}
		}
		if !bytes.Equal(visible(got), visible(want)) {
			t.Fatalf("contents lost or duplicated:\ninput  %q\ntokens %q", input, tokens)
		}
	})
}
