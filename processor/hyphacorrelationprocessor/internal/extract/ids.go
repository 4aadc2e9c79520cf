// Copyright The Hypha Authors
// SPDX-License-Identifier: Apache-2.0

package extract

import "strings"

// idStatus separates "no id here" (a placeholder) from "an id that is
// wrong", because only the latter is counted as rejected.
type idStatus uint8

const (
	idAbsent idStatus = iota
	idValid
	idInvalid
)

// decimalStatus classifies a Datadog id given as a number: ids are
// unsigned, 0 is the placeholder.
func decimalStatus(n int64) idStatus {
	switch {
	case n > 0:
		return idValid
	case n < 0:
		return idInvalid
	}
	return idAbsent
}

// hexVal maps a byte to its value as a hex digit, or 0xff.
var hexVal = func() (t [256]byte) {
	for i := range t {
		t[i] = 0xff
	}
	for c := byte('0'); c <= '9'; c++ {
		t[c] = c - '0'
	}
	for c := byte('a'); c <= 'f'; c++ {
		t[c] = c - 'a' + 10
		t[c-'a'+'A'] = c - 'a' + 10
	}
	return t
}()

// decodeHex fills dst from exactly 2*len(dst) hex digits of either case.
func decodeHex(dst []byte, s string) bool {
	if len(s) != 2*len(dst) {
		return false
	}
	for i := range dst {
		hi, lo := hexVal[s[2*i]], hexVal[s[2*i+1]]
		if hi|lo > 0x0f {
			return false
		}
		dst[i] = hi<<4 | lo
	}
	return true
}

func isHex(s string) bool {
	for i := 0; i < len(s); i++ {
		if hexVal[s[i]] > 0x0f {
			return false
		}
	}
	return true
}

// isPlaceholder reports the values loggers write when there is no span:
// empty (Java MDC patterns), "0" (Python), all zeros, "null" and "-".
func isPlaceholder(s string) bool {
	if s == "null" || s == "-" {
		return true
	}
	for i := 0; i < len(s); i++ {
		if s[i] != '0' {
			return false
		}
	}
	return true
}

func parseTrace(s string) (id [16]byte, st idStatus) {
	if isPlaceholder(s) {
		return id, idAbsent
	}
	ok := false
	switch len(s) {
	case 32:
		ok = decodeHex(id[:], s)
	case 16: // a 64-bit id (B3, Jaeger, Sleuth): left-padded with zeros
		ok = decodeHex(id[8:], s)
	}
	if !ok {
		return [16]byte{}, idInvalid
	}
	return id, idValid
}

func parseSpan(s string) (id [8]byte, st idStatus) {
	if isPlaceholder(s) {
		return id, idAbsent
	}
	if !decodeHex(id[:], s) {
		return [8]byte{}, idInvalid
	}
	return id, idValid
}

// parseFlags parses W3C trace flags written as one or two hex digits ("01").
func parseFlags(s string) (uint8, bool) {
	if len(s) == 0 || len(s) > 2 || !isHex(s) {
		return 0, false
	}
	var v uint8
	for i := 0; i < len(s); i++ {
		v = v<<4 | hexVal[s[i]]
	}
	return v, true
}

func putUint64(b []byte, v uint64) {
	_ = b[7]
	for i := 7; i >= 0; i-- {
		b[i] = byte(v)
		v >>= 8
	}
}

// parseGCPTrace accepts "projects/<project>/traces/<hex>" or bare hex.
func parseGCPTrace(s string) ([16]byte, idStatus) {
	if i := strings.LastIndex(s, "/traces/"); i >= 0 {
		s = s[i+len("/traces/"):]
	}
	return parseTrace(s)
}
