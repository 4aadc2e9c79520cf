// Copyright The Hypha Authors
// SPDX-License-Identifier: Apache-2.0

package extract

import "strings"

// JSON behind text: zap's console columns, and the prefixes that container
// runtimes, syslog, Monolog and plain time-and-level layouts put before an
// object; also the prefixes that tools collecting several containers'
// output put before any line, which are dropped.

// maxPrefixObjects bounds how many '{' of a Monolog line are tried as the
// start of its trailing object, so a message full of braces costs little.
const maxPrefixObjects = 4

// scanZapConsole reads zap's development console encoding: tab-separated
// time, level, [logger,] [caller,] message, then the fields as one JSON
// object ending the line. It reports whether the line had that shape.
func (e *Extractor) scanZapConsole(s string, r *Result) bool {
	if s[len(s)-1] != '}' {
		return false
	}
	obj := strings.Index(s, "\t{")
	if obj < 0 {
		return false
	}
	r.src = formatZapConsole
	if !e.scanJSON(s[obj+1:], r) {
		e.Reset(r, formatNone)
		return false
	}
	// The level is the second column; the time (the first) is the encoder's
	// ISO 8601 or epoch.
	if first := strings.IndexByte(s, '\t'); first < obj {
		level := s[first+1:]
		if t := strings.IndexByte(level, '\t'); t >= 0 {
			level = level[:t]
		}
		r.SetString(fieldLevel, level)
		r.SetString(fieldTime, s[:first])
	}
	return true
}

// scanPrefixedJSON reads a JSON object that a known text prefix puts before
// it, and reports whether the line had that shape:
//
//	2016-10-06T00:17:09.669794202Z stdout F {…}                 container runtime (CRI) log files
//	<165>1 2003-10-11T22:14:15.003Z host app - ID47 - {…}       syslog, RFC 5424 (structured data "-" or [...])
//	<34>Oct 11 22:14:15 host app[123]: {…}                      syslog, RFC 3164, also without <PRI> as rsyslog writes files
//	[2024-05-01 12:00:00] production.ERROR: message {…} []      Monolog's and Laravel's line format
//
// In the first three the object is the whole message. In Monolog's it
// follows the message, and an empty extra "[]" may follow it. The object is
// read as a JSON line is; then the prefix is read as text, so its time and
// level fill in what the object lacks and any ids in it must agree.
func (e *Extractor) scanPrefixedJSON(s string, r *Result) bool {
	end := len(s)
	if strings.HasSuffix(s, " []") {
		end -= 3
	}
	if end == 0 || s[end-1] != '}' {
		return false
	}
	start, search := jsonPrefixEnd(s[:end])
	if start < 0 {
		start = timeLevelEnd(s[:end])
	}
	for tries := 0; start >= 0 && tries < maxPrefixObjects; tries++ {
		o := start
		if search {
			if o = strings.Index(s[start:end], " {"); o < 0 {
				return false
			}
			o += start + 1
			start = o
		}
		if o >= end || s[o] != '{' {
			return false
		}
		r.src = formatJSON
		if e.scanJSON(s[o:end], r) {
			e.scanText(strings.TrimSpace(s[:o]), r)
			return true
		}
		e.Reset(r, formatNone)
		if !search {
			return false
		}
	}
	return false
}

// jsonPrefixEnd returns where the message after a prefix scanPrefixedJSON
// knows starts, and whether the object is to be searched for after it
// (Monolog) rather than starting there; -1 without such a prefix.
func jsonPrefixEnd(s string) (start int, search bool) {
	switch {
	case s[0] == '<':
		return syslogMessage(s), false
	case s[0] == '[':
		// Monolog: "[<date time>] <channel>.<LEVEL>: "
		end, _, _, dated := dateTime(s[1:], false)
		if !dated || 1+end+2 > len(s) || s[1+end] != ']' || s[2+end] != ' ' {
			return -1, false
		}
		return 3 + end, true
	case s[0] >= '0' && s[0] <= '9':
		return criMessage(s), false
	case isLetter(s[0]):
		return bsdSyslogMessage(s), false
	}
	return -1, false
}

// criMessage returns where the message of a CRI log line starts:
// "<RFC 3339 time> stdout|stderr F|P <message>", or -1.
func criMessage(s string) int {
	sp := strings.IndexByte(s, ' ')
	if sp < 0 {
		return -1
	}
	rest := s[sp+1:]
	if !strings.HasPrefix(rest, "stdout ") && !strings.HasPrefix(rest, "stderr ") {
		return -1
	}
	i := sp + 1 + len("stdout ")
	if i+1 < len(s) && (s[i] == 'F' || s[i] == 'P') && s[i+1] == ' ' {
		i += 2
	}
	return i
}

// syslogMessage returns where the message of a syslog line that starts with
// "<PRI>" begins, RFC 5424 or RFC 3164, or -1.
func syslogMessage(s string) int {
	gt := strings.IndexByte(s[:min(len(s), 5)], '>')
	if gt < 2 || digits(s[1:gt]) < 0 {
		return -1
	}
	s5424 := s[gt+1:]
	if len(s5424) < 2 || s5424[0] != '1' || s5424[1] != ' ' {
		if m := bsdSyslogMessage(s[gt+1:]); m >= 0 {
			return gt + 1 + m
		}
		return -1
	}
	// VERSION TIMESTAMP HOSTNAME APP-NAME PROCID MSGID: six fields.
	i := gt + 1
	for range 6 {
		sp := strings.IndexByte(s[i:], ' ')
		if sp < 0 {
			return -1
		}
		i += sp + 1
	}
	// STRUCTURED-DATA: "-" or one or more [...] elements, whose quoted
	// param values may hold an escaped ']'.
	if i < len(s) && s[i] == '-' {
		i++
	} else {
		for i < len(s) && s[i] == '[' {
			j := i + 1
			for j < len(s) && s[j] != ']' {
				if s[j] == '"' {
					if j = stringEnd(s, j+1); j < 0 {
						return -1
					}
				}
				j++
			}
			if j >= len(s) {
				return -1
			}
			i = j + 1
		}
	}
	if i >= len(s) || s[i] != ' ' {
		return -1
	}
	i++
	return i + len(bomPrefix(s[i:]))
}

// bomPrefix returns the UTF-8 byte order mark RFC 5424 puts before a UTF-8
// message, or "".
func bomPrefix(s string) string {
	if strings.HasPrefix(s, "\ufeff") {
		return "\ufeff"
	}
	return ""
}

// bsdSyslogMessage returns where the message of an RFC 3164 line starts,
// "Mmm dd hh:mm:ss host tag: <message>" ("tag[pid]: " too), or -1.
func bsdSyslogMessage(s string) int {
	// "Oct 11 22:14:15 " (the day may be space-padded: "May  1").
	if len(s) < 16 || !isLetter(s[0]) || !isLetter(s[1]) || !isLetter(s[2]) || s[3] != ' ' ||
		s[6] != ' ' || clockLen(s[7:]) != 8 || s[15] != ' ' {
		return -1
	}
	host := strings.IndexByte(s[16:], ' ')
	if host <= 0 {
		return -1
	}
	i := 16 + host + 1
	tag := strings.Index(s[i:min(len(s), i+64)], ": ")
	if tag <= 0 || strings.IndexByte(s[i:i+tag], ' ') >= 0 {
		return -1
	}
	return i + tag + 2
}

// maxCollectorName bounds the container or service name of a collector
// prefix.
const maxCollectorName = 64

// collectorPrefixEnd returns where the line starts after the prefix that a
// tool collecting several containers' output puts before each line, or 0
// when there is none:
//
//	checkout-1  | {…}                          docker compose logs
//	checkout-7d9f8b6c5-x2x4q > app | {…}       stern, kubetail
//	[pod/checkout-7d9f8b6c5-x2x4q/app] {…}     kubectl logs --prefix
//
// The line after it is read as if it stood alone.
func collectorPrefixEnd(s string) int {
	if strings.HasPrefix(s, "[pod/") {
		end := strings.Index(s[:min(len(s), 3*maxCollectorName)], "] ")
		if end < 0 || strings.IndexByte(s[1:end], ' ') >= 0 {
			return 0
		}
		return end + 2
	}
	// docker compose: a service name, blanks padding it, "| "; stern and
	// kubetail: "<pod> > <container> | ".
	n := 0
	for n < len(s) && n < maxCollectorName && isKeyByte(s[n]) {
		n++
	}
	if n == 0 || n == len(s) || s[n] != ' ' {
		return 0
	}
	if strings.HasPrefix(s[n:], " > ") {
		c := n + len(" > ")
		for n = c; n < len(s) && n-c < maxCollectorName && isKeyByte(s[n]); {
			n++
		}
		if n == c || n == len(s) || s[n] != ' ' {
			return 0
		}
	}
	j := skipBlanks(s, n)
	if j+1 < len(s) && s[j] == '|' && s[j+1] == ' ' {
		return j + 2
	}
	if j+1 == len(s) && s[j] == '|' {
		return j + 1
	}
	return 0
}

// timeLevelEnd returns where the object starts in a line that is a date
// and time, a level and the object ("2024-05-01T12:00:00Z INFO {…}"), or
// -1. A word between the level and the object (a message) makes it text.
func timeLevelEnd(s string) int {
	if s == "" || s[0] < '0' || s[0] > '9' {
		return -1
	}
	end, _, _, dated := dateTime(s, false)
	if !dated {
		return -1
	}
	j := skipBlanks(s, end)
	if j == end {
		return -1
	}
	w := j
	for w < len(s) && isLetter(s[w]) {
		w++
	}
	if _, _, ok := parseLevel(s[j:w]); !ok {
		return -1
	}
	o := skipBlanks(s, w)
	if o == w || o >= len(s) || s[o] != '{' {
		return -1
	}
	return o
}
