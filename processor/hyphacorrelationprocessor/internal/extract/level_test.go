// Copyright The Hypha Authors
// SPDX-License-Identifier: Apache-2.0

package extract

import "testing"

func TestParseLevel(t *testing.T) {
	for in, want := range map[string]int32{
		"trace": 1, "TRACE": 1, "Verbose": 1, "debug": 5, "info": 9, "Information": 9, "NOTICE": 9,
		"warn": 13, "Warning": 13, "error": 17, "ERR": 17, "fail": 17, "fatal": 21, "Critical": 21,
		"crit": 21, "panic": 21, "emerg": 21, "alert": 21, "30": 9, "60": 21,
		"": 0, "custom": 0, "informational": 0, "35": 0,
	} {
		if got, _, _ := parseLevel(in); got != want {
			t.Errorf("parseLevel(%q) = %d, want %d", in, got, want)
		}
	}
}
