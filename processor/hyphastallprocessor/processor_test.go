// Copyright The Hypha Authors
// SPDX-License-Identifier: Apache-2.0

package hyphastallprocessor

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

	"github.com/hypha-obs/hypha/processor/hyphastallprocessor/internal/metadata"
	"github.com/hypha-obs/hypha/processor/hyphastallprocessor/internal/metadatatest"
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
	s := newStallReport(blocking, time.Second, zap.New(core), tb)

	done := make(chan struct{})
	for range 3 {
		go func() {
			_ = s.ConsumeLogs(context.Background(), plog.NewLogs())
			done <- struct{}{}
		}()
	}
	require.Eventually(t, func() bool {
		s.mu.Lock()
		defer s.mu.Unlock()
		return len(s.inflight) == 3
	}, 5*time.Second, 10*time.Millisecond)

	start := time.Now()
	s.check(start.Add(500 * time.Millisecond))
	assert.Zero(t, logs.Len(), "not reported before the threshold")
	for i := range 5 {
		s.check(start.Add(time.Duration(2+i) * time.Second))
	}
	require.Equal(t, 1, logs.FilterLevelExact(zap.WarnLevel).Len(), "reported once, not once per check or per waiting call")
	metadatatest.AssertEqualProcessorHyphaStallReportDownstreamStalled(t, tt,
		[]metricdata.DataPoint[int64]{{Value: 1}}, metricdatatest.IgnoreTimestamp())

	close(release)
	for range 3 {
		<-done
	}
	s.check(time.Now())
	s.check(time.Now())
	assert.Equal(t, 1, logs.FilterMessageSnippet("accepts data again").Len())
	metadatatest.AssertEqualProcessorHyphaStallReportDownstreamStalled(t, tt,
		[]metricdata.DataPoint[int64]{{Value: 0}}, metricdatatest.IgnoreTimestamp())
	metadatatest.AssertEqualProcessorHyphaStallReportDownstreamStalls(t, tt,
		[]metricdata.DataPoint[int64]{{Value: 1}}, metricdatatest.IgnoreTimestamp())
}

func TestPassesDataThrough(t *testing.T) {
	var got []plog.Logs
	next, err := consumer.NewLogs(func(_ context.Context, ld plog.Logs) error {
		got = append(got, ld)
		return nil
	})
	require.NoError(t, err)
	p, err := NewFactory().CreateLogs(context.Background(), metadatatest.NewSettings(componenttest.NewTelemetry()), NewFactory().CreateDefaultConfig(), next)
	require.NoError(t, err)
	require.NoError(t, p.Start(context.Background(), componenttest.NewNopHost()))
	ld := plog.NewLogs()
	ld.ResourceLogs().AppendEmpty().ScopeLogs().AppendEmpty().LogRecords().AppendEmpty().Body().SetStr("x")
	require.NoError(t, p.ConsumeLogs(context.Background(), ld))
	require.NoError(t, p.Shutdown(context.Background()))
	require.Len(t, got, 1)
	assert.Equal(t, 1, got[0].LogRecordCount())
}

func TestValidate(t *testing.T) {
	require.NoError(t, NewFactory().CreateDefaultConfig().(*Config).Validate())
	assert.EqualError(t, (&Config{}).Validate(), "report_after must be greater than 0")
}
