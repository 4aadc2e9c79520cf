// Copyright The Hypha Authors
// SPDX-License-Identifier: Apache-2.0

package hyphaackprocessor // import "github.com/hypha-obs/hypha/processor/hyphaackprocessor"

import (
	"sync"
	"time"

	"go.uber.org/zap"
)

// waitReportAfter is how long the oldest batch may wait for the gateway
// before the wait is reported.
const waitReportAfter = 10 * time.Second

// waits tracks the batches handed on and not yet answered. hypha_ack
// returns at once, so a stage before it never sees the gateway's absence
// when an app writes a few lines at a time: the reader then waits in its
// checkpoint, not in the pipeline. This is where that wait shows.
type waits struct {
	logger *zap.Logger

	mu      sync.Mutex
	started map[uint64]time.Time // batch → when it was handed on
	next    uint64
	since   time.Time // when the reported wait began; zero if none

	stop chan struct{}
	done chan struct{}
}

func newWaits(logger *zap.Logger) *waits {
	return &waits{logger: logger, started: map[uint64]time.Time{}}
}

func (w *waits) begin() uint64 {
	w.mu.Lock()
	defer w.mu.Unlock()
	id := w.next
	w.next++
	w.started[id] = time.Now()
	return id
}

func (w *waits) end(id uint64) {
	w.mu.Lock()
	delete(w.started, id)
	w.mu.Unlock()
}

func (w *waits) start() {
	w.stop, w.done = make(chan struct{}), make(chan struct{})
	go func() {
		defer close(w.done)
		t := time.NewTicker(time.Second)
		defer t.Stop()
		for {
			select {
			case <-w.stop:
				return
			case now := <-t.C:
				w.check(now)
			}
		}
	}()
}

func (w *waits) shutdown() {
	if w.stop != nil {
		close(w.stop)
		<-w.done
	}
}

// check logs once when the oldest batch has waited waitReportAfter, and
// once when the batches are answered again.
func (w *waits) check(now time.Time) {
	w.mu.Lock()
	defer w.mu.Unlock()
	var oldest time.Time
	for _, t := range w.started {
		if oldest.IsZero() || t.Before(oldest) {
			oldest = t
		}
	}
	waiting := !oldest.IsZero() && now.Sub(oldest) >= waitReportAfter
	switch {
	case waiting && w.since.IsZero():
		w.since = oldest
		w.logger.Warn("The gateway has not acknowledged the log lines sent to it (it or its store is away, slow or refusing): reading the log files waits, and the lines stay in them (nothing is lost while the files are on disk)",
			zap.Duration("waiting_for", now.Sub(oldest)), zap.Int("batches_waiting", len(w.started)))
	case !waiting && !w.since.IsZero():
		w.logger.Info("The gateway acknowledges log lines again; reading the log files goes on.", zap.Duration("waited", now.Sub(w.since)))
		w.since = time.Time{}
	}
}
