// Copyright The Hypha Authors
// SPDX-License-Identifier: Apache-2.0

// Package ottlbaseline holds the transform processor statements that do
// hypha_correlation's job for pino lines. The processor's comparison
// benchmarks and the pipeline benchmark (e2e/cmd/pipebench) both measure
// hypha against these, so the two comparisons are of the same work.
package ottlbaseline

// Pino parses a pino JSON line and sets the record's trace id, span id,
// flags, time (epoch ms) and severity number (pino levels 10..60 map to 1, 5,
// 9, 13, 17, 21).
var Pino = []string{
	`merge_maps(cache, ParseJSON(body), "upsert") where IsString(body)`,
	`set(trace_id.string, cache["trace_id"]) where cache["trace_id"] != nil`,
	`set(span_id.string, cache["span_id"]) where cache["span_id"] != nil`,
	`set(flags, Int(cache["trace_flags"])) where cache["trace_flags"] != nil`,
	`set(time_unix_nano, Int(cache["time"]) * 1000000) where cache["time"] != nil`,
	`set(severity_number, Int(cache["level"]) / 10 * 4 - 3) where cache["level"] != nil`,
}
