// Copyright The Hypha Authors
// SPDX-License-Identifier: Apache-2.0

package extract

import "strings"

// maxBracketSkip bounds the bracketed word (a thread name) that may stand
// between a line's time and its level.
const maxBracketSkip = 64

// scanHeader reads the time and level that text loggers write at the start
// of a line, before the message:
//
//	2024-01-01T12:00:00.000Z  INFO 12345 --- [myapp] ...  Spring Boot
//	2024-05-01 12:00:00,123 INFO [app] [app.py:42] ...    Python's default format
//	2024/05/01 12:00:00 INFO hello count=3                Go's log and slog defaults
//	12:00:00.123 [main] INFO  c.e.App - msg              logback, log4j 2
//	[2024-05-01T12:00:00Z INFO  my_crate] message         Rust's env_logger
//	2024/05/01 12:00:00 [error] 12#12: ...               nginx's error log
//	ERROR:root:msg                                        Python's basicConfig
//	info: handling request                                winston's simple format
//	2026-11-24T23:24:07.951Z info: handling request        winston's printf recipes
//	fail: Checkout.Api[0]                                 .NET's console logger
//
// The time is a date and time as parseTime reads them, or a time of day,
// which gives no Timestamp. The level is a word parseLevel knows: in upper
// case when bare, in any case when a colon follows it (winston's
// "info: …", .NET's "fail: …") or brackets hold it. After a time, one
// bracketed word that is no level (a thread name) may come first. Without a
// time, only the line's first word can be its level, so "Error reading
// file" is a message, not a level.
//
// It returns where the text after a time and the blanks that follow it
// starts, 0 when the line does not start with a time: no id can begin
// inside a time that a blank ends.
func scanHeader(s string, r *Result) (body int) {
	// A header starts with a digit, a bracket or a level.
	if s == "" || s[0] != '[' && (s[0] < '0' || s[0] > '9') && !isLetter(s[0]) {
		return 0
	}
	i := 0
	if s[0] == '[' {
		i = 1 // Rust's env_logger brackets its whole header
	}
	var end int
	var zoneless, dated bool
	if i < len(s) && s[i] >= '0' && s[i] <= '9' {
		if end, _, zoneless, dated = dateTime(s[i:], false); !dated {
			end = clockLen(s[i:])
		}
	}
	if end == 0 {
		headerLevel(s, r)
		return 0
	}
	// The time must stand alone, with more after the blanks that end it.
	body = skipBlanks(s, i+end)
	if body == i+end || body == len(s) {
		return 0
	}
	// The level, after one bracketed word that is no level (a thread
	// name) if need be.
	if s[body] != '[' {
		headerLevel(s[body:], r)
	} else if !headerLevel(s[body:], r) {
		if thread := strings.IndexByte(s[body:min(len(s), body+maxBracketSkip)], ']'); thread >= 0 {
			if k := skipBlanks(s, body+thread+1); k > body+thread+1 && k < len(s) {
				headerLevel(s[k:], r)
			}
		}
	}
	// A time without a zone is read only in a default zone: without one
	// its value is not worth the arithmetic.
	if dated && (!zoneless || r.zone != nil) {
		r.SetString(fieldTime, s[i:i+end])
	}
	return body
}

// headerLevel takes the level at the start of s: a bare upper-case word, a
// word in any case before a colon, or a word in any case in brackets. It
// reports whether there was one.
func headerLevel(s string, r *Result) bool {
	if s[0] == '[' {
		end := strings.IndexByte(s[:min(len(s), maxLevelLen+2)], ']')
		if end < 2 || !isLetter(s[1]) {
			return false
		}
		return setHeaderLevel(s[1:end], r)
	}
	n := 0
	for n < len(s) && n <= maxLevelLen && isLetter(s[n]) {
		n++
	}
	if n == 0 {
		return false
	}
	// winston's "info: …", .NET's "fail: …", Python's "ERROR:root:…"
	colon := n < len(s) && s[n] == ':'
	blank := n == len(s) || s[n] == ' ' || s[n] == '\t' || s[n] == ']'
	if !colon && !(blank && isUpper(s[:n])) {
		return false
	}
	return setHeaderLevel(s[:n], r)
}

func setHeaderLevel(word string, r *Result) bool {
	num, text, ok := parseLevel(word)
	if ok && r.SeverityText == "" {
		r.setLevel(num, text, ok)
	}
	return ok
}

// clockLen returns the length of the time of day (hh:mm:ss, with a
// fraction after '.' or ',') at the start of s, or 0.
func clockLen(s string) int {
	if len(s) < 8 || s[2] != ':' || s[5] != ':' || digits(s[0:2]) < 0 || digits(s[3:5]) < 0 || digits(s[6:8]) < 0 {
		return 0
	}
	i := 8
	if i+1 < len(s) && (s[i] == '.' || s[i] == ',') && s[i+1] >= '0' && s[i+1] <= '9' {
		i += 2
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
	}
	return i
}

func isLetter(c byte) bool { return c|0x20 >= 'a' && c|0x20 <= 'z' }

// isUpper reports whether every letter of word, which holds only letters,
// is upper case.
func isUpper(word string) bool {
	for i := 0; i < len(word); i++ {
		if word[i] > 'Z' {
			return false
		}
	}
	return true
}

func skipBlanks(s string, i int) int {
	for i < len(s) && (s[i] == ' ' || s[i] == '\t') {
		i++
	}
	return i
}
