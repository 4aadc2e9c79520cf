package extract

import (
	"math"
	"strconv"
)

// Epoch values are told apart by magnitude: below 1e11 they are seconds (up
// to the year 5138), below 1e14 milliseconds, below 1e17 microseconds, and
// nanoseconds above. Every logger we know of falls clearly in one range.
const (
	maxEpochSeconds = 1e11
	maxEpochMillis  = 1e14
	maxEpochMicros  = 1e17
)

// ParseTime parses an RFC 3339 / ISO 8601 time ("2026-11-24T23:11:32.208Z",
// with 'T', 't' or ' ' between date and time, '.' or ',' before the
// fraction, and Z or a ±hh[:mm] offset), the same with '/' between the date's
// parts (Go's log package), or an epoch number written as text
// ("1795562617043", "1795561892.2085588"). It returns unix nanoseconds; ok
// is false for anything else or out of range.
//
// A time written without Z or an offset is local to a zone the line does not
// name: it is returned as if it were UTC, with zoneless set, and the caller
// decides (see Result.TimeZoneless).
func ParseTime(s string) (ns int64, zoneless, ok bool) {
	if len(s) == 0 || s[0] < '0' || s[0] > '9' {
		return 0, false, false
	}
	if len(s) >= 10 && (s[4] == '-' || s[4] == '/') {
		return parseDateTime(s)
	}
	ns, ok = parseEpochText(s)
	return ns, false, ok
}

// ParseEpoch converts an epoch number of seconds, milliseconds, microseconds
// or nanoseconds (told apart by magnitude) to unix nanoseconds.
func ParseEpoch(x float64) (int64, bool) {
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
	return ParseEpoch(x)
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

// parseDateTime parses the date and time forms ParseTime describes; s[4]
// is the date's separator, '-' or '/'.
func parseDateTime(s string) (ns int64, zoneless, ok bool) {
	end, zoneless, ok := dateTimeEnd(s)
	if !ok || end != len(s) {
		return 0, false, false
	}
	ns, ok = dateTimeValue(s)
	return ns, zoneless && ok, ok
}

// dateTimeEnd checks the shape of the date and time at the start of s and
// returns where it ends: after the seconds, the fraction and the zone, if
// any. It does not check the ranges of the fields; dateTimeValue does.
func dateTimeEnd(s string) (end int, zoneless, ok bool) {
	if len(s) < 19 || s[4] != s[7] || (s[4] != '-' && s[4] != '/') || s[13] != ':' || s[16] != ':' {
		return 0, false, false
	}
	if c := s[10]; c != 'T' && c != 't' && c != ' ' {
		return 0, false, false
	}
	i := 19
	if i < len(s) && (s[i] == '.' || s[i] == ',') {
		i++
		start := i
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
		if i == start {
			return 0, false, false
		}
	}
	if i == len(s) {
		return i, true, true
	}
	switch s[i] {
	case 'Z', 'z':
		return i + 1, false, true
	case '+', '-':
		n := offsetLen(s[i+1:])
		if n == 0 {
			return 0, false, false
		}
		return i + 1 + n, false, true
	}
	return i, true, true
}

// dateTimeValue converts a date and time whose end dateTimeEnd found (s
// ends there) to unix nanoseconds; a time without zone is read as UTC.
func dateTimeValue(s string) (int64, bool) {
	year, month, day := digits(s[0:4]), digits(s[5:7]), digits(s[8:10])
	hour, minute, sec := digits(s[11:13]), digits(s[14:16]), digits(s[17:19])
	if year < minYear || year > maxYear || month < 1 || month > 12 || day < 1 || day > daysIn(month, year) ||
		hour < 0 || hour > 23 || minute < 0 || minute > 59 || sec < 0 || sec > 60 {
		return 0, false
	}
	i := 19
	var frac int64
	if i < len(s) && (s[i] == '.' || s[i] == ',') {
		i++
		for scale := int64(1e8); i < len(s) && s[i] >= '0' && s[i] <= '9'; i++ {
			frac += int64(s[i]-'0') * scale
			scale /= 10
		}
	}
	var offset int // seconds east of UTC
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		var ok bool
		if offset, ok = parseOffset(s[i+1:]); !ok {
			return 0, false
		}
		if s[i] == '-' {
			offset = -offset
		}
	}
	secs := daysFromCivil(year, month, day)*86400 + int64(hour*3600+minute*60+sec-offset)
	ns := secs*1e9 + frac
	return ns, ns > 0
}

// offsetLen returns the length of the hh, hh:mm or hhmm offset at the start
// of s (after its sign), or 0. A longer run of digits is no offset.
func offsetLen(s string) int {
	isDigit := func(i int) bool { return i < len(s) && s[i] >= '0' && s[i] <= '9' }
	switch {
	case !isDigit(0) || !isDigit(1):
		return 0
	case len(s) >= 5 && s[2] == ':' && isDigit(3) && isDigit(4):
		return 5
	case isDigit(2) && isDigit(3):
		if isDigit(4) {
			return 0
		}
		return 4
	case isDigit(2):
		return 0
	}
	return 2
}

// parseOffset reads hh, hh:mm or hhmm.
func parseOffset(s string) (int, bool) {
	var h, m int
	switch len(s) {
	case 2:
		h, m = digits(s), 0
	case 4:
		h, m = digits(s[:2]), digits(s[2:])
	case 5:
		if s[2] != ':' {
			return 0, false
		}
		h, m = digits(s[:2]), digits(s[3:])
	default:
		return 0, false
	}
	if h < 0 || h > 23 || m < 0 || m > 59 {
		return 0, false
	}
	return h*3600 + m*60, true
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
