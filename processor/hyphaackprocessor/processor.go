// Copyright The Hypha Authors
// SPDX-License-Identifier: Apache-2.0

package hyphaackprocessor // import "github.com/hypha-obs/hypha/processor/hyphaackprocessor"

import (
	"context"
	"fmt"
	"sync"
	"time"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/consumer/consumererror"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/processor"
	"go.uber.org/zap"

	"github.com/hypha-obs/hypha/processor/hyphaackprocessor/internal/metadata"
)

// shutdownDrain bounds how long Shutdown waits for the batches in flight.
// The exporters shut down after the processors, so a batch still retrying
// (the gateway is away) ends with the exporter's shutdown error, and its
// lines are read again after the restart.
const shutdownDrain = 5 * time.Second

// window is what the hypha_ack_storage extension offers.
type window interface {
	Acquire(ctx context.Context) (done func(error), err error)
}

// reader is told which file each batch was read from: at shutdown the
// extension keeps the files deleted before their lines were delivered.
type reader interface {
	Reading(path string)
}

// filePathKey is the attribute file_log sets with include_file_path.
const filePathKey = "log.file.path"

// lostLogEvery bounds how often a loss is logged; every one is counted.
const lostLogEvery = time.Minute

type ack struct {
	storage   component.ID
	next      consumer.Logs
	logger    *zap.Logger
	telemetry *metadata.TelemetryBuilder

	lostMu     sync.Mutex
	lostLogged time.Time

	window   window
	reader   reader // nil if the extension does not ask
	inFlight sync.WaitGroup
	failOnce sync.Once
	waits    *waits
}

func newAck(set processor.Settings, cfg *Config, next consumer.Logs) (*ack, error) {
	tb, err := metadata.NewTelemetryBuilder(set.TelemetrySettings)
	if err != nil {
		return nil, err
	}
	return &ack{storage: cfg.Storage, next: next, logger: set.Logger, telemetry: tb, waits: newWaits(set.Logger)}, nil
}

// The records are handed on untouched.
func (*ack) Capabilities() consumer.Capabilities {
	return consumer.Capabilities{MutatesData: false}
}

func (a *ack) Start(_ context.Context, host component.Host) error {
	ext, ok := host.GetExtensions()[a.storage]
	if !ok {
		return fmt.Errorf("storage %s: no such extension in service::extensions", a.storage)
	}
	w, ok := ext.(window)
	if !ok {
		return fmt.Errorf("storage %s is not a hypha_ack_storage extension", a.storage)
	}
	// Shown at 0 from the start, so that an alert on it has a series to
	// watch before the first loss.
	a.telemetry.ProcessorHyphaAckLostLogRecords.Add(context.Background(), 0)
	a.waits.start()
	a.window = w
	a.reader, _ = ext.(reader)
	return nil
}

// filePath is the file of a batch: file_log hands on the lines of one file
// at a time.
func filePath(ld plog.Logs) string {
	if ld.ResourceLogs().Len() == 0 {
		return ""
	}
	sl := ld.ResourceLogs().At(0).ScopeLogs()
	if sl.Len() == 0 || sl.At(0).LogRecords().Len() == 0 {
		return ""
	}
	v, _ := sl.At(0).LogRecords().At(0).Attributes().Get(filePathKey)
	return v.Str()
}

// ConsumeLogs waits for a place in flight, hands ld on in the background
// and returns: the receiver reads on, and its checkpoint waits in the
// extension until the exporter has returned.
func (a *ack) ConsumeLogs(ctx context.Context, ld plog.Logs) error {
	path := filePath(ld)
	done, err := a.window.Acquire(ctx)
	if err != nil {
		return err
	}
	if a.reader != nil {
		a.reader.Reading(path)
	}
	// The receiver's context ends with its call; the export must not.
	ctx = context.WithoutCancel(ctx)
	id := a.waits.begin()
	a.inFlight.Go(func() {
		n := ld.LogRecordCount()
		err := a.next.ConsumeLogs(ctx, ld)
		a.waits.end(id)
		if consumererror.IsPermanent(err) {
			a.lost(ctx, n, err)
		} else if err != nil {
			a.failOnce.Do(func() {
				a.logger.Error("A batch of log records was not acknowledged; file offsets are no longer saved until the restart, and the lines after the last saved offsets will be read again then, from their files or, for files deleted meanwhile, from the copies hypha_ack_storage keeps (rescue_directory)",
					zap.Error(err))
			})
		}
		done(err)
	})
	return nil
}

// lost counts records the gateway refused for good: the offset moves past
// them, so they are not read again.
func (a *ack) lost(ctx context.Context, n int, err error) {
	a.telemetry.ProcessorHyphaAckLostLogRecords.Add(ctx, int64(n))
	a.lostMu.Lock()
	now := time.Now()
	log := now.Sub(a.lostLogged) >= lostLogEvery
	if log {
		a.lostLogged = now
	}
	a.lostMu.Unlock()
	if log {
		a.logger.Error("The gateway refused log records for good: they are lost; later losses within a minute are only counted (otelcol_processor_hypha_ack_lost_log_records)",
			zap.Int("records", n), zap.Error(err))
	}
}

func (a *ack) Shutdown(ctx context.Context) error {
	defer a.telemetry.Shutdown()
	drained := make(chan struct{})
	go func() {
		a.inFlight.Wait()
		close(drained)
	}()
	t := time.NewTimer(shutdownDrain)
	defer t.Stop()
	select {
	case <-drained:
	case <-ctx.Done():
	case <-t.C:
	}
	a.waits.shutdown()
	a.telemetry.Shutdown()
	return nil
}
