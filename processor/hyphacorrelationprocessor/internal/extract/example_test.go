// Copyright The Hypha Authors
// SPDX-License-Identifier: Apache-2.0

package extract_test

import (
	"fmt"
	"sort"

	"github.com/hypha-obs/hypha/processor/hyphacorrelationprocessor/internal/extract"
)

// walk reads a map the way the processor reads a pcommon.Map body or the
// log attributes: classify each key, hand scalar values to the Set method
// of their type, and look one level into the nested values Classify marks.
func walk(e *extract.Extractor, r *extract.Result, parent extract.Field, m map[string]any) {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k) // pcommon.Map keeps insertion order; sort for a stable example
	}
	sort.Strings(keys)
	for _, k := range keys {
		f := e.Classify(k)
		if parent != extract.FieldNone {
			f = e.ClassifyIn(parent, k)
		}
		if f == extract.FieldNone {
			continue
		}
		switch v := m[k].(type) {
		case string:
			r.SetString(f, v)
		case int64:
			r.SetInt(f, v)
		case float64:
			r.SetDouble(f, v)
		case bool:
			r.SetBool(f, v)
		case map[string]any:
			if parent == extract.FieldNone && f.Nested() {
				walk(e, r, f, v)
			}
		case []any:
			if parent == extract.FieldNone && f.Nested() {
				for _, elem := range v {
					if obj, ok := elem.(map[string]any); ok {
						walk(e, r, f, obj)
					}
				}
			}
		}
	}
}

func Example_walkMap() {
	e := extract.New(extract.Options{})
	body := map[string]any{
		"message":          "order placed",
		"level":            int64(30),
		"time":             float64(1795561892.5),
		"trace_id":         "4bf92f3577b34da6a3ce929d0e0e4736",
		"span_id":          "00f067aa0ba902b7",
		"service":          map[string]any{"name": "checkout"},
		"request_id":       "0af7651916cd43dd8448eb211c80319c",
		"dd":               map[string]any{"trace_id": int64(0)},
		"otelTraceSampled": true,
	}
	var r extract.Result
	e.Reset(&r, extract.FormatOTLPMap)
	walk(e, &r, extract.FieldNone, body)
	r.Finish()
	fmt.Printf("trace %x span %x flags %02x\n", r.TraceID, r.SpanID, r.Flags)
	fmt.Println(r.SeverityNumber, r.SeverityText, r.Timestamp, r.Service, r.Format, r.Rejected)
	// Output:
	// trace 4bf92f3577b34da6a3ce929d0e0e4736 span 00f067aa0ba902b7 flags 01
	// 9 INFO 1795561892500000000 checkout otlp_map 0
}

func Example_fromString() {
	e := extract.New(extract.Options{TraceIDKeys: []string{"correlation_trace"}})
	var r extract.Result
	e.FromString(`{"level":"warn","correlation_trace":"4bf92f3577b34da6a3ce929d0e0e4736","spanId":"00f067aa0ba902b7"}`, &r)
	fmt.Printf("%x %x %v %s %s\n", r.TraceID, r.SpanID, r.HasFlags, r.SeverityText, r.Format)
	// Output:
	// 4bf92f3577b34da6a3ce929d0e0e4736 00f067aa0ba902b7 false warn json
}
