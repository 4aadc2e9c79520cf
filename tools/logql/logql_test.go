// Copyright The Hypha Authors
// SPDX-License-Identifier: Apache-2.0

package logql

import (
	"slices"
	"testing"
)

// TestParse: a query that parses has no errors and its literals as written;
// a broken one has errors, or the checks built on Parse check nothing.
func TestParse(t *testing.T) {
	queries := []string{
		`{service_name="cart"} | trace_id="0123" |= "a \"b\""`,
		`{service_name="a" | trace_id=`,
	}
	r := Parse(t, queries)
	if r[0].Query != queries[0] || len(r[0].Errors) != 0 {
		t.Errorf("%s: %v", r[0].Query, r[0].Errors)
	}
	if want := []string{`"cart"`, `"0123"`, `"a \"b\""`}; !slices.Equal(r[0].Strings, want) {
		t.Errorf("literals %q, want %q", r[0].Strings, want)
	}
	if len(r[1].Errors) == 0 {
		t.Errorf("%s parses: the grammar check is not working", r[1].Query)
	}
}
