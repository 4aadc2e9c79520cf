// Copyright The Hypha Authors
// SPDX-License-Identifier: Apache-2.0

package pinolines

import (
	"bytes"
	"encoding/json"
	"testing"
)

func TestLines(t *testing.T) {
	const n = 10_000
	a, b := New(7), New(7)
	withIDs, size := 0, 0
	for i := range n {
		line, ids := a.Append(nil, 1_700_000_000_000+int64(i))
		again, _ := b.Append(nil, 1_700_000_000_000+int64(i))
		if !bytes.Equal(line, again) {
			t.Fatalf("line %d differs between two generators of one seed:\n%s\n%s", i, line, again)
		}
		var fields map[string]any
		if err := json.Unmarshal(line, &fields); err != nil {
			t.Fatalf("line %d is not JSON: %v\n%s", i, err, line)
		}
		if _, ok := fields["trace_id"]; ok != ids {
			t.Fatalf("line %d: Append says ids %v, the line says %v:\n%s", i, ids, ok, line)
		}
		if ids {
			withIDs++
		}
		size += len(line)
	}
	if withIDs < n*85/100 || withIDs > n*95/100 {
		t.Errorf("%d of %d lines have ids, want about nine in ten", withIDs, n)
	}
	if avg := size / n; avg < 300 || avg > 360 {
		t.Errorf("lines are %d bytes on average, want about 330", avg)
	}
}
