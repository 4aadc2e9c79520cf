package hyphacorrelationprocessor // import "github.com/hypha-obs/hypha/processor/hyphacorrelationprocessor"

import (
	"context"
	"sync"
	"time"

	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.uber.org/zap"

	"github.com/hypha-obs/hypha/processor/hyphacorrelationprocessor/internal/metadata"
)

// stallWatch wraps the next consumer and says once, in the log and in a
// metric, when it has not returned for longer than `after`, and once more
// when it accepts data again.
//
// Why here: on the agent the exporter's disk queue blocks when it is full
// (block_on_overflow), which pauses the file_log readers without losing
// anything. Blocking is silent by design, so without this report an
// operator would see nothing but a growing lag.
type stallWatch struct {
	next      consumer.Logs
	after     time.Duration
	logger    *zap.Logger
	telemetry *metadata.TelemetryBuilder

	mu           sync.Mutex
	inflight     map[uint64]time.Time // call id → when the call started
	nextID       uint64
	stalledSince time.Time // zero while no stall is reported

	stop chan struct{}
	done chan struct{}
}

func newStallWatch(next consumer.Logs, after time.Duration, logger *zap.Logger, tb *metadata.TelemetryBuilder) *stallWatch {
	return &stallWatch{
		next: next, after: after, logger: logger, telemetry: tb,
		inflight: map[uint64]time.Time{},
	}
}

func (w *stallWatch) Capabilities() consumer.Capabilities { return w.next.Capabilities() }

func (w *stallWatch) ConsumeLogs(ctx context.Context, ld plog.Logs) error {
	w.mu.Lock()
	id := w.nextID
	w.nextID++
	w.inflight[id] = time.Now()
	w.mu.Unlock()

	err := w.next.ConsumeLogs(ctx, ld)

	w.mu.Lock()
	delete(w.inflight, id)
	w.mu.Unlock()
	return err
}

func (w *stallWatch) start() {
	w.stop, w.done = make(chan struct{}), make(chan struct{})
	go func() {
		defer close(w.done)
		ticker := time.NewTicker(min(w.after/4, time.Second))
		defer ticker.Stop()
		for {
			select {
			case <-w.stop:
				return
			case now := <-ticker.C:
				w.check(now)
			}
		}
	}()
}

func (w *stallWatch) shutdown() {
	if w.stop != nil {
		close(w.stop)
		<-w.done
	}
}

// check compares the oldest call still waiting with the threshold.
func (w *stallWatch) check(now time.Time) {
	w.mu.Lock()
	defer w.mu.Unlock()
	var oldest time.Time
	for _, started := range w.inflight {
		if oldest.IsZero() || started.Before(oldest) {
			oldest = started
		}
	}
	waiting := !oldest.IsZero() && now.Sub(oldest) >= w.after
	ctx := context.Background()
	switch {
	case waiting && w.stalledSince.IsZero():
		w.stalledSince = oldest
		w.telemetry.ProcessorHyphaCorrelationDownstreamStalls.Add(ctx, 1)
		w.telemetry.ProcessorHyphaCorrelationDownstreamStalled.Add(ctx, 1)
		w.logger.Warn("The pipeline after hypha_correlation stopped accepting data; reading waits until it does. "+
			"On the agent this means the disk sending queue is full because the gateway has been unreachable for long: "+
			"no record is dropped while the log files stay on disk. Watch otelcol_exporter_queue_size against otelcol_exporter_queue_capacity.",
			zap.Duration("waiting_for", now.Sub(oldest)))
	case !waiting && !w.stalledSince.IsZero():
		w.telemetry.ProcessorHyphaCorrelationDownstreamStalled.Add(ctx, -1)
		w.logger.Info("The pipeline after hypha_correlation accepts data again; reading resumed.",
			zap.Duration("stalled_for", now.Sub(w.stalledSince)))
		w.stalledSince = time.Time{}
	}
}
