// Copyright The Hypha Authors
// SPDX-License-Identifier: Apache-2.0

package hyphaackstorageextension // import "github.com/hypha-obs/hypha/extension/hyphaackstorageextension"

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"go.opentelemetry.io/collector/consumer/consumererror"
)

// errNotAcknowledged is returned instead of writing a checkpoint that would
// cover lines the gateway may not have.
var errNotAcknowledged = errors.New("checkpoint not written: lines before it were not acknowledged")

// ledger numbers the batches handed on, in order, and knows which of them
// the exporter has finished with. Batches finish in any order; a checkpoint
// waits for all of those numbered before it.
type ledger struct {
	slots chan struct{} // one per batch in flight

	mu       sync.Mutex
	next     uint64          // the number the next batch gets
	acked    uint64          // every batch numbered below it is finished
	finished map[uint64]bool // finished batches numbered from acked on
	changed  chan struct{}   // closed, and replaced, whenever acked or failure change
	failure  error           // the first batch that was neither delivered nor refused for good

	stopOnce sync.Once
	stopped  chan struct{} // closed when the collector begins to shut down
	stopAt   time.Time     // and from when shutdownWait runs
	wait     time.Duration // shutdownWait
}

func newLedger(maxInFlight int, shutdownWait time.Duration) *ledger {
	return &ledger{
		slots:    make(chan struct{}, maxInFlight),
		finished: map[uint64]bool{},
		changed:  make(chan struct{}),
		stopped:  make(chan struct{}),
		wait:     shutdownWait,
	}
}

// acquire takes a place in flight for one batch, waiting while all are
// taken. The batch is then numbered: every checkpoint written from now on
// waits for it. done must be called once with the exporter's result.
func (l *ledger) acquire(ctx context.Context) (done func(error), err error) {
	select {
	case l.slots <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	l.mu.Lock()
	n := l.next
	l.next++
	l.mu.Unlock()
	var once sync.Once
	return func(err error) { once.Do(func() { l.finish(n, err) }) }, nil
}

// finish records the end of batch n. A batch refused for good (a permanent
// error) counts as finished: the exporter has dropped and logged it, as it
// would from a queue, and reading it again would only be refused again. Any
// other error means the batch may not be at the gateway (the exporter was
// shut down while it retried), so no later checkpoint is written while this
// process runs, and the lines are read again after it restarts.
func (l *ledger) finish(n uint64, err error) {
	l.mu.Lock()
	if err != nil && !consumererror.IsPermanent(err) && l.failure == nil {
		l.failure = err
	}
	l.finished[n] = true
	for l.finished[l.acked] {
		delete(l.finished, l.acked)
		l.acked++
	}
	close(l.changed)
	l.changed = make(chan struct{})
	l.mu.Unlock()
	<-l.slots
}

// stop starts the countdown of shutdownWait for every wait under way and
// to come.
func (l *ledger) stop() {
	l.stopOnce.Do(func() {
		l.mu.Lock()
		l.stopAt = time.Now()
		l.mu.Unlock()
		close(l.stopped)
	})
}

// waitAcked returns nil once every batch handed on before the call has been
// acknowledged, and an error if one of them never will be, if ctx ends, or
// if the collector is shutting down and shutdownWait has passed.
func (l *ledger) waitAcked(ctx context.Context) error {
	l.mu.Lock()
	target := l.next
	l.mu.Unlock()
	stopped := l.stopped
	var deadline <-chan time.Time
	for {
		l.mu.Lock()
		acked, failure, changed := l.acked, l.failure, l.changed
		l.mu.Unlock()
		switch {
		case failure != nil:
			return fmt.Errorf("%w: %w", errNotAcknowledged, failure)
		case acked >= target:
			return nil
		}
		select {
		case <-changed:
		case <-ctx.Done():
			return fmt.Errorf("%w: %w", errNotAcknowledged, ctx.Err())
		case <-stopped:
			stopped = nil
			l.mu.Lock()
			left := time.Until(l.stopAt.Add(l.wait))
			l.mu.Unlock()
			t := time.NewTimer(left)
			defer t.Stop()
			deadline = t.C
		case <-deadline:
			return fmt.Errorf("%w within %s of shutdown; they will be read again after the restart", errNotAcknowledged, l.wait)
		}
	}
}

// drained waits, like a checkpoint, for every batch handed on so far, and
// reports whether they were all acknowledged; false once shutdownWait has
// passed after stop, or when one of them never will be.
func (l *ledger) drained() bool {
	return l.waitAcked(context.Background()) == nil
}
