// Copyright The Hypha Authors
// SPDX-License-Identifier: Apache-2.0

package extract

import (
	"math"
	"strconv"
	"time"
)

// Epoch values are told apart by magnitude: below 1e11 they are seconds (up
// to the year 5138), below 1e14 milliseconds, below 1e17 microseconds, and
// nanoseconds above. Every logger we know of falls clearly in one range.
const (
	maxEpochSeconds = 1e11
	maxEpochMillis  = 1e14
	maxEpochMicros  = 1e17
)

// parseTime parses an RFC 3339 / ISO 8601 time ("2026-11-24T23:11:32.208Z",
// with 'T', 't' or ' ' between date and time, '.' or ',' before the
// fraction, and Z or a ±hh[:mm] offset), the same with '/' between the date's
// parts (Go's log package), or an epoch number written as text
// ("1795562617043", "1795561892.2085588"). It returns unix nanoseconds; ok
// is false for anything else or out of range.
//
// A time written without Z or an offset is local to a zone the line does not
// name: it is returned as if it were UTC, with zoneless set, and the caller
// decides (see Result.readTime and Options.DefaultTimeZone).
func parseTime(s string) (ns int64, zoneless, ok bool) {
	if len(s) == 0 || s[0] < '0' || s[0] > '9' {
		return 0, false, false
	}
	if len(s) >= 10 && (s[4] == '-' || s[4] == '/') {
		return parseDateTime(s)
	}
	ns, ok = parseEpochText(s)
	return ns, false, ok
}

// inZone reads the wall clock ns (unix nanoseconds as if in UTC) in zone;
// 0 when zone is nil or the result is not after the epoch.
func inZone(ns int64, zone *time.Location) int64 {
	switch zone {
	case nil:
		return 0
	case time.UTC:
		return ns
	}
	wall := time.Unix(0, ns).UTC()
	t := time.Date(wall.Year(), wall.Month(), wall.Day(), wall.Hour(), wall.Minute(), wall.Second(), wall.Nanosecond(), zone)
	return max(t.UnixNano(), 0)
}

// parseEpoch converts an epoch number of seconds, milliseconds, microseconds
// or nanoseconds (told apart by magnitude) to unix nanoseconds.
func parseEpoch(x float64) (int64, bool) {
	switch {
	case !(x > 0): // also NaN
		return 0, false
	case x < maxEpochSeconds:
		x *= 1e9
	case x < maxEpochMillis:
		x *= 1e6
	case x < maxEpochMicros:
		x *= 1e3
	}
	if x >= math.MaxInt64 || x < 1 {
		return 0, false
	}
	return int64(x), true
}

// epochInt converts an integer epoch plus a fraction of its unit, given as
// the digits after the decimal point, to unix nanoseconds without going
// through float64, so that zap's 1795561892.2085588 keeps every digit.
func epochInt(n int64, frac string) (int64, bool) {
	var unit int64
	switch {
	case n <= 0:
		return 0, false
	case n < maxEpochSeconds:
		unit = 1e9
	case n < maxEpochMillis:
		unit = 1e6
	case n < maxEpochMicros:
		unit = 1e3
	default:
		unit = 1
	}
	if n > math.MaxInt64/unit {
		return 0, false
	}
	ns := n * unit
	for i := 0; i < len(frac) && unit > 1; i++ {
		unit /= 10
		ns += int64(frac[i]-'0') * unit
	}
	return ns, ns > 0
}

func parseEpochText(s string) (int64, bool) {
	i := 0
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	n, ok := parseInt(s[:i])
	if !ok {
		return 0, false
	}
	if i == len(s) {
		return epochInt(n, "")
	}
	if s[i] == '.' {
		j := i + 1
		for j < len(s) && s[j] >= '0' && s[j] <= '9' {
			j++
		}
		if j == len(s) && j > i+1 {
			return epochInt(n, s[i+1:])
		}
	}
	// An exponent or some other unusual number: rare enough for strconv.
	x, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return 0, false
	}
	return parseEpoch(x)
}

// digits returns the value of the decimal digits in s, or -1.
func digits(s string) int {
	n := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return -1
		}
		n = n*10 + int(c-'0')
	}
	return n
}

// Years accepted: after the epoch (a log line from before 1970 is a broken
// clock) and within int64 nanoseconds.
const (
	minYear = 1970
	maxYear = 2261
)

// parseDateTime parses the date and time forms parseTime describes; s[4]
// is the date's separator, '-' or '/'.
func parseDateTime(s string) (ns int64, zoneless, ok bool) {
	end, ns, zoneless, ok := dateTime(s, true)
	if !ok || end != len(s) || ns <= 0 {
		return 0, false, false
	}
	return ns, zoneless, true
}

// dateTime reads the date and time at the start of s in one pass and
// returns where it ends (after the seconds, the fraction and the zone, if
// any) and whether it has no zone. ok reports the shape; with value, ns is
// its unix nanoseconds (a zone-less time read as UTC), or 0 when a field is
// out of range. A caller that will not use the value saves its arithmetic.
func dateTime(s string, value bool) (end int, ns int64, zoneless, ok bool) {
	if len(s) < 19 || s[4] != s[7] || (s[4] != '-' && s[4] != '/') || s[13] != ':' || s[16] != ':' {
		return 0, 0, false, false
	}
	if c := s[10]; c != 'T' && c != 't' && c != ' ' {
		return 0, 0, false, false
	}
	i := 19
	var frac int64
	if i < len(s) && (s[i] == '.' || s[i] == ',') {
		i++
		start := i
		for scale := int64(1e8); i < len(s) && s[i] >= '0' && s[i] <= '9'; i++ {
			frac += int64(s[i]-'0') * scale
			scale /= 10
		}
		if i == start {
			return 0, 0, false, false
		}
	}
	offset := 0 // seconds east of UTC
	zoneless = true
	if i < len(s) {
		switch s[i] {
		case 'Z', 'z':
			i++
			zoneless = false
		case '+', '-':
			n, secs := parseOffset(s[i+1:])
			if n == 0 {
				return 0, 0, false, false
			}
			if s[i] == '-' {
				secs = -secs
			}
			i += 1 + n
			offset, zoneless = secs, false
		}
	}
	if !value {
		return i, 0, zoneless, true
	}
	year, month, day := digits(s[0:4]), digits(s[5:7]), digits(s[8:10])
	hour, minute, sec := digits(s[11:13]), digits(s[14:16]), digits(s[17:19])
	if year < minYear || year > maxYear || month < 1 || month > 12 || day < 1 || day > daysIn(month, year) ||
		hour < 0 || hour > 23 || minute < 0 || minute > 59 || sec < 0 || sec > 60 {
		return i, 0, zoneless, true
	}
	secs := daysFromCivil(year, month, day)*86400 + int64(hour*3600+minute*60+sec-offset)
	return i, max(secs*1e9+frac, 0), zoneless, true
}

// parseOffset reads the hh, hh:mm or hhmm offset at the start of s (after
// its sign) and returns its length and seconds; length 0 when there is
// none. A longer run of digits is no offset.
func parseOffset(s string) (n, secs int) {
	d := func(i int) int {
		if i < len(s) && s[i] >= '0' && s[i] <= '9' {
			return int(s[i] - '0')
		}
		return -1
	}
	h, m := d(0)*10+d(1), 0
	switch {
	case d(0) < 0 || d(1) < 0:
		return 0, 0
	case len(s) >= 5 && s[2] == ':' && d(3) >= 0 && d(4) >= 0:
		n, m = 5, d(3)*10+d(4)
	case d(2) >= 0 && d(3) >= 0 && d(4) < 0:
		n, m = 4, d(2)*10+d(3)
	case d(2) >= 0:
		return 0, 0
	default:
		n = 2
	}
	if h > 23 || m > 59 {
		return 0, 0
	}
	return n, h*3600 + m*60
}

func daysIn(month, year int) int {
	switch month {
	case 2:
		if year%4 == 0 && (year%100 != 0 || year%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}

// daysFromCivil counts days from 1970-01-01 to a proleptic Gregorian date
// (years from 1 on), using eras of 400 years that start in March so that the
// leap day falls at the end.
func daysFromCivil(y, m, d int) int64 {
	if m <= 2 {
		y--
	}
	era := y / 400
	yoe := y - era*400
	doy := (153*((m+9)%12)+2)/5 + d - 1
	doe := yoe*365 + yoe/4 - yoe/100 + doy
	return int64(era*146097 + doe - 719468)
}
