// Copyright The Hypha Authors
// SPDX-License-Identifier: Apache-2.0

package hyphaackstorageextension

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
	"go.opentelemetry.io/collector/consumer/consumererror"
	"go.opentelemetry.io/collector/extension"
	"go.opentelemetry.io/collector/extension/extensiontest"
	"go.opentelemetry.io/collector/extension/xextension/storage"

	"github.com/hypha-obs/hypha/extension/hyphaackstorageextension/internal/metadata"
)

// memStorage stands in for file_storage: a map per client.
type memStorage struct {
	component.StartFunc
	component.ShutdownFunc
	mu   sync.Mutex
	data map[string][]byte
}

func (m *memStorage) GetClient(context.Context, component.Kind, component.ID, string) (storage.Client, error) {
	return memClient{m}, nil
}

type memClient struct{ m *memStorage }

func (c memClient) Get(_ context.Context, key string) ([]byte, error) {
	c.m.mu.Lock()
	defer c.m.mu.Unlock()
	return c.m.data[key], nil
}

func (c memClient) Set(_ context.Context, key string, value []byte) error {
	c.m.mu.Lock()
	defer c.m.mu.Unlock()
	c.m.data[key] = value
	return nil
}

func (c memClient) Delete(_ context.Context, key string) error {
	c.m.mu.Lock()
	defer c.m.mu.Unlock()
	delete(c.m.data, key)
	return nil
}

func (c memClient) Batch(ctx context.Context, ops ...*storage.Operation) error {
	for _, op := range ops {
		switch op.Type {
		case storage.Get:
			op.Value, _ = c.Get(ctx, op.Key)
		case storage.Set:
			_ = c.Set(ctx, op.Key, op.Value)
		case storage.Delete:
			_ = c.Delete(ctx, op.Key)
		}
	}
	return nil
}

func (memClient) Close(context.Context) error { return nil }

// host serves extensions by id.
type host map[component.ID]component.Component

func (h host) GetExtensions() map[component.ID]component.Component { return h }

var fileStorageID = component.MustNewID("file_storage")

// newTestStorage starts the extension in front of a memStorage and returns
// a client of it, as file_log would get one, and the memStorage.
func newTestStorage(t *testing.T, maxInFlight int, shutdownWait time.Duration) (*ackStorage, storage.Client, *memStorage) {
	t.Helper()
	mem := &memStorage{data: map[string][]byte{}}
	cfg := &Config{Storage: fileStorageID, MaxInFlight: maxInFlight, ShutdownWait: shutdownWait}
	require.NoError(t, cfg.Validate())
	ext, err := NewFactory().Create(context.Background(), extensiontest.NewNopSettings(metadata.Type), cfg)
	require.NoError(t, err)
	require.NoError(t, ext.Start(context.Background(), host{fileStorageID: mem}))
	t.Cleanup(func() { require.NoError(t, ext.Shutdown(context.Background())) })
	a := ext.(*ackStorage)
	c, err := a.GetClient(context.Background(), component.KindReceiver, component.MustNewID("file_log"), "")
	require.NoError(t, err)
	return a, c, mem
}

// cancelled is a context that has ended: a write with it is done at once
// if it may be, and refused if it would have to wait.
func cancelled() context.Context {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	return ctx
}

func TestCheckpointWaitsForEveryEarlierBatch(t *testing.T) {
	a, c, mem := newTestStorage(t, 4, time.Second)
	first, err := a.Acquire(context.Background())
	require.NoError(t, err)
	second, err := a.Acquire(context.Background())
	require.NoError(t, err)

	// Reads never wait.
	v, err := c.Get(cancelled(), "offsets")
	require.NoError(t, err)
	assert.Nil(t, v)

	// The second batch is acknowledged before the first: the checkpoint
	// still waits for the first.
	second(nil)
	err = c.Set(cancelled(), "offsets", []byte("after both"))
	require.ErrorIs(t, err, errNotAcknowledged)
	require.ErrorIs(t, c.Batch(cancelled(), storage.SetOperation("offsets", []byte("after both"))), errNotAcknowledged)
	require.ErrorIs(t, c.Delete(cancelled(), "offsets"), errNotAcknowledged)
	assert.Empty(t, mem.data, "nothing may be written while a batch before it is in flight")
	require.NoError(t, c.Batch(cancelled(), storage.GetOperation("offsets")), "a batch of reads does not wait")

	first(nil)
	require.NoError(t, c.Set(cancelled(), "offsets", []byte("after both")))
	assert.Equal(t, []byte("after both"), mem.data["offsets"])

	// A batch handed on after that holds back the next checkpoint.
	third, err := a.Acquire(context.Background())
	require.NoError(t, err)
	require.ErrorIs(t, c.Set(cancelled(), "offsets", []byte("after the third")), errNotAcknowledged)
	written := make(chan error)
	go func() { written <- c.Set(context.Background(), "offsets", []byte("after the third")) }()
	third(nil)
	require.NoError(t, <-written)
	assert.Equal(t, []byte("after the third"), mem.data["offsets"])
}

func TestMaxInFlightBoundsTheWindow(t *testing.T) {
	a, _, _ := newTestStorage(t, 1, time.Second)
	done, err := a.Acquire(context.Background())
	require.NoError(t, err)
	_, err = a.Acquire(cancelled())
	require.ErrorIs(t, err, context.Canceled, "a second batch must wait for the place of the first")
	done(nil)
	done(nil) // a second call changes nothing
	next, err := a.Acquire(context.Background())
	require.NoError(t, err)
	next(nil)
}

func TestPermanentRefusalCountsAsFinished(t *testing.T) {
	a, c, _ := newTestStorage(t, 2, time.Second)
	done, err := a.Acquire(context.Background())
	require.NoError(t, err)
	// The exporter dropped it, as it would from a queue; reading it again
	// would only be refused again.
	done(consumererror.NewPermanent(errors.New("invalid argument")))
	require.NoError(t, c.Set(cancelled(), "offsets", []byte("x")))
}

func TestUnacknowledgedBatchStopsEveryLaterCheckpoint(t *testing.T) {
	a, c, mem := newTestStorage(t, 2, time.Second)
	done, err := a.Acquire(context.Background())
	require.NoError(t, err)
	done(errors.New("interrupted due to shutdown"))
	err = c.Set(context.Background(), "offsets", []byte("x"))
	require.ErrorIs(t, err, errNotAcknowledged)
	require.ErrorContains(t, err, "interrupted due to shutdown")
	next, err := a.Acquire(context.Background())
	require.NoError(t, err)
	next(nil)
	require.ErrorIs(t, c.Set(context.Background(), "offsets", []byte("x")), errNotAcknowledged,
		"the lines of the failed batch must be read again after the restart")
	assert.Empty(t, mem.data)
}

func TestShutdownBoundsTheLastCheckpoint(t *testing.T) {
	a, c, mem := newTestStorage(t, 2, 0)
	_, err := a.Acquire(context.Background())
	require.NoError(t, err)
	require.NoError(t, a.NotReady())
	// The gateway is away and the batch retries: the last checkpoint is
	// given up rather than the shutdown blocked.
	err = c.Set(context.Background(), "offsets", []byte("x"))
	require.ErrorIs(t, err, errNotAcknowledged)
	require.ErrorContains(t, err, "shutdown")
	assert.Empty(t, mem.data)
	require.NoError(t, a.Ready())
}

func TestShutdownWithNothingInFlightWrites(t *testing.T) {
	a, c, mem := newTestStorage(t, 2, 0)
	done, err := a.Acquire(context.Background())
	require.NoError(t, err)
	done(nil)
	require.NoError(t, a.NotReady())
	require.NoError(t, c.Set(context.Background(), "offsets", []byte("x")))
	assert.Equal(t, []byte("x"), mem.data["offsets"])
}

func TestGetClientNeedsAStorageExtension(t *testing.T) {
	a, err := newAckStorage(extensiontest.NewNopSettings(metadata.Type), &Config{Storage: fileStorageID, MaxInFlight: 1})
	require.NoError(t, err)
	_, err = a.GetClient(context.Background(), component.KindReceiver, component.MustNewID("file_log"), "")
	require.ErrorContains(t, err, "has not started")

	require.NoError(t, a.Start(context.Background(), componenttest.NewNopHost()))
	_, err = a.GetClient(context.Background(), component.KindReceiver, component.MustNewID("file_log"), "")
	require.ErrorContains(t, err, "no such extension")

	var notStorage extension.Extension = struct {
		component.StartFunc
		component.ShutdownFunc
	}{}
	require.NoError(t, a.Start(context.Background(), host{fileStorageID: notStorage}))
	_, err = a.GetClient(context.Background(), component.KindReceiver, component.MustNewID("file_log"), "")
	require.ErrorContains(t, err, "is not a storage extension")
	assert.Equal(t, []component.ID{fileStorageID}, a.Dependencies())
}

func TestValidate(t *testing.T) {
	for _, tc := range []struct {
		name string
		cfg  Config
		err  string
	}{
		{name: "default with storage", cfg: Config{Storage: fileStorageID, MaxInFlight: defaultMaxInFlight, ShutdownWait: defaultShutdownWait}},
		{name: "no storage", cfg: Config{MaxInFlight: 1}, err: "storage must name"},
		{name: "no window", cfg: Config{Storage: fileStorageID}, err: "max_in_flight must be greater than 0"},
		{name: "negative wait", cfg: Config{Storage: fileStorageID, MaxInFlight: 1, ShutdownWait: -time.Second}, err: "shutdown_wait must not be negative"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.cfg.Validate()
			if tc.err == "" {
				require.NoError(t, err)
				return
			}
			require.ErrorContains(t, err, tc.err)
		})
	}
}
