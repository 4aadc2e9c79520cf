// Copyright The Hypha Authors
// SPDX-License-Identifier: Apache-2.0

package join

import "bytes"

// indent returns how many leading blanks (spaces and tabs) line has.
func indent(line []byte) int {
	i := 0
	for i < len(line) && (line[i] == ' ' || line[i] == '\t') {
		i++
	}
	return i
}

// isBlank reports whether line holds only blanks.
func isBlank(line []byte) bool { return indent(line) == len(line) }

// isJSON reports whether line is a JSON object: such a line is a whole
// event, even when a value in it holds "\n    at".
func isJSON(line []byte) bool {
	s := bytes.TrimSpace(line)
	return len(s) >= 2 && s[0] == '{' && s[len(s)-1] == '}'
}

func isDigit(c byte) bool  { return c >= '0' && c <= '9' }
func isUpper(c byte) bool  { return c >= 'A' && c <= 'Z' }
func isLower(c byte) bool  { return c >= 'a' && c <= 'z' }
func isLetter(c byte) bool { return isUpper(c) || isLower(c) }

// digits returns how many digits s has from i on.
func digits(s []byte, i int) int {
	n := 0
	for i+n < len(s) && isDigit(s[i+n]) {
		n++
	}
	return n
}

// header says what a line starts with: a time, a level, or neither.
type header struct {
	time, level bool
}

func (h header) any() bool { return h.time || h.level }

// headerOf reads the start of a line that is not indented: a time or date,
// a level word, a network address or a logfmt time or level key. Brackets
// and a syslog priority before it are skipped. It is deliberately loose: a
// false header only splits a record, while a missed one joins two.
func headerOf(line []byte) header {
	s := line
	if len(s) > 0 && s[0] == '<' { // syslog's <PRI>
		if n := digits(s, 1); n > 0 && n <= 3 && len(s) > n+1 && s[n+1] == '>' {
			s = s[n+2:]
		}
	}
	if len(s) > 0 && (s[0] == '[' || s[0] == '(') {
		s = s[1:]
	}
	var h header
	switch {
	case startsWithTime(s):
		h.time = true
	case startsWithAddress(s) || startsWithIPv6(s):
		h.time = true // an access log's client; its time follows
	case startsWithLogfmtHeader(s):
		h.time, h.level = true, true
	default:
		h.level = startsWithLevel(s)
		if !h.level {
			return h
		}
	}
	if h.time && !h.level {
		h.level = hasLevelWord(line)
	}
	return h
}

// startsWithTime reports whether s starts with a date or a time in one of
// the forms loggers write: 2024-10-08, 2024/10/08, 08/10/2024, 13:08:15,
// 08-Oct-2024, Oct 8, Tue Oct 8, an epoch of 10 or 13 digits, glog's
// I1008 13:08:15 and 20241008 130815.
func startsWithTime(s []byte) bool {
	n := digits(s, 0)
	switch {
	case n == 4 && len(s) > 7 && isDateSep(s[4]) && digits(s, 5) >= 1:
		return true // 2024-10-08, 2024/10/08, 2024.10.08
	case (n == 1 || n == 2) && len(s) > n+2 && isDateSep(s[n]) && (digits(s, n+1) >= 1 || monthAt(s, n+1)):
		return true // 08/10/2024, 8.10.24, 08-Oct-2024
	case (n == 1 || n == 2) && len(s) > n+2 && s[n] == ':' && digits(s, n+1) == 2:
		return true // 13:08:15
	case (n == 1 || n == 2) && len(s) > n+1 && s[n] == ' ' && monthAt(s, n+1):
		return true // 8 Oct 2024
	case n == 10 || n == 13 || n == 16 || n == 19:
		return len(s) == n || s[n] == ' ' || s[n] == '.' || s[n] == ']' || s[n] == ','
	case n == 8 && len(s) > 9 && (s[8] == ' ' || s[8] == 'T') && digits(s, 9) >= 2:
		return true // 20241008 130815
	case n == 0 && len(s) > 5 && (s[0] == 'I' || s[0] == 'W' || s[0] == 'E' || s[0] == 'F') && digits(s, 1) == 4 && s[5] == ' ':
		return true // glog: I1008 13:08:15.123456
	case n == 0 && (monthAt(s, 0) || weekdayAt(s, 0)):
		return true // Oct  8 13:08:15, Tue Oct 8, Tuesday, October 8
	}
	return false
}

func isDateSep(c byte) bool { return c == '-' || c == '/' || c == '.' }

var months = [...]string{"jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"}

var weekdays = [...]string{"mon", "tue", "wed", "thu", "fri", "sat", "sun"}

// monthAt reports whether s[i:] starts with a month's name (Oct, October)
// followed by a blank, a separator, a comma or a digit.
func monthAt(s []byte, i int) bool { return nameAt(s, i, months[:]) }

func weekdayAt(s []byte, i int) bool { return nameAt(s, i, weekdays[:]) }

func nameAt(s []byte, i int, names []string) bool {
	if len(s) < i+4 || !isUpper(s[i]) {
		return false
	}
	for _, n := range names {
		if lower(s[i]) == n[0] && lower(s[i+1]) == n[1] && lower(s[i+2]) == n[2] {
			j := i + 3
			for j < len(s) && isLower(s[j]) {
				j++
			}
			return j < len(s) && (s[j] == ' ' || s[j] == ',' || isDateSep(s[j]) || isDigit(s[j]))
		}
	}
	return false
}

func lower(c byte) byte {
	if isUpper(c) {
		return c + 'a' - 'A'
	}
	return c
}

// startsWithAddress reports whether s starts with an IPv4 address followed
// by a blank, ':' or ',', as access logs do.
func startsWithAddress(s []byte) bool {
	i := 0
	for part := range 4 {
		n := digits(s, i)
		if n == 0 || n > 3 {
			return false
		}
		i += n
		if part < 3 {
			if i >= len(s) || s[i] != '.' {
				return false
			}
			i++
		}
	}
	return i < len(s) && (s[i] == ' ' || s[i] == ':' || s[i] == ',')
}

// startsWithIPv6 reports whether s starts with an IPv6 address (hex
// groups and at least two colons) followed by a blank.
func startsWithIPv6(s []byte) bool {
	colons, i := 0, 0
	for ; i < len(s) && i < 40; i++ {
		c := s[i]
		switch {
		case c == ':':
			colons++
		case isDigit(c) || (lower(c) >= 'a' && lower(c) <= 'f'):
		default:
			return colons >= 2 && c == ' '
		}
	}
	return false
}

// hasTimeNear reports whether a time of day (13:08:15, 5:51:43) stands in
// the first bytes of line: a header in a layout never seen, or in another
// language ("七月 25, 2016 5:51:43 下午 …").
func hasTimeNear(line []byte) bool {
	end := min(len(line), 40)
	for i := 1; i+5 < end; i++ {
		if line[i] == ':' && isDigit(line[i-1]) && digits(line, i+1) == 2 && i+3 < len(line) && line[i+3] == ':' && digits(line, i+4) == 2 {
			return true
		}
	}
	return false
}

// numberedPrefix reports whether the first two words of line hold at least
// two runs of digits, as a prefix of a layout never seen does ("<worker-3>
// 13h08m15 …", "node-2 #4411 …"), while a message rarely does.
func numberedPrefix(line []byte) bool {
	runs, words := 0, 0
	for i := 0; i < len(line) && i < 48; i++ {
		c := line[i]
		if c == ' ' {
			words++
			if words == 2 {
				break
			}
			continue
		}
		if isDigit(c) && (i == 0 || !isDigit(line[i-1])) {
			runs++
		}
	}
	return runs >= 2
}

// logfmtKeys are the keys a logfmt line starts with.
var logfmtKeys = [...]string{"time=", "ts=", "t=", "timestamp=", "level=", "lvl=", "severity=", "date="}

func startsWithLogfmtHeader(s []byte) bool {
	for _, k := range logfmtKeys {
		if bytes.HasPrefix(s, []byte(k)) {
			return true
		}
	}
	return false
}

// levels are the level words a record may start with, upper case. Each one
// must be followed by a byte that is not a letter.
var levels = [...]string{
	"TRACE", "DEBUG", "DBG", "INFO", "INF", "NOTICE", "WARN", "WARNING", "WRN",
	"ERROR", "ERR", "CRIT", "CRITICAL", "FATAL", "FTL", "SEVERE", "ALERT",
	"EMERG", "EMERGENCY", "CONFIG", "FINE", "FINER", "FINEST", "VERBOSE",
}

// lowerLevels are .NET's console abbreviations and the lower-case words
// that start a record when a colon or bracket follows them.
var lowerLevels = [...]string{
	"trce", "dbug", "info", "warn", "fail", "crit",
	"trace", "debug", "warning", "error", "fatal", "critical",
}

// startsWithLevel reports whether s starts with a level: ERROR, [WARN],
// info:, Ruby's "E, [", or "PHP Fatal error:".
func startsWithLevel(s []byte) bool {
	if len(s) > 3 && isUpper(s[0]) && s[1] == ',' && s[2] == ' ' && s[3] == '[' {
		return true // Ruby's Logger: E, [2024-10-08T13:08:15.510 #1] ERROR -- : …
	}
	if bytes.HasPrefix(s, []byte("PHP ")) && !bytes.HasPrefix(s, []byte("PHP Stack trace:")) && !bytes.HasPrefix(s, []byte("PHP  ")) {
		return true
	}
	w := 0
	for w < len(s) && isLetter(s[w]) {
		w++
	}
	if w == 0 || w > 9 {
		return false
	}
	word := s[:w]
	next := byte(' ')
	if w < len(s) {
		next = s[w]
	}
	if allUpper(word) {
		for _, l := range levels {
			if string(word) == l {
				return next == ' ' || next == ':' || next == ']' || next == '|' || next == '\t' || next == '/' || next == '-'
			}
		}
		return false
	}
	if next != ':' && next != ']' {
		return false
	}
	for _, l := range lowerLevels {
		if string(word) == l {
			return true
		}
	}
	return false
}

func allUpper(w []byte) bool {
	for _, c := range w {
		if !isUpper(c) {
			return false
		}
	}
	return len(w) > 0
}

// hasLevelWord reports whether a level word stands alone among the first
// few words of line, as in "2024-10-08 13:08:15 ERROR …".
func hasLevelWord(line []byte) bool {
	end := min(len(line), 64)
	for i := 0; i < end; i++ {
		if (i == 0 || !isLetter(line[i-1])) && isLetter(line[i]) && startsWithLevel(line[i:end]) {
			return true
		}
	}
	return false
}

// shapeLen bounds the shape of a line's start compared between lines.
const shapeLen = 12

// shape returns the leading shape of a line: each run of digits becomes
// '0', of letters 'a', of blanks ' '; other bytes stay themselves. Lines of
// one file that start the same way (its header) have the same shape, while
// an exception's message or a frame does not.
func shape(line []byte) (sh [shapeLen]byte, n int) {
	var prev byte
	for i := 0; i < len(line) && i < 48 && n < shapeLen; i++ {
		c := line[i]
		switch {
		case isDigit(c):
			c = '0'
		case isLetter(c) || c >= 0x80:
			c = 'a'
		case c == ' ' || c == '\t':
			c = ' '
		}
		if c != prev || (c != '0' && c != 'a' && c != ' ') {
			sh[n] = c
			n++
		}
		prev = c
	}
	return sh, n
}

// sameShape reports whether two lines start alike: their shapes agree for
// as long as the shorter one goes, and for at least two runs.
func sameShape(a []byte, an int, b []byte, bn int) bool {
	k := min(an, bn)
	if k < 2 {
		return false
	}
	for i := range k {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// strongPrefixes start lines that only ever continue a record: the parts
// of stack traces that are not indented in some runtime's output.
var strongPrefixes = [...]string{
	"Caused by:", "Suppressed:", "Wrapped by:", // Java
	"During handling of the above exception", "The above exception was the direct cause", // Python
	"created by ", "[signal ", // Go
	"--- End of ",                                                                                 // .NET
	"Stack trace:", "PHP Stack trace:", "PHP   ", "Next ", "[stacktrace]", "[previous exception]", // PHP, Laravel
	"Node.js v", // the last line of Node's report of an uncaught error
}

// isStrongContinuation reports whether s, a line that is not indented, is
// one that continues a record whatever the record is.
func isStrongContinuation(s []byte) bool {
	for _, p := range strongPrefixes {
		if bytes.HasPrefix(s, []byte(p)) {
			return true
		}
	}
	switch {
	case bytes.HasPrefix(s, []byte("goroutine ")) && digits(s, 10) > 0:
		return true // goroutine 1 [running]:
	case len(s) > 1 && s[0] == '#' && digits(s, 1) > 0:
		return true // PHP's #0 /app/x.php(12): f()
	case bytes.HasPrefix(s, []byte("...")) && bytes.HasSuffix(s, []byte(" more")):
		return true // ... 23 more
	}
	return false
}

// isTraceback reports whether s starts Python's traceback.
func isTraceback(s []byte) bool {
	return bytes.HasPrefix(s, []byte("Traceback (most recent call last):"))
}

// isChainLine reports whether s is the line between two chained Python
// tracebacks.
func isChainLine(s []byte) bool {
	return bytes.HasPrefix(s, []byte("During handling of the above exception")) ||
		bytes.HasPrefix(s, []byte("The above exception was the direct cause"))
}

// exceptionSuffixes end the names of exception types.
var exceptionSuffixes = [...]string{"Exception", "Error", "Throwable", "Exit", "Interrupt", "Warning", "Fault", "Failure", "Panic"}

// isExceptionLine reports whether s starts with a (dotted) type name ending
// in Exception, Error and the like, followed by ':' or the end of the line:
// the message line that ends a Python traceback or heads a Java cause.
func isExceptionLine(s []byte) bool {
	i := 0
	for i < len(s) && (isLetter(s[i]) || isDigit(s[i]) || s[i] == '.' || s[i] == '_' || s[i] == '$') {
		i++
	}
	if i == 0 || (i < len(s) && s[i] != ':') {
		return false
	}
	name := s[:i]
	for _, suf := range exceptionSuffixes {
		if bytes.HasSuffix(name, []byte(suf)) {
			return true
		}
	}
	return false
}

// isGoFrame reports whether s is the function line of a Go stack frame,
// "main.main()" or "net/http.(*conn).serve(0xc000118000, …)": no blank
// before the first '(', and a ')' at the end. dotless allows runtime
// names such as "panic({0x45f2a0?, 0x4f0e38?})".
func isGoFrame(s []byte, dotless bool) bool {
	p := bytes.IndexByte(s, '(')
	if p <= 0 || !isLetter(s[0]) || bytes.IndexByte(s[:p], ' ') >= 0 {
		return false
	}
	if !dotless && bytes.IndexByte(s[:p], '.') < 0 {
		return false
	}
	return s[len(s)-1] == ')' || bytes.HasSuffix(s, []byte(") ..."))
}

// isRubyFrame reports whether s is a Ruby backtrace line that is not
// indented: "app/models/user.rb:12:in `save'", or Rails' "actionpack
// (7.1.3) lib/action_dispatch/….rb:41:in `block in serve'".
func isRubyFrame(s []byte) bool {
	i := bytes.Index(s, []byte(":in `"))
	if i < 0 {
		i = bytes.Index(s, []byte(":in '"))
	}
	if i <= 0 {
		return false
	}
	c := bytes.LastIndexByte(s[:i], ':')
	// A frame ends with the method's closing quote; the first line of
	// Ruby's own report ("app.rb:3:in `foo': message (NoMethodError)")
	// goes on with the message and starts a record.
	return c > 0 && c+1 < i && digits(s, c+1) == i-c-1 && s[len(s)-1] == '\''
}

// isSourceLocation reports whether line is a file and line number alone,
// "/app/server.js:14", as Node's report of an uncaught error starts.
func isSourceLocation(line []byte) bool {
	c := bytes.LastIndexByte(line, ':')
	return c > 0 && c+1 < len(line) && digits(line, c+1) == len(line)-c-1 && bytes.IndexByte(line, ' ') < 0
}
