// Copyright The Hypha Authors
// SPDX-License-Identifier: Apache-2.0

package correlation

import (
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/pdata/plog"

	"github.com/hypha-obs/hypha/bench/pinolines"
)

// pipelineBatches makes n batches of benchRecords records from the lines
// the agent pipeline benchmark reads (bench/pinolines), all different.
func pipelineBatches(n int) []plog.Logs {
	g := pinolines.New(1)
	batches := make([]plog.Logs, n)
	for b := range batches {
		batches[b] = benchBatch(func(i int) string {
			line, _ := g.Append(nil, benchNow.UnixMilli()+int64(b*benchRecords+i))
			return string(line)
		})
	}
	return batches
}

// BenchmarkHyphaPipelineLines runs hypha_correlation with its defaults on
// the pipeline benchmark's lines, which vary more than the single shape of
// BenchmarkHypha/pino: one in ten has no ids, and routes and messages
// differ. "warm" repeats one batch, which stays in the caches; "cold" goes
// round 1 000 batches (100 000 lines, over 60 MB with their records), so
// that each batch comes from memory. In an agent the processor's cost lies
// between the two, nearer the cold case: it meets each line once, and the
// rest of the pipeline runs between its batches.
func BenchmarkHyphaPipelineLines(b *testing.B) {
	for _, tc := range []struct {
		name    string
		batches int
	}{{"warm", 1}, {"cold", 1000}} {
		b.Run(tc.name, func(b *testing.B) {
			runBench(b, pipelineBatches(tc.batches), newHyphaBench(b, benchCases[0], consumertest.NewNop()))
		})
	}
}

// TestPipelineBatchesAreCorrelated keeps BenchmarkHyphaPipelineLines
// honest: every line gets its time and severity, and exactly the lines
// that carry ids get them.
func TestPipelineBatchesAreCorrelated(t *testing.T) {
	sink := &consumertest.LogsSink{}
	p := newHyphaBench(t, benchCases[0], sink)
	require.NoError(t, p.ConsumeLogs(context.Background(), pipelineBatches(2)[1]))
	lrs := sink.AllLogs()[0].ResourceLogs().At(0).ScopeLogs().At(0).LogRecords()
	require.Equal(t, benchRecords, lrs.Len())
	withIDs := 0
	for i := 0; i < lrs.Len(); i++ {
		lr := lrs.At(i)
		body := lr.Body().Str()
		hasIDs := strings.Contains(body, `"trace_id":"`)
		if hasIDs {
			withIDs++
		}
		assert.Equal(t, hasIDs, !lr.TraceID().IsEmpty(), body)
		assert.Equal(t, hasIDs, !lr.SpanID().IsEmpty(), body)
		assert.NotZero(t, lr.Timestamp(), body)
		assert.NotZero(t, lr.SeverityNumber(), body)
	}
	// Nine in ten, give or take.
	assert.Greater(t, withIDs, benchRecords*3/4)
	assert.Less(t, withIDs, benchRecords)
}
