package hyphacorrelationprocessor

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	"go.opentelemetry.io/otel/sdk/metric/metricdata/metricdatatest"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"

	"github.com/hypha-obs/hypha/processor/hyphacorrelationprocessor/internal/metadata"
	"github.com/hypha-obs/hypha/processor/hyphacorrelationprocessor/internal/metadatatest"
)

// TestStallReportedOnce: a next stage that blocks (a full disk queue with
// block_on_overflow) is reported once while it blocks, however many calls
// wait, and once when it accepts data again.
func TestStallReportedOnce(t *testing.T) {
	tt := componenttest.NewTelemetry()
	t.Cleanup(func() { require.NoError(t, tt.Shutdown(context.Background())) })
	tb, err := metadata.NewTelemetryBuilder(metadatatest.NewSettings(tt).TelemetrySettings)
	require.NoError(t, err)
	core, logs := observer.New(zap.InfoLevel)

	release := make(chan struct{})
	blocking, err := consumer.NewLogs(func(context.Context, plog.Logs) error {
		<-release
		return nil
	})
	require.NoError(t, err)
	w := newStallWatch(blocking, time.Second, zap.New(core), tb)

	done := make(chan struct{})
	for range 3 {
		go func() {
			_ = w.ConsumeLogs(context.Background(), plog.NewLogs())
			done <- struct{}{}
		}()
	}
	require.Eventually(t, func() bool {
		w.mu.Lock()
		defer w.mu.Unlock()
		return len(w.inflight) == 3
	}, 5*time.Second, 10*time.Millisecond)

	start := time.Now()
	w.check(start.Add(500 * time.Millisecond))
	assert.Zero(t, logs.Len(), "not reported before the threshold")
	for i := range 5 {
		w.check(start.Add(time.Duration(2+i) * time.Second))
	}
	require.Equal(t, 1, logs.FilterLevelExact(zap.WarnLevel).Len(), "reported once, not once per check or per waiting call")
	metadatatest.AssertEqualProcessorHyphaCorrelationDownstreamStalled(t, tt,
		[]metricdata.DataPoint[int64]{{Value: 1}}, metricdatatest.IgnoreTimestamp())

	close(release)
	for range 3 {
		<-done
	}
	w.check(time.Now())
	w.check(time.Now())
	assert.Equal(t, 1, logs.FilterMessageSnippet("accepts data again").Len())
	metadatatest.AssertEqualProcessorHyphaCorrelationDownstreamStalled(t, tt,
		[]metricdata.DataPoint[int64]{{Value: 0}}, metricdatatest.IgnoreTimestamp())
	metadatatest.AssertEqualProcessorHyphaCorrelationDownstreamStalls(t, tt,
		[]metricdata.DataPoint[int64]{{Value: 1}}, metricdatatest.IgnoreTimestamp())
}
