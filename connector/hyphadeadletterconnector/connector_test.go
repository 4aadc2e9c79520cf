// Copyright The Hypha Authors
// SPDX-License-Identifier: Apache-2.0

package hyphadeadletterconnector

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/connector"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/consumer/consumererror"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pipeline"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	"go.opentelemetry.io/otel/sdk/metric/metricdata/metricdatatest"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"

	"github.com/hypha-obs/hypha/connector/hyphadeadletterconnector/internal/metadatatest"
)

var (
	storeID = pipeline.NewIDWithName(pipeline.SignalLogs, "store")
	dlID    = pipeline.NewIDWithName(pipeline.SignalLogs, "dead_letter")
)

// store is a sink that answers with err.
type store struct {
	consumertest.LogsSink
	err error
}

func (s *store) ConsumeLogs(ctx context.Context, ld plog.Logs) error {
	if s.err != nil {
		return s.err
	}
	return s.LogsSink.ConsumeLogs(ctx, ld)
}

type rig struct {
	conn  connector.Logs
	store *store
	dl    *consumertest.LogsSink
	tt    *componenttest.Telemetry
	logs  *observer.ObservedLogs
}

func newRig(t *testing.T, maxBody int) *rig {
	t.Helper()
	r := &rig{store: &store{}, dl: &consumertest.LogsSink{}, tt: componenttest.NewTelemetry()}
	t.Cleanup(func() { require.NoError(t, r.tt.Shutdown(context.Background())) })
	core, logs := observer.New(zapcore.InfoLevel)
	r.logs = logs
	set := metadatatest.NewSettings(r.tt)
	set.Logger = zap.New(core)
	router := connector.NewLogsRouter(map[pipeline.ID]consumer.Logs{storeID: r.store, dlID: r.dl})
	cfg := &Config{Store: []pipeline.ID{storeID}, DeadLetter: []pipeline.ID{dlID}, MaxBodyBytes: maxBody}
	c, err := NewFactory().CreateLogsToLogs(context.Background(), set, cfg, router)
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, c.Shutdown(context.Background())) })
	r.conn = c
	return r
}

// logs builds one resource with one scope holding records with these bodies.
func logs(bodies ...string) plog.Logs {
	ld := plog.NewLogs()
	rl := ld.ResourceLogs().AppendEmpty()
	rl.Resource().Attributes().PutStr("service.name", "cart")
	sl := rl.ScopeLogs().AppendEmpty()
	sl.Scope().SetName("app")
	for _, b := range bodies {
		sl.LogRecords().AppendEmpty().Body().SetStr(b)
	}
	return ld
}

func bodies(lds []plog.Logs) []string {
	var out []string
	for _, ld := range lds {
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

func TestDelivered(t *testing.T) {
	r := newRig(t, 10)
	require.NoError(t, r.conn.ConsumeLogs(context.Background(), logs("a", "b")))
	assert.Equal(t, []string{"a", "b"}, bodies(r.store.AllLogs()))
	assert.Empty(t, r.dl.AllLogs())
}

func TestTooLargeGoesToDeadLetters(t *testing.T) {
	r := newRig(t, 10)
	long := strings.Repeat("x", 11)
	require.NoError(t, r.conn.ConsumeLogs(context.Background(), logs("a", long, "exactly10!", long)))
	assert.Equal(t, []string{"a", "exactly10!"}, bodies(r.store.AllLogs()))
	assert.Equal(t, []string{long, long}, bodies(r.dl.AllLogs()))
	rl := r.dl.AllLogs()[0].ResourceLogs().At(0)
	v, _ := rl.Resource().Attributes().Get("service.name")
	assert.Equal(t, "cart", v.Str(), "dead letters keep their resource")
	assert.Equal(t, "app", rl.ScopeLogs().At(0).Scope().Name(), "and their scope")

	// Only too-large records: nothing is sent to the store.
	require.NoError(t, r.conn.ConsumeLogs(context.Background(), logs(long)))
	assert.Len(t, r.store.AllLogs(), 1)
	metadatatest.AssertEqualConnectorHyphaDeadLetterLogRecords(t, r.tt, []metricdata.DataPoint[int64]{
		{Value: 3, Attributes: attribute.NewSet(attribute.String("reason", "too_large"))},
	}, metricdatatest.IgnoreTimestamp())
	assert.Equal(t, 1, r.logs.FilterMessageSnippet("dead letters").Len(), "one cause, logged once")
}

func TestPermanentRefusalGoesToDeadLetters(t *testing.T) {
	r := newRig(t, 0)
	r.store.err = consumererror.NewPermanent(errors.New("HTTP 400: line too long"))
	for range 3 {
		require.NoError(t, r.conn.ConsumeLogs(context.Background(), logs("a", "b")))
	}
	assert.Len(t, bodies(r.dl.AllLogs()), 6)
	metadatatest.AssertEqualConnectorHyphaDeadLetterLogRecords(t, r.tt, []metricdata.DataPoint[int64]{
		{Value: 6, Attributes: attribute.NewSet(attribute.String("reason", "refused"))},
	}, metricdatatest.IgnoreTimestamp())
	warns := r.logs.FilterMessageSnippet("dead letters").All()
	require.Len(t, warns, 1, "the same cause is logged once")
	assert.Contains(t, warns[0].ContextMap()["cause"], "line too long")

	r.store.err = consumererror.NewPermanent(errors.New("HTTP 413: too large"))
	require.NoError(t, r.conn.ConsumeLogs(context.Background(), logs("c")))
	assert.Equal(t, 2, r.logs.FilterMessageSnippet("dead letters").Len(), "a new cause is logged")
}

func TestRetryableErrorGoesBackToTheSender(t *testing.T) {
	r := newRig(t, 0)
	down := errors.New("connection refused")
	r.store.err = down
	require.ErrorIs(t, r.conn.ConsumeLogs(context.Background(), logs("a")), down)
	assert.Empty(t, r.dl.AllLogs())
}

func TestDeadLettersFailingIsRetryable(t *testing.T) {
	r := newRig(t, 0)
	r.store.err = consumererror.NewPermanent(errors.New("refused"))
	router := connector.NewLogsRouter(map[pipeline.ID]consumer.Logs{
		storeID: r.store,
		dlID:    consumertest.NewErr(errors.New("disk full")),
	})
	cfg := &Config{Store: []pipeline.ID{storeID}, DeadLetter: []pipeline.ID{dlID}}
	c, err := NewFactory().CreateLogsToLogs(context.Background(), metadatatest.NewSettings(r.tt), cfg, router)
	require.NoError(t, err)
	err = c.ConsumeLogs(context.Background(), logs("a"))
	require.Error(t, err)
	assert.False(t, consumererror.IsPermanent(err), "the sender must keep what could not be written anywhere")
}
