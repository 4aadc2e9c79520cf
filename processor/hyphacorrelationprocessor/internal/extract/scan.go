// Copyright The Hypha Authors
// SPDX-License-Identifier: Apache-2.0

package extract

import (
	"math/bits"
	"strconv"
	"strings"
)

// byteClass sorts bytes for the key=value and JSON scanners; a table
// look-up is cheaper than a chain of comparisons on every byte of a value.
var byteClass = func() (t [256]uint8) {
	for c := 'a'; c <= 'z'; c++ {
		t[c] |= classKey
	}
	for c := 'A'; c <= 'Z'; c++ {
		t[c] |= classKey
	}
	for c := '0'; c <= '9'; c++ {
		t[c] |= classKey
	}
	for _, c := range "_.-@" {
		t[c] |= classKey
	}
	for _, c := range " \t[({,;|" {
		t[c] |= classKeySep
	}
	for _, c := range " \t])},;\"" {
		t[c] |= classValueEnd
	}
	for _, c := range ",}] \t\n\r" {
		t[c] |= classTokenEnd
	}
	return t
}()

const (
	classKey uint8 = 1 << iota
	classKeySep
	classValueEnd
	classTokenEnd // ends a bare JSON token (number, true, false, null)
)

func isKeyByte(c byte) bool  { return byteClass[c]&classKey != 0 }
func isKeySep(c byte) bool   { return byteClass[c]&classKeySep != 0 }
func isValueEnd(c byte) bool { return byteClass[c]&classValueEnd != 0 }
func isTokenEnd(c byte) bool { return byteClass[c]&classTokenEnd != 0 }

// skipSpace skips JSON whitespace. Compact JSON has none, so one
// comparison settles the common case.
func skipSpace(s string, i int) int {
	for i < len(s) && s[i] <= ' ' && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r') {
		i++
	}
	return i
}

// stringEnd returns the index of the quote that closes the string whose
// content starts at s[i], or -1. The common case, a quote with no backslash
// before it, is settled here; escapes go to stringEndEscaped.
func stringEnd(s string, i int) int {
	q := indexQuote(s, i)
	if q > i && s[q-1] != '\\' {
		return q
	}
	return stringEndEscaped(s, i, q)
}

// stringEndEscaped finishes stringEnd once the quote it found at s[q] is
// not plainly the end: q is -1 when there is no quote, i for an empty
// string, and otherwise a quote with a backslash before it, which is escaped
// when the backslashes before it are odd in number.
func stringEndEscaped(s string, i, q int) int {
	for start := i; q >= start; {
		backslashes := 0
		for j := q - 1; j >= start && s[j] == '\\'; j-- {
			backslashes++
		}
		if backslashes%2 == 0 {
			return q
		}
		i = q + 1
		q = strings.IndexByte(s[i:], '"') + i
		if q < i {
			return -1
		}
	}
	return -1
}

// Word-at-a-time constants: a one, the top bit, a quote and a '0' in every
// byte.
const (
	byteOnes   = 0x0101010101010101
	byteHighs  = 0x8080808080808080
	byteQuotes = 0x2222222222222222
	byteZeros  = 0x3030303030303030
)

// quoteWords is how many 8-byte words indexQuote tests itself before it
// hands the search to strings.IndexByte.
const quoteWords = 5

// indexQuote returns the index of the first '"' in s at or after i, or -1.
// JSON keys and most values, trace ids among them, are shorter than 40
// bytes, and for those a few 8-byte words, each tested for a quote byte
// with arithmetic, settle the search in less time than strings.IndexByte
// takes to set up its vector loop; longer strings go on with IndexByte.
func indexQuote(s string, i int) int {
	for n := 0; n < quoteWords && i+8 <= len(s); n++ {
		w := load64(s, i) ^ byteQuotes // a quote byte becomes zero
		// The lowest byte flagged here is the first zero byte; a borrow can
		// flag bytes above it, never below.
		if zero := (w - byteOnes) &^ w & byteHighs; zero != 0 {
			return i + bits.TrailingZeros64(zero)>>3
		}
		i += 8
	}
	q := strings.IndexByte(s[i:], '"')
	if q < 0 {
		return -1
	}
	return i + q
}

// digitsEnd returns the index after the decimal digits that start at s[i],
// at most limit of them, testing a word at a time.
func digitsEnd(s string, i, limit int) int {
	end := min(len(s), i+limit)
	for i+8 <= end {
		// A byte is a digit when it is at most 9 after the xor; adding
		// 0x76 to its low seven bits sets the top bit of those above 9, and
		// cannot carry into the next byte.
		w := load64(s, i) ^ byteZeros
		if high := ((w &^ byteHighs) + byteOnes*0x76 | w) & byteHighs; high != 0 {
			return i + bits.TrailingZeros64(high)>>3
		}
		i += 8
	}
	for i < end && s[i]-'0' <= 9 {
		i++
	}
	return i
}

// load64 reads s[i:i+8] as a little-endian word: the first byte is the
// lowest. The compiler makes it one load.
func load64(s string, i int) uint64 {
	b := s[i : i+8]
	return uint64(b[0]) | uint64(b[1])<<8 | uint64(b[2])<<16 | uint64(b[3])<<24 |
		uint64(b[4])<<32 | uint64(b[5])<<40 | uint64(b[6])<<48 | uint64(b[7])<<56
}

// parseDecimal parses an unsigned decimal that fits in 64 bits.
func parseDecimal(s string) (uint64, bool) {
	if len(s) == 0 || len(s) > 20 {
		return 0, false
	}
	var v uint64
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		d := uint64(c - '0')
		if v > (1<<64-1-d)/10 {
			return 0, false
		}
		v = v*10 + d
	}
	return v, true
}

// parseInt parses a signed decimal that fits in an int64.
func parseInt(s string) (int64, bool) {
	neg := len(s) > 0 && s[0] == '-'
	if neg {
		s = s[1:]
	}
	u, ok := parseDecimal(s)
	if !ok || u > 1<<63-1 {
		return 0, false
	}
	if neg {
		return -int64(u), true
	}
	return int64(u), true
}

func parseFloat(s string) (float64, bool) {
	x, err := strconv.ParseFloat(s, 64)
	return x, err == nil
}

// parseBool reads the spellings of booleans in text: Python writes True/False.
func parseBool(s string) (bool, bool) {
	switch s {
	case "true", "True", "TRUE", "1":
		return true, true
	case "false", "False", "FALSE", "0":
		return false, true
	}
	return false, false
}
