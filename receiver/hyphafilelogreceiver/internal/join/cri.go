// Copyright The Hypha Authors
// SPDX-License-Identifier: Apache-2.0

package join

import "bytes"

// criLine is one line of a Kubernetes container log file in the CRI format
// containerd and CRI-O write: "<time> <stdout|stderr> <P|F> <content>". P
// marks a part of a long line, F its last part or a whole line.
type criLine struct {
	prefix  []byte // "<time> <stream> "
	stream  []byte
	partial bool
	content []byte
}

// parseCRI splits line into its CRI fields; ok is false for a line that is
// not one.
func parseCRI(line []byte) (l criLine, ok bool) {
	sp := bytes.IndexByte(line, ' ')
	if sp < 20 || !isDigit(line[0]) || bytes.IndexByte(line[:sp], 'T') < 0 {
		return l, false
	}
	rest := line[sp+1:]
	switch {
	case bytes.HasPrefix(rest, []byte("stdout ")), bytes.HasPrefix(rest, []byte("stderr ")):
	default:
		return l, false
	}
	l.stream = rest[:6]
	tag := rest[7:]
	if len(tag) == 0 || (tag[0] != 'P' && tag[0] != 'F') || (len(tag) > 1 && tag[1] != ' ') {
		return l, false
	}
	l.partial = tag[0] == 'P'
	l.prefix = line[:sp+8]
	if len(tag) > 1 {
		l.content = tag[2:]
	}
	return l, true
}

func isCRI(line []byte) bool {
	_, ok := parseCRI(line)
	return ok
}

// splitCRI joins CRI lines of one stream: the parts of a long line (P then
// F) into one line, and the lines of one record (a stack trace written to
// stderr) by the same rules as a plain file, applied to their content. A
// line of the other stream, or one that is not CRI, ends the record: the
// split cannot take lines out of order. As in a plain file, a whole record
// is sent once the reader has caught up with the runtime. The token is one CRI line, the
// first line's time and stream, the last line's tag, and the contents
// joined by newlines, which the container parser reads whole.
func splitCRI(data []byte, atEOF bool, o Options) (int, []byte, error) {
	nl := bytes.IndexByte(data, '\n')
	first, _ := parseCRI(trimCR(data[:nl]))
	parts := []criLine{first}
	pos, tokenEnd := nl+1, len(trimCR(data[:nl]))
	var r record
	started, lines := false, 0
	// begin starts the record once its first physical line is whole; a
	// JSON line is sent at once.
	begin := func() (send bool) {
		c := joinedContent(parts)
		if isJSON(c) {
			return true
		}
		r, started, lines = newRecord(c), true, 1
		return false
	}
	if !first.partial && begin() {
		return pos, data[:tokenEnd], nil
	}
	for pos < len(data) {
		n := bytes.IndexByte(data[pos:], '\n')
		if n < 0 {
			break
		}
		raw := trimCR(data[pos : pos+n])
		l, ok := parseCRI(raw)
		if !ok || !bytes.Equal(l.stream, first.stream) || pos+n > o.MaxBytes {
			return pos, criToken(data[:tokenEnd], parts), nil
		}
		if started && !parts[len(parts)-1].partial { // l begins a line of its own
			if lines >= o.MaxLines || !r.joins(l.content) {
				return pos, criToken(data[:tokenEnd], parts), nil
			}
			lines++
		}
		parts = append(parts, l)
		tokenEnd = pos + len(raw)
		pos += n + 1
		if !started && !l.partial && begin() {
			return pos, criToken(data[:tokenEnd], parts), nil
		}
	}
	whole := atEOF && pos == len(data) && started && !parts[len(parts)-1].partial && !r.promises()
	if len(data) >= o.MaxBytes || whole {
		return pos, criToken(data[:tokenEnd], parts), nil
	}
	return 0, nil, nil
}

// criToken returns raw when the record is one CRI line, or builds the one
// line that stands for several.
func criToken(raw []byte, parts []criLine) []byte {
	if len(parts) == 1 {
		return raw
	}
	last := parts[len(parts)-1]
	tag := byte('F')
	if last.partial {
		tag = 'P'
	}
	out := make([]byte, 0, len(raw))
	out = append(out, parts[0].prefix...)
	out = append(out, tag, ' ')
	return appendContent(out, parts)
}

func joinedContent(parts []criLine) []byte {
	if len(parts) == 1 {
		return parts[0].content
	}
	return appendContent(nil, parts)
}

// appendContent appends the contents of parts: the parts of a long line
// run on, the lines of a record are separated by newlines.
func appendContent(out []byte, parts []criLine) []byte {
	for i, p := range parts {
		if i > 0 && !parts[i-1].partial {
			out = append(out, '\n')
		}
		out = append(out, p.content...)
	}
	return out
}
