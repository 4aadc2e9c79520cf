// Copyright The Hypha Authors
// SPDX-License-Identifier: Apache-2.0

package hyphalogsamplingprocessor // import "github.com/hypha-obs/hypha/processor/hyphalogsamplingprocessor"

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/consumer/consumererror"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/collector/processor"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	"go.uber.org/zap"

	"github.com/hypha-obs/hypha/processor/hyphalogsamplingprocessor/internal/metadata"
)

// errFull is returned while the held records are at max_held_records. It is
// not permanent, so the sender keeps the logs and sends them again.
var errFull = errors.New("hypha_log_sampling: max_held_records reached, waiting for sampling decisions; retry later")

// The decision attribute of the records metric, one option set each.
var (
	decisionPassed  = metric.WithAttributeSet(attribute.NewSet(attribute.String("decision", "passed")))
	decisionKept    = metric.WithAttributeSet(attribute.NewSet(attribute.String("decision", "kept")))
	decisionDropped = metric.WithAttributeSet(attribute.NewSet(attribute.String("decision", "dropped")))
)

// keptTraces is the set of trace ids that tail_sampling kept, each
// remembered for a while after its last kept span.
type keptTraces struct {
	mu        sync.Mutex
	ids       map[pcommon.TraceID]time.Time // trace id → when a span of it was last kept
	remember  time.Duration
	lastPrune time.Time
	hasTraces bool // a traces side records into this set
}

func newKeptTraces(remember time.Duration) *keptTraces {
	return &keptTraces{ids: map[pcommon.TraceID]time.Time{}, remember: remember}
}

func (k *keptTraces) attachTraces() {
	k.mu.Lock()
	k.hasTraces = true
	k.mu.Unlock()
}

// add notes the trace ids of the spans, and forgets old ones at most once a
// second.
func (k *keptTraces) add(td ptrace.Traces, now time.Time) {
	k.mu.Lock()
	defer k.mu.Unlock()
	for _, rs := range td.ResourceSpans().All() {
		for _, ss := range rs.ScopeSpans().All() {
			for _, span := range ss.Spans().All() {
				k.ids[span.TraceID()] = now
			}
		}
	}
	if now.Sub(k.lastPrune) >= time.Second {
		k.lastPrune = now
		for id, at := range k.ids {
			if now.Sub(at) > k.remember {
				delete(k.ids, id)
			}
		}
	}
}

// tracesSide records what passes and sends it on unchanged.
type tracesSide struct {
	next consumer.Traces
	kept *keptTraces
}

func (*tracesSide) Capabilities() consumer.Capabilities         { return consumer.Capabilities{} }
func (*tracesSide) Start(context.Context, component.Host) error { return nil }
func (*tracesSide) Shutdown(context.Context) error              { return nil }

func (t *tracesSide) ConsumeTraces(ctx context.Context, td ptrace.Traces) error {
	t.kept.add(td, time.Now())
	return t.next.ConsumeTraces(ctx, td)
}

// heldLogs are records that arrived together and wait for their traces.
type heldLogs struct {
	arrived time.Time
	logs    plog.Logs
	count   int
}

// logsSide holds records with a trace id until their trace is kept or the
// wait is over.
type logsSide struct {
	id        component.ID
	cfg       *Config
	next      consumer.Logs
	kept      *keptTraces
	release   func()
	logger    *zap.Logger
	telemetry *metadata.TelemetryBuilder

	mu    sync.Mutex
	held  []heldLogs // oldest first
	count int        // records in held

	stop chan struct{}
	done chan struct{}
}

func newLogsSide(set processor.Settings, cfg *Config, next consumer.Logs, kept *keptTraces, release func(), tb *metadata.TelemetryBuilder) *logsSide {
	return &logsSide{id: set.ID, cfg: cfg, next: next, kept: kept, release: release, logger: set.Logger, telemetry: tb}
}

// MutatesData: held records are moved out of the incoming logs.
func (*logsSide) Capabilities() consumer.Capabilities {
	return consumer.Capabilities{MutatesData: true}
}

func (l *logsSide) Start(context.Context, component.Host) error {
	l.kept.mu.Lock()
	hasTraces := l.kept.hasTraces
	l.kept.mu.Unlock()
	if !hasTraces {
		return fmt.Errorf("%s is in a logs pipeline but in no traces pipeline: put the same id after tail_sampling in the traces pipeline, or every log with a trace id is dropped", l.id)
	}
	l.stop, l.done = make(chan struct{}), make(chan struct{})
	go func() {
		defer close(l.done)
		ticker := time.NewTicker(max(min(l.cfg.DecisionWait/10, time.Second), 10*time.Millisecond))
		defer ticker.Stop()
		for {
			select {
			case <-l.stop:
				return
			case now := <-ticker.C:
				l.releaseDue(now, false)
			}
		}
	}()
	return nil
}

// Shutdown sends on what is still held: records already past their wait by
// their decision, the others as kept, since tail_sampling's pending
// decisions end with it and a log is not dropped without one.
func (l *logsSide) Shutdown(context.Context) error {
	if l.stop != nil {
		close(l.stop)
		<-l.done
		l.releaseDue(time.Now(), true)
	}
	l.release()
	l.telemetry.Shutdown()
	return nil
}

func (l *logsSide) ConsumeLogs(ctx context.Context, ld plog.Logs) error {
	l.mu.Lock()
	full := l.count >= l.cfg.MaxHeldRecords
	l.mu.Unlock()
	if full {
		return errFull
	}
	now := time.Now()
	passed := ld.LogRecordCount()
	held := l.holdUndecided(ld)
	passed -= held.LogRecordCount()
	if n := held.LogRecordCount(); n > 0 {
		l.mu.Lock()
		l.held = append(l.held, heldLogs{arrived: now, logs: held, count: n})
		l.count += n
		l.mu.Unlock()
		l.telemetry.ProcessorHyphaLogSamplingHeldLogRecords.Add(ctx, int64(n))
	}
	l.countRecords(ctx, passed, decisionPassed)
	if passed == 0 {
		return nil
	}
	return l.next.ConsumeLogs(ctx, ld)
}

// holdUndecided moves the records whose trace is not known to be kept out
// of ld, into the returned logs, keeping their resource and scope.
func (l *logsSide) holdUndecided(ld plog.Logs) plog.Logs {
	held := plog.NewLogs()
	l.kept.mu.Lock()
	defer l.kept.mu.Unlock()
	ld.ResourceLogs().RemoveIf(func(rl plog.ResourceLogs) bool {
		var heldRL plog.ResourceLogs
		rl.ScopeLogs().RemoveIf(func(sl plog.ScopeLogs) bool {
			var heldSL plog.ScopeLogs
			sl.LogRecords().RemoveIf(func(lr plog.LogRecord) bool {
				id := lr.TraceID()
				if id.IsEmpty() {
					return false
				}
				if _, kept := l.kept.ids[id]; kept {
					return false
				}
				if heldSL == (plog.ScopeLogs{}) {
					if heldRL == (plog.ResourceLogs{}) {
						heldRL = held.ResourceLogs().AppendEmpty()
						rl.Resource().CopyTo(heldRL.Resource())
						heldRL.SetSchemaUrl(rl.SchemaUrl())
					}
					heldSL = heldRL.ScopeLogs().AppendEmpty()
					sl.Scope().CopyTo(heldSL.Scope())
					heldSL.SetSchemaUrl(sl.SchemaUrl())
				}
				lr.MoveTo(heldSL.LogRecords().AppendEmpty())
				return true
			})
			return sl.LogRecords().Len() == 0
		})
		return rl.ScopeLogs().Len() == 0
	})
	return held
}

// dropUnkept removes the records whose trace was not kept and returns how
// many it removed.
func (l *logsSide) dropUnkept(ld plog.Logs) int {
	dropped := 0
	l.kept.mu.Lock()
	defer l.kept.mu.Unlock()
	ld.ResourceLogs().RemoveIf(func(rl plog.ResourceLogs) bool {
		rl.ScopeLogs().RemoveIf(func(sl plog.ScopeLogs) bool {
			sl.LogRecords().RemoveIf(func(lr plog.LogRecord) bool {
				_, kept := l.kept.ids[lr.TraceID()]
				if !kept {
					dropped++
				}
				return !kept
			})
			return sl.LogRecords().Len() == 0
		})
		return rl.ScopeLogs().Len() == 0
	})
	return dropped
}

// releaseDue decides on the batches whose wait is over (all of them when
// all is set) and sends the kept records on. A batch the next consumer
// refuses with a retryable error goes back to the front, to be sent again
// at the next tick; max_held_records then holds the senders back.
func (l *logsSide) releaseDue(now time.Time, all bool) {
	wait := l.cfg.DecisionWait + l.cfg.Grace
	l.mu.Lock()
	n := 0
	for n < len(l.held) && (all || now.Sub(l.held[n].arrived) >= wait) {
		n++
	}
	due := l.held[:n:n]
	l.held = l.held[n:]
	l.mu.Unlock()

	ctx := context.Background()
	for i, b := range due {
		// What is still undecided at shutdown is kept whole.
		undecided := all && now.Sub(b.arrived) < wait
		if !undecided {
			if dropped := l.dropUnkept(b.logs); dropped > 0 {
				l.countRecords(ctx, dropped, decisionDropped)
				l.settle(ctx, &b, dropped)
			}
		}
		if b.count == 0 {
			continue
		}
		err := l.next.ConsumeLogs(ctx, b.logs)
		if err != nil && !consumererror.IsPermanent(err) && !all {
			l.logger.Warn("Sending held logs failed; trying again at the next tick.", zap.Int("log_records", b.count), zap.Error(err))
			l.mu.Lock()
			l.held = append(append(due[i:i:i], b), append(due[i+1:], l.held...)...)
			l.mu.Unlock()
			return
		}
		if err != nil {
			l.logger.Error("Held logs were refused and are lost.", zap.Int("log_records", b.count), zap.Error(err))
		} else {
			l.countRecords(ctx, b.count, decisionKept)
		}
		l.settle(ctx, &b, b.count)
	}
}

// settle takes n records of b off the held count.
func (l *logsSide) settle(ctx context.Context, b *heldLogs, n int) {
	b.count -= n
	l.mu.Lock()
	l.count -= n
	l.mu.Unlock()
	l.telemetry.ProcessorHyphaLogSamplingHeldLogRecords.Add(ctx, -int64(n))
}

func (l *logsSide) countRecords(ctx context.Context, n int, decision metric.AddOption) {
	if n > 0 {
		l.telemetry.ProcessorHyphaLogSamplingLogRecords.Add(ctx, int64(n), decision)
	}
}
