// Copyright The Hypha Authors
// SPDX-License-Identifier: Apache-2.0

package extract

import (
	"bytes"
	"encoding/hex"
	"strings"
	"testing"
)

func TestParseIDs(t *testing.T) {
	for _, tc := range []struct {
		in        string
		trace, sp idStatus
	}{
		{"4bf92f3577b34da6a3ce929d0e0e4736", idValid, idInvalid},
		{"4BF92F3577B34DA6A3CE929D0E0E4736", idValid, idInvalid},
		{"00f067aa0ba902b7", idValid, idValid},
		{"", idAbsent, idAbsent},
		{"0", idAbsent, idAbsent},
		{"null", idAbsent, idAbsent},
		{strings.Repeat("0", 32), idAbsent, idAbsent},
		{strings.Repeat("0", 16), idAbsent, idAbsent},
		{"4bf92f3577b34da6a3ce929d0e0e473g", idInvalid, idInvalid},
		{"4bf92f3577b34da6a3ce929d0e0e47", idInvalid, idInvalid},
		{"4bf92f35-77b3-4da6-a3ce-929d0e0e4736", idInvalid, idInvalid},
	} {
		if _, st := parseTrace(tc.in); st != tc.trace {
			t.Errorf("parseTrace(%q) = %v, want %v", tc.in, st, tc.trace)
		}
		if _, st := parseSpan(tc.in); st != tc.sp {
			t.Errorf("parseSpan(%q) = %v, want %v", tc.in, st, tc.sp)
		}
	}
	if id, st := parseTrace("a3ce929d0e0e4736"); st != idValid || id != [16]byte{8: 0xa3, 0xce, 0x92, 0x9d, 0x0e, 0x0e, 0x47, 0x36} {
		t.Errorf("64-bit trace id not left-padded: %x %v", id, st)
	}
}

// TestDecodeHex puts every byte value at every position of two ids, one in
// either case, and compares with encoding/hex.
func TestDecodeHex(t *testing.T) {
	for _, id := range []string{"4bF92f3577B34da6", "a3CE92"} {
		for pos := range len(id) {
			for c := range 256 {
				s := id[:pos] + string([]byte{byte(c)}) + id[pos+1:]
				want, err := hex.DecodeString(s)
				got := make([]byte, len(id)/2)
				if ok := decodeHex(got, s); ok != (err == nil) || ok && !bytes.Equal(got, want) {
					t.Fatalf("decodeHex(%q) = %x, %v; want %x, %v", s, got, ok, want, err)
				}
			}
		}
	}
}
