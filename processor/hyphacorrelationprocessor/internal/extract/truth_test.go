// Copyright The Hypha Authors
// SPDX-License-Identifier: Apache-2.0

package extract

import (
	"encoding/hex"
	"encoding/json"
	"strings"
	"testing"
)

// TestNodeSamplesMatchTruth checks the pino and winston captures against the
// span context the handler read from @opentelemetry/api in the same run: the
// nth line with a trace id must carry the nth truth record.
func TestNodeSamplesMatchTruth(t *testing.T) {
	type truth struct {
		Where      string `json:"where"`
		TraceID    string `json:"traceId"`
		SpanID     string `json:"spanId"`
		TraceFlags int    `json:"traceFlags"`
	}
	var want []truth
	_, lines := goldenInputs(t, "testdata/samples/node-truth-and-exported-spans.log")
	for _, line := range lines {
		if !strings.Contains(line, `"where"`) {
			continue // exported spans, not the handler's view
		}
		var tr truth
		if err := json.Unmarshal([]byte(line), &tr); err != nil {
			t.Fatal(err)
		}
		want = append(want, tr)
	}
	if len(want) != 6 {
		t.Fatalf("truth records: got %d, want 6", len(want))
	}

	e := New(Options{})
	for _, sample := range []string{"node-pino.log", "node-winston.log"} {
		_, lines := goldenInputs(t, "testdata/samples/"+sample)
		var got []Result
		for _, line := range lines {
			var r Result
			e.FromString(line, &r)
			if r.HasTrace {
				got = append(got, r)
			}
		}
		if len(got) != len(want) {
			t.Fatalf("%s: %d lines with ids, truth has %d", sample, len(got), len(want))
		}
		for i, w := range want {
			r := got[i]
			if hex.EncodeToString(r.TraceID[:]) != w.TraceID || hex.EncodeToString(r.SpanID[:]) != w.SpanID ||
				!r.HasSpan || !r.HasFlags || int(r.Flags) != w.TraceFlags {
				t.Errorf("%s %s: got %x/%x/%d, want %s/%s/%d", sample, w.Where,
					r.TraceID, r.SpanID, r.Flags, w.TraceID, w.SpanID, w.TraceFlags)
			}
		}
	}
}
