// Copyright The Hypha Authors
// SPDX-License-Identifier: Apache-2.0

package hyphalogsamplingprocessor

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/consumer/consumererror"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/collector/processor"
	"go.opentelemetry.io/collector/processor/processortest"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	"github.com/hypha-obs/hypha/processor/hyphalogsamplingprocessor/internal/metadata"
)

func traceID(b byte) pcommon.TraceID { return pcommon.TraceID{15: b} }

// logsWith makes one record per trace id; a zero id makes a record without one.
func logsWith(ids ...pcommon.TraceID) plog.Logs {
	ld := plog.NewLogs()
	rl := ld.ResourceLogs().AppendEmpty()
	rl.Resource().Attributes().PutStr("service.name", "cart")
	sl := rl.ScopeLogs().AppendEmpty()
	for _, id := range ids {
		lr := sl.LogRecords().AppendEmpty()
		lr.SetTraceID(id)
		lr.Body().SetStr("line of " + id.String())
	}
	return ld
}

func spansOf(ids ...pcommon.TraceID) ptrace.Traces {
	td := ptrace.NewTraces()
	ss := td.ResourceSpans().AppendEmpty().ScopeSpans().AppendEmpty()
	for _, id := range ids {
		ss.Spans().AppendEmpty().SetTraceID(id)
	}
	return td
}

// bodies lists the records' bodies in order.
func bodies(all []plog.Logs) []string {
	var out []string
	for _, ld := range all {
		for _, rl := range ld.ResourceLogs().All() {
			for _, sl := range rl.ScopeLogs().All() {
				for _, lr := range sl.LogRecords().All() {
					out = append(out, lr.Body().Str())
				}
			}
		}
	}
	return out
}

type rig struct {
	traces consumer.Traces
	logs   processor.Logs
	sink   *consumertest.LogsSink
	tel    *componenttest.Telemetry
}

// newRig starts both sides of one id, as a sampling gateway's config does.
func newRig(t *testing.T, cfg *Config, next consumer.Logs) *rig {
	t.Helper()
	tel := componenttest.NewTelemetry()
	t.Cleanup(func() { require.NoError(t, tel.Shutdown(context.Background())) })
	set := processortest.NewNopSettings(metadata.Type)
	set.TelemetrySettings = tel.NewTelemetrySettings()
	f := NewFactory()
	tr, err := f.CreateTraces(context.Background(), set, cfg, consumertest.NewNop())
	require.NoError(t, err)
	sink, _ := next.(*consumertest.LogsSink)
	lg, err := f.CreateLogs(context.Background(), set, cfg, next)
	require.NoError(t, err)
	require.NoError(t, tr.Start(context.Background(), componenttest.NewNopHost()))
	require.NoError(t, lg.Start(context.Background(), componenttest.NewNopHost()))
	t.Cleanup(func() {
		require.NoError(t, lg.Shutdown(context.Background()))
		require.NoError(t, tr.Shutdown(context.Background()))
	})
	return &rig{traces: tr, logs: lg, sink: sink, tel: tel}
}

func fastConfig() *Config {
	cfg := createDefaultConfig()
	cfg.DecisionWait = 100 * time.Millisecond
	cfg.Grace = 0
	return cfg
}

func (r *rig) recordsMetric(t *testing.T, decision string) int64 {
	t.Helper()
	m, err := r.tel.GetMetric("otelcol_processor_hypha_log_sampling_log_records")
	if err != nil {
		return 0
	}
	var n int64
	for _, dp := range metricSumPoints(m) {
		if v, ok := dp.Attributes.Value("decision"); ok && v.AsString() == decision {
			n += dp.Value
		}
	}
	return n
}

func TestRecordsWithoutTraceOrWithKeptTracePassAtOnce(t *testing.T) {
	r := newRig(t, fastConfig(), new(consumertest.LogsSink))
	require.NoError(t, r.traces.ConsumeTraces(context.Background(), spansOf(traceID(1))))
	require.NoError(t, r.logs.ConsumeLogs(context.Background(), logsWith(pcommon.TraceID{}, traceID(1), traceID(2))))
	// Trace 2 is not decided yet: only its record waits.
	assert.Equal(t, []string{"line of ", "line of " + traceID(1).String()}, bodies(r.sink.AllLogs()))
	assert.Equal(t, int64(2), r.recordsMetric(t, "passed"))
}

func TestHeldRecordsFollowTheirTrace(t *testing.T) {
	r := newRig(t, fastConfig(), new(consumertest.LogsSink))
	require.NoError(t, r.logs.ConsumeLogs(context.Background(), logsWith(traceID(3), traceID(4), traceID(3))))
	assert.Empty(t, r.sink.AllLogs(), "undecided records must wait")
	// tail_sampling keeps trace 3 during the wait; trace 4 never comes.
	require.NoError(t, r.traces.ConsumeTraces(context.Background(), spansOf(traceID(3))))
	require.Eventually(t, func() bool { return r.recordsMetric(t, "dropped") == 1 }, 5*time.Second, 10*time.Millisecond)
	want := "line of " + traceID(3).String()
	assert.Equal(t, []string{want, want}, bodies(r.sink.AllLogs()))
	assert.Equal(t, int64(2), r.recordsMetric(t, "kept"))
	// The kept records keep their resource.
	svc, _ := r.sink.AllLogs()[0].ResourceLogs().At(0).Resource().Attributes().Get("service.name")
	assert.Equal(t, "cart", svc.Str())
}

func TestFullHoldRefusesWithARetryableError(t *testing.T) {
	cfg := fastConfig()
	cfg.DecisionWait = time.Hour
	cfg.RememberKept = 2 * time.Hour
	cfg.MaxHeldRecords = 2
	r := newRig(t, cfg, new(consumertest.LogsSink))
	require.NoError(t, r.logs.ConsumeLogs(context.Background(), logsWith(traceID(5), traceID(6))))
	err := r.logs.ConsumeLogs(context.Background(), logsWith(traceID(7)))
	require.ErrorIs(t, err, errFull)
	assert.False(t, consumererror.IsPermanent(err))
}

func TestShutdownSendsUndecidedRecordsOn(t *testing.T) {
	cfg := fastConfig()
	cfg.DecisionWait = time.Hour
	cfg.RememberKept = 2 * time.Hour
	sink := new(consumertest.LogsSink)
	f := NewFactory()
	set := processortest.NewNopSettings(metadata.Type)
	tr, err := f.CreateTraces(context.Background(), set, cfg, consumertest.NewNop())
	require.NoError(t, err)
	lg, err := f.CreateLogs(context.Background(), set, cfg, sink)
	require.NoError(t, err)
	require.NoError(t, lg.Start(context.Background(), componenttest.NewNopHost()))
	require.NoError(t, lg.ConsumeLogs(context.Background(), logsWith(traceID(8))))
	assert.Empty(t, sink.AllLogs())
	require.NoError(t, lg.Shutdown(context.Background()))
	require.NoError(t, tr.Shutdown(context.Background()))
	assert.Equal(t, []string{"line of " + traceID(8).String()}, bodies(sink.AllLogs()))
}

// flaky refuses the first calls with a retryable error.
type flaky struct {
	consumertest.LogsSink
	mu      sync.Mutex
	refuses int
}

func (f *flaky) ConsumeLogs(ctx context.Context, ld plog.Logs) error {
	f.mu.Lock()
	refuse := f.refuses > 0
	f.refuses--
	f.mu.Unlock()
	if refuse {
		return errors.New("store unavailable")
	}
	return f.LogsSink.ConsumeLogs(ctx, ld)
}

func TestRefusedReleaseIsRetried(t *testing.T) {
	next := &flaky{refuses: 2}
	r := newRig(t, fastConfig(), next)
	require.NoError(t, r.logs.ConsumeLogs(context.Background(), logsWith(traceID(9))))
	require.NoError(t, r.traces.ConsumeTraces(context.Background(), spansOf(traceID(9))))
	require.Eventually(t, func() bool { return len(next.AllLogs()) == 1 }, 5*time.Second, 10*time.Millisecond)
	assert.Equal(t, []string{"line of " + traceID(9).String()}, bodies(next.AllLogs()))
}

func TestLogsWithoutTracesSideDoNotStart(t *testing.T) {
	f := NewFactory()
	set := processortest.NewNopSettings(metadata.Type)
	set.ID = component.MustNewIDWithName("hypha_log_sampling", "alone")
	lg, err := f.CreateLogs(context.Background(), set, createDefaultConfig(), consumertest.NewNop())
	require.NoError(t, err)
	err = lg.Start(context.Background(), componenttest.NewNopHost())
	require.ErrorContains(t, err, "hypha_log_sampling/alone is in a logs pipeline but in no traces pipeline")
	require.NoError(t, lg.Shutdown(context.Background()))
}

func TestConfigValidateNamesTheKey(t *testing.T) {
	cfg := createDefaultConfig()
	require.NoError(t, cfg.Validate())
	cfg.DecisionWait, cfg.Grace, cfg.MaxHeldRecords = 0, -time.Second, 0
	err := cfg.Validate()
	for _, key := range []string{"decision_wait", "grace", "max_held_records"} {
		require.ErrorContains(t, err, key)
	}
	cfg = createDefaultConfig()
	cfg.RememberKept = time.Second
	assert.ErrorContains(t, cfg.Validate(), "remember_kept")
}

func metricSumPoints(m metricdata.Metrics) []metricdata.DataPoint[int64] {
	sum, ok := m.Data.(metricdata.Sum[int64])
	if !ok {
		return nil
	}
	return sum.DataPoints
}
