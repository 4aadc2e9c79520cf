// Copyright The Hypha Authors
// SPDX-License-Identifier: Apache-2.0

package hyphaackprocessor

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/consumer/consumererror"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/extension/extensiontest"
	"go.opentelemetry.io/collector/extension/xextension/storage"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/processor"
	"go.opentelemetry.io/collector/processor/processortest"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	"go.opentelemetry.io/otel/sdk/metric/metricdata/metricdatatest"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"

	"github.com/hypha-obs/hypha/extension/hyphaackstorageextension"
	"github.com/hypha-obs/hypha/processor/hyphaackprocessor/internal/metadata"
	"github.com/hypha-obs/hypha/processor/hyphaackprocessor/internal/metadatatest"
)

// host serves extensions by id.
type host map[component.ID]component.Component

func (h host) GetExtensions() map[component.ID]component.Component { return h }

// nopStorage stands in for file_storage; it keeps nothing.
type nopStorage struct {
	component.StartFunc
	component.ShutdownFunc
}

func (nopStorage) GetClient(context.Context, component.Kind, component.ID, string) (storage.Client, error) {
	return nopClient{}, nil
}

type nopClient struct{}

func (nopClient) Get(context.Context, string) ([]byte, error)        { return nil, nil }
func (nopClient) Set(context.Context, string, []byte) error          { return nil }
func (nopClient) Delete(context.Context, string) error               { return nil }
func (nopClient) Batch(context.Context, ...*storage.Operation) error { return nil }
func (nopClient) Close(context.Context) error                        { return nil }

// gatedSink holds every batch until it is let through, then keeps it.
type gatedSink struct {
	consumertest.LogsSink
	gate chan error
}

func (s *gatedSink) ConsumeLogs(ctx context.Context, ld plog.Logs) error {
	if err := <-s.gate; err != nil {
		return err
	}
	return s.LogsSink.ConsumeLogs(ctx, ld)
}

var (
	ackStorageID  = component.MustNewID("hypha_ack_storage")
	fileStorageID = component.MustNewID("file_storage")
)

// pipeline starts hypha_ack_storage in front of nopStorage and hypha_ack in
// front of next, and returns the processor and file_log's checkpoint client.
func pipeline(t *testing.T, next consumer.Logs, maxInFlight int) (processor.Logs, storage.Client) {
	t.Helper()
	return pipelineWith(t, processortest.NewNopSettings(metadata.Type), next, maxInFlight)
}

// pipelineWith is pipeline with the processor's settings.
func pipelineWith(t *testing.T, set processor.Settings, next consumer.Logs, maxInFlight int) (processor.Logs, storage.Client) {
	t.Helper()
	extFactory := hyphaackstorageextension.NewFactory()
	extCfg := extFactory.CreateDefaultConfig().(*hyphaackstorageextension.Config)
	extCfg.Storage = fileStorageID
	extCfg.MaxInFlight = maxInFlight
	ext, err := extFactory.Create(context.Background(), extensiontest.NewNopSettings(extFactory.Type()), extCfg)
	require.NoError(t, err)
	h := host{fileStorageID: nopStorage{}, ackStorageID: ext}
	require.NoError(t, ext.Start(context.Background(), h))
	t.Cleanup(func() { require.NoError(t, ext.Shutdown(context.Background())) })
	client, err := ext.(storage.Extension).GetClient(context.Background(), component.KindReceiver, component.MustNewID("file_log"), "")
	require.NoError(t, err)

	cfg := &Config{Storage: ackStorageID}
	require.NoError(t, cfg.Validate())
	p, err := NewFactory().CreateLogs(context.Background(), set, cfg, next)
	require.NoError(t, err)
	require.NoError(t, p.Start(context.Background(), h))
	return p, client
}

func logs(n int) plog.Logs {
	ld := plog.NewLogs()
	lrs := ld.ResourceLogs().AppendEmpty().ScopeLogs().AppendEmpty().LogRecords()
	for range n {
		lrs.AppendEmpty().Body().SetStr("a line")
	}
	return ld
}

func cancelled() context.Context {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	return ctx
}

func TestBatchesGoOnWhileTheCheckpointWaits(t *testing.T) {
	sink := &gatedSink{gate: make(chan error)}
	p, checkpoints := pipeline(t, sink, 2)

	// Two batches are handed on without waiting for the exporter.
	require.NoError(t, p.ConsumeLogs(context.Background(), logs(100)))
	require.NoError(t, p.ConsumeLogs(context.Background(), logs(100)))
	// A third waits for a place: the window is full.
	require.ErrorIs(t, p.ConsumeLogs(cancelled(), logs(100)), context.Canceled)
	// file_log's checkpoint after them may not be written yet.
	require.Error(t, checkpoints.Set(cancelled(), "offsets", []byte("x")))

	sink.gate <- nil
	sink.gate <- nil
	require.NoError(t, checkpoints.Set(context.Background(), "offsets", []byte("x")))
	assert.Equal(t, 200, sink.LogRecordCount())
	require.NoError(t, p.Shutdown(context.Background()))
}

func TestExportFailureKeepsTheCheckpoint(t *testing.T) {
	sink := &gatedSink{gate: make(chan error, 1)}
	p, checkpoints := pipeline(t, sink, 2)
	require.NoError(t, p.ConsumeLogs(context.Background(), logs(10)))
	sink.gate <- errors.New("interrupted due to shutdown")
	require.Error(t, checkpoints.Set(context.Background(), "offsets", []byte("x")),
		"a batch the gateway may not have must be read again after the restart")
	require.NoError(t, p.Shutdown(context.Background()))
	assert.Zero(t, sink.LogRecordCount())
}

func TestShutdownWaitsForTheBatchesInFlight(t *testing.T) {
	sink := &gatedSink{gate: make(chan error, 1)}
	p, _ := pipeline(t, sink, 2)
	require.NoError(t, p.ConsumeLogs(context.Background(), logs(10)))
	sink.gate <- nil
	require.NoError(t, p.Shutdown(context.Background()))
	assert.Equal(t, 10, sink.LogRecordCount(), "Shutdown returned before the batch in flight was delivered")
}

func TestStartNeedsTheAckStorage(t *testing.T) {
	p, err := NewFactory().CreateLogs(context.Background(), processortest.NewNopSettings(metadata.Type), &Config{Storage: ackStorageID}, consumertest.NewNop())
	require.NoError(t, err)
	require.ErrorContains(t, p.Start(context.Background(), componenttest.NewNopHost()), "no such extension")
	require.ErrorContains(t, p.Start(context.Background(), host{ackStorageID: nopStorage{}}), "is not a hypha_ack_storage extension")
	require.NoError(t, p.Shutdown(context.Background()))
	require.ErrorContains(t, (&Config{}).Validate(), "storage must name")
}

func TestPermanentRefusalIsCountedAsLost(t *testing.T) {
	tt := componenttest.NewTelemetry()
	t.Cleanup(func() { require.NoError(t, tt.Shutdown(context.Background())) })
	sink := &gatedSink{gate: make(chan error, 1)}
	p, checkpoints := pipelineWith(t, metadatatest.NewSettings(tt), sink, 2)
	require.NoError(t, p.ConsumeLogs(context.Background(), logs(7)))
	sink.gate <- consumererror.NewPermanent(errors.New("refused for good"))
	// The offset moves past a batch refused for good, as a queue drops it.
	require.NoError(t, checkpoints.Set(context.Background(), "offsets", []byte("x")))
	require.NoError(t, p.Shutdown(context.Background()))
	metadatatest.AssertEqualProcessorHyphaAckLostLogRecords(t, tt,
		[]metricdata.DataPoint[int64]{{Value: 7}}, metricdatatest.IgnoreTimestamp())
}

func TestWaitForTheGatewayIsReported(t *testing.T) {
	core, logs := observer.New(zapcore.InfoLevel)
	w := newWaits(zap.New(core))
	id := w.begin()
	now := time.Now()
	w.check(now.Add(5 * time.Second))
	assert.Zero(t, logs.Len(), "not yet")
	w.check(now.Add(11 * time.Second))
	w.check(now.Add(12 * time.Second))
	require.Equal(t, 1, logs.FilterMessageSnippet("has not acknowledged").Len(), "once")
	w.end(id)
	w.check(now.Add(13 * time.Second))
	assert.Equal(t, 1, logs.FilterMessageSnippet("acknowledges log lines again").Len())
}
