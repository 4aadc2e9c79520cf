// Copyright The Hypha Authors
// SPDX-License-Identifier: Apache-2.0

package extract

import (
	"strings"
	"testing"
)

// stringEndReference is the plain byte loop stringEnd must agree with.
func stringEndReference(s string, i int) int {
	for ; i < len(s); i++ {
		switch s[i] {
		case '\\':
			i++
		case '"':
			return i
		}
	}
	return -1
}

// stringEndCases have quotes and backslashes before, inside and after
// indexQuote's words, and bytes above 0x7f, whose top bit its arithmetic
// must not take for a quote.
var stringEndCases = []string{
	`"`, `a"`, `abc`, ``, `\"`, `\\"`, `\\\"`, `\\\\"x"`, `a\"b"`, `a\"b\"c`,
	`\`, `ab\`, `abcdefghijklmnopqrstuvwxyz"`, `abcdefgh\"ijklmnop"`,
	`abcdefg"`, `abcdefgh"`, `abcdefghijklmno"`, `abcdefghijklmnop"`, `abcdefghijklmnopqrstuvw"`,
	`abcdefghijklmnopqrstuvwx"`, "\xa2\xa2\xa2\xa2\xa2\xa2\xa2\xa2\xa2\"", "\x00\x01\x21\x23\xff\x7f\"\x22",
	strings.Repeat("a", 39) + `"`, strings.Repeat("a", 40) + `"`, strings.Repeat("a", 41) + `"`,
	`abc\\def"`, `abcdefg\"h"`, `abcdefgh\\\"ijklmnopqrstuvw\\"x"`, `\\\\\\\\\\\\\\\\\\\\"`,
}

func TestStringEnd(t *testing.T) {
	for _, s := range stringEndCases {
		checkWordScans(t, s)
	}
}

// checkWordScans compares stringEnd and indexQuote with byte loops from the
// first 64 offsets of s: every alignment of indexQuote's quoteWords words,
// without a search per byte of a long fuzzed input.
func checkWordScans(t *testing.T, s string) {
	t.Helper()
	for i := 0; i <= len(s) && i < 64; i++ {
		if got, want := stringEnd(s, i), stringEndReference(s, i); got != want {
			t.Fatalf("stringEnd(%q, %d) = %d, want %d", s, i, got, want)
		}
		want := strings.IndexByte(s[i:], '"')
		if want >= 0 {
			want += i
		}
		if got := indexQuote(s, i); got != want {
			t.Fatalf("indexQuote(%q, %d) = %d, want %d", s, i, got, want)
		}
	}
}

func FuzzStringEnd(f *testing.F) {
	for _, s := range stringEndCases {
		f.Add(s)
	}
	f.Fuzz(checkWordScans)
}

// digitsEndReference is the plain byte loop digitsEnd must agree with.
func digitsEndReference(s string, i, limit int) int {
	j := i
	for j < len(s) && j-i < limit && s[j] >= '0' && s[j] <= '9' {
		j++
	}
	return j
}

var digitsEndCases = []string{
	``, `0`, `30,`, `1795562617043,"pid"`, `12345678`, `123456789`, `1234567812345678`, `12345678123456789`,
	`1234567890123456789012`, `12.5`, `1/2:3`, "9\xb9\xb0\x3a\x2f\xff123", `-12`, `0000000000000000000000`,
}

func TestDigitsEnd(t *testing.T) {
	for _, s := range digitsEndCases {
		checkDigitsEnd(t, s)
	}
}

// checkDigitsEnd compares digitsEnd with a byte loop from every offset of s,
// at the limit scanValue uses and at smaller ones.
func checkDigitsEnd(t *testing.T, s string) {
	t.Helper()
	for i := 0; i <= len(s); i++ {
		for _, limit := range []int{0, 1, 7, 8, 9, 16, 18} {
			if got, want := digitsEnd(s, i, limit), digitsEndReference(s, i, limit); got != want {
				t.Fatalf("digitsEnd(%q, %d, %d) = %d, want %d", s, i, limit, got, want)
			}
		}
	}
}

func FuzzDigitsEnd(f *testing.F) {
	for _, s := range digitsEndCases {
		f.Add(s)
	}
	f.Fuzz(checkDigitsEnd)
}
