// Copyright The Hypha Authors
// SPDX-License-Identifier: Apache-2.0

package hyphaackstorageextension // import "github.com/hypha-obs/hypha/extension/hyphaackstorageextension"

import (
	"context"
	"fmt"
	"sync"
	"time"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/extension"
	"go.opentelemetry.io/collector/extension/extensioncapabilities"
	"go.opentelemetry.io/collector/extension/xextension/storage"

	"github.com/hypha-obs/hypha/extension/hyphaackstorageextension/internal/metadata"
)

// ackStorage is the extension: a storage whose writes wait for the ledger.
type ackStorage struct {
	storageID component.ID
	ledger    *ledger
	rescuer   *rescuer    // nil without rescue_directory
	twins     *twinFinder // nil without followed_files
	telemetry *metadata.TelemetryBuilder
	stopScans context.CancelFunc
	scans     sync.WaitGroup
	host      component.Host
}

var (
	_ storage.Extension                     = (*ackStorage)(nil)
	_ extensioncapabilities.Dependent       = (*ackStorage)(nil)
	_ extensioncapabilities.PipelineWatcher = (*ackStorage)(nil)
)

// twinScanEvery is how often followed files are compared.
const twinScanEvery = 10 * time.Second

func newAckStorage(set extension.Settings, cfg *Config) (*ackStorage, error) {
	tb, err := metadata.NewTelemetryBuilder(set.TelemetrySettings)
	if err != nil {
		return nil, err
	}
	a := &ackStorage{storageID: cfg.Storage, ledger: newLedger(cfg.MaxInFlight, cfg.ShutdownWait), telemetry: tb}
	if cfg.RescueDirectory != "" {
		a.rescuer = newRescuer(cfg.RescueDirectory, set.Logger)
	}
	if f := cfg.FollowedFiles; len(f.Include) > 0 && f.FingerprintSize > 0 {
		a.twins = newTwinFinder(f, set.Logger)
	}
	return a, nil
}

func (a *ackStorage) Start(_ context.Context, host component.Host) error {
	a.host = host
	if a.twins != nil {
		ctx, cancel := context.WithCancel(context.Background())
		a.stopScans = cancel
		a.scans.Go(func() { a.scanTwins(ctx) })
	}
	return nil
}

// scanTwins compares the followed files every twinScanEvery and keeps the
// gauge at the number of files file_log takes for another.
func (a *ackStorage) scanTwins(ctx context.Context) {
	t := time.NewTicker(twinScanEvery)
	defer t.Stop()
	last := int64(0)
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		n := int64(a.twins.scan())
		a.telemetry.ExtensionHyphaAckStorageIndistinctFiles.Add(ctx, n-last)
		last = n
	}
}

func (a *ackStorage) Shutdown(context.Context) error {
	if a.stopScans != nil {
		a.stopScans()
		a.scans.Wait()
	}
	a.telemetry.Shutdown()
	return nil
}

// Dependencies makes the collector start the storage that keeps the data
// first.
func (a *ackStorage) Dependencies() []component.ID { return []component.ID{a.storageID} }

func (*ackStorage) Ready() error { return nil }

// NotReady comes before the receivers stop. file_log then writes its last
// checkpoint, which waits at most shutdown_wait for the batches in flight.
// With rescue_directory, the wait happens here first, while file_log still
// holds its files open: the files deleted meanwhile are then copied unless
// every line read from them was delivered.
func (a *ackStorage) NotReady() error {
	a.ledger.stop()
	if a.rescuer != nil {
		delivered := a.ledger.drained()
		a.rescuer.cleanUp(delivered)
		a.rescuer.rescue(delivered)
	}
	return nil
}

// Reading is called by the hypha_ack processor with the file of each batch
// it hands on: the folders where deleted files are looked for at shutdown.
func (a *ackStorage) Reading(path string) {
	if a.rescuer != nil && path != "" {
		a.rescuer.reading(path)
	}
}

// GetClient returns the client of the storage that keeps the data, for the
// same component, with its writes held back until the ledger allows them.
func (a *ackStorage) GetClient(ctx context.Context, kind component.Kind, id component.ID, name string) (storage.Client, error) {
	if a.host == nil {
		return nil, fmt.Errorf("storage %s: the extension has not started", a.storageID)
	}
	ext, ok := a.host.GetExtensions()[a.storageID]
	if !ok {
		return nil, fmt.Errorf("storage %s: no such extension in service::extensions", a.storageID)
	}
	st, ok := ext.(storage.Extension)
	if !ok {
		return nil, fmt.Errorf("storage %s is not a storage extension", a.storageID)
	}
	c, err := st.GetClient(ctx, kind, id, name)
	if err != nil {
		return nil, err
	}
	return &client{Client: c, ledger: a.ledger}, nil
}

// Acquire is called by the hypha_ack processor before it hands a batch on,
// and waits while max_in_flight batches are in flight. done must be called
// once, with the exporter's result.
func (a *ackStorage) Acquire(ctx context.Context) (done func(error), err error) {
	return a.ledger.acquire(ctx)
}

// client writes only once every batch handed on before the write has been
// acknowledged; reads go straight through.
type client struct {
	storage.Client
	ledger *ledger
}

func (c *client) Set(ctx context.Context, key string, value []byte) error {
	if err := c.ledger.waitAcked(ctx); err != nil {
		return err
	}
	return c.Client.Set(ctx, key, value)
}

func (c *client) Delete(ctx context.Context, key string) error {
	if err := c.ledger.waitAcked(ctx); err != nil {
		return err
	}
	return c.Client.Delete(ctx, key)
}

func (c *client) Batch(ctx context.Context, ops ...*storage.Operation) error {
	for _, op := range ops {
		if op.Type != storage.Get {
			if err := c.ledger.waitAcked(ctx); err != nil {
				return err
			}
			break
		}
	}
	return c.Client.Batch(ctx, ops...)
}
