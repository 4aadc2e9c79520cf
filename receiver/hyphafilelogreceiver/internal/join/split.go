// Copyright The Hypha Authors
// SPDX-License-Identifier: Apache-2.0

package join

import (
	"bufio"
	"bytes"
)

// Options bound a record.
type Options struct {
	// MaxLines is the most lines one record takes; the next line starts a
	// new record.
	MaxLines int
	// MaxBytes is the most bytes one record takes (file_log's
	// max_log_size). A single line longer than that is cut by the reader.
	MaxBytes int
}

// SplitFunc returns the split function that joins lines into records. A
// record is sent when a line that starts another record arrives, or when
// the reader has caught up with the writer (atEOF) and the record's last
// line does not announce more (see promises). Otherwise it is held (no
// token), and the reader's flush timer (force_flush_period) sends it when
// no more lines come. JSON lines are never held.
func SplitFunc(o Options) bufio.SplitFunc {
	return func(data []byte, atEOF bool) (int, []byte, error) {
		return split(data, atEOF, o)
	}
}

// record is what split knows of the record it builds: the first line it
// compares later lines with, and what the lines so far contained.
type record struct {
	first      []byte
	firstInd   int
	head       header
	shape      [shapeLen]byte
	shapeN     int
	lines      int
	traceback  bool   // the first line is Python's "Traceback …"
	sawTrace   bool   // a line was "Traceback …", or the record starts at a source location (Node)
	chained    bool   // the last line was "During handling of the above exception…"
	goroutine  bool   // a goroutine header was seen
	lastIndent bool   // the last line that was not blank was indented
	afterFrame bool   // the last line that was not blank was a frame (indented, Go or Ruby)
	last       []byte // the last line that was not blank
	lastBlank  bool   // the last line was blank
}

func newRecord(first []byte) record {
	r := record{first: first, firstInd: indent(first), lines: 1}
	content := first[r.firstInd:]
	if r.firstInd == 0 {
		r.head = headerOf(first)
		if !r.head.any() {
			// A header of a shape never seen: a level word or a time of
			// day among its first words ("[myapp] 13:08:15 ERROR …")
			// makes it one. Later lines are compared with its shape.
			r.head.level = hasLevelWord(first)
			r.head.time = hasTimeNear(first) || numberedPrefix(first)
		}
	}
	r.shape, r.shapeN = shape(first)
	r.traceback = isTraceback(content)
	r.sawTrace = r.traceback || isSourceLocation(first)
	r.goroutine = bytes.HasPrefix(content, []byte("goroutine ")) || bytes.HasPrefix(content, []byte("panic: "))
	r.lastIndent = r.firstInd > 0
	r.last = first
	return r
}

// joins reports whether line continues the record, and notes it.
func (r *record) joins(line []byte) bool {
	r.lastBlank = isBlank(line)
	if r.lastBlank {
		return true
	}
	ind := indent(line)
	ok := r.continues(line, ind)
	if ok {
		s := line[ind:]
		r.chained = isChainLine(s)
		r.sawTrace = r.sawTrace || isTraceback(s)
		r.goroutine = r.goroutine || bytes.HasPrefix(s, []byte("goroutine "))
		r.lastIndent = ind > 0
		r.afterFrame = ind > 0 || isGoFrame(s, r.goroutine) || isRubyFrame(s)
		r.last = line
	}
	return ok
}

// promises reports whether the record's last line announces more lines:
// a line ending with ':' ("Traceback (most recent call last):",
// "goroutine 1 [running]:", "Stack trace:"), a blank line, a frame inside
// a Python traceback, a Go function line (its file line follows), or the
// first line of a two-line format (.NET's "info: Category[0]",
// java.util.logging's line without a level). Such a record is held even
// when the reader has caught up with the writer.
func (r *record) promises() bool {
	last := bytes.TrimRight(r.last, " \t")
	switch {
	case r.lastBlank, len(last) > 0 && last[len(last)-1] == ':':
		return true
	case r.sawTrace && r.lastIndent:
		return true
	case r.goroutine && !r.lastIndent && isGoFrame(last, true):
		return true
	case r.lines == 1 && r.firstInd == 0 && r.head.level && !r.head.time && len(last) > 0 && last[len(last)-1] == ']':
		return true // info: Microsoft.Hosting.Lifetime[14]
	case r.lines == 1 && r.head.time && !r.head.level && isJULHead(r.first):
		return true // Oct 8, 2024 1:08:15 PM com.example.App main
	}
	return false
}

// continues is the rule; see the package comment. The order matters: an
// indented line joins whatever it looks like, and a line with a header of
// its own starts a record even right after a frame.
func (r *record) continues(line []byte, ind int) bool {
	switch {
	case isJSON(line):
		return false
	case ind > r.firstInd:
		return true
	case ind > 0:
		return false // as indented as the first line: a sibling, not a child
	}
	if r.lines == 1 && r.head.time && !r.head.level && startsWithLevel(line) && !headerOf(line).time {
		// Two-line records: java.util.logging's "Oct 8, 2024 1:08:15 PM
		// com.example.App main" then "SEVERE: message".
		return true
	}
	if headerOf(line).any() {
		return false
	}
	if isTraceback(line) {
		return !r.traceback || r.chained
	}
	if isStrongContinuation(line) {
		return true
	}
	sh, n := shape(line)
	if sameShape(r.shape[:], r.shapeN, sh[:], n) {
		return false
	}
	if r.sawTrace && r.lastIndent && isExceptionLine(line) {
		return true // the last line of Python's traceback, the error of Node's report
	}
	if r.goroutine && isGoFrame(line, true) || isRubyFrame(line) {
		return true
	}
	return r.head.any()
}

// split returns the next record in data, or asks for more data while the
// record may still grow.
func split(data []byte, atEOF bool, o Options) (int, []byte, error) {
	if atEOF && len(data) == 0 {
		return 0, nil, nil
	}
	nl := bytes.IndexByte(data, '\n')
	if nl < 0 {
		return 0, nil, nil // the reader's length limit and flush timer take over
	}
	first := trimCR(data[:nl])
	if isBlank(first) || isJSON(first) {
		return nl + 1, first, nil
	}
	if isCRI(first) {
		return splitCRI(data, atEOF, o)
	}
	r := newRecord(first)
	end := len(first) // the token ends here, before the last line's newline
	pos := nl + 1
	for pos < len(data) {
		n := bytes.IndexByte(data[pos:], '\n')
		if n < 0 {
			break
		}
		line := trimCR(data[pos : pos+n])
		if r.lines >= o.MaxLines || pos+n > o.MaxBytes || !r.joins(line) {
			return pos, data[:end], nil
		}
		r.lines++
		if !isBlank(line) {
			end = pos + len(line)
		}
		pos += n + 1
	}
	if len(data) >= o.MaxBytes || (atEOF && pos == len(data) && !r.promises()) {
		// The reader cannot hold more, or it has caught up with the writer
		// and the record is whole: loggers write a record in one go, so
		// what is in the file is all of it, unless its last line says more
		// is coming. Sending it now keeps the last record of a file that is
		// renamed out of the include pattern from being held when the file
		// is read for the last time.
		return pos, data[:end], nil
	}
	return 0, nil, nil
}

// isJULHead reports whether line ends as java.util.logging's first line
// does: a class name with dots, then a method name, and nothing quoted or
// bracketed before them (an access log line has both).
func isJULHead(line []byte) bool {
	if bytes.ContainsAny(line, "\"[]=") {
		return false
	}
	f := bytes.Fields(line)
	return len(f) >= 4 && bytes.Count(f[len(f)-2], []byte(".")) >= 1 && bytes.IndexByte(f[len(f)-1], '.') < 0
}

func trimCR(line []byte) []byte {
	if len(line) > 0 && line[len(line)-1] == '\r' {
		return line[:len(line)-1]
	}
	return line
}
