// Copyright The Hypha Authors
// SPDX-License-Identifier: Apache-2.0

package hyphastallprocessor // import "github.com/hypha-obs/hypha/processor/hyphastallprocessor"

import (
	"context"
	"sync"
	"time"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.uber.org/zap"

	"github.com/hypha-obs/hypha/processor/hyphastallprocessor/internal/metadata"
)

// stallReport hands every call to the next consumer and watches how long the
// oldest one has been waiting.
type stallReport struct {
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

func newStallReport(next consumer.Logs, after time.Duration, logger *zap.Logger, tb *metadata.TelemetryBuilder) *stallReport {
	return &stallReport{
		next: next, after: after, logger: logger, telemetry: tb,
		inflight: map[uint64]time.Time{},
	}
}

// The records pass through untouched.
func (*stallReport) Capabilities() consumer.Capabilities {
	return consumer.Capabilities{MutatesData: false}
}

func (s *stallReport) ConsumeLogs(ctx context.Context, ld plog.Logs) error {
	s.mu.Lock()
	id := s.nextID
	s.nextID++
	s.inflight[id] = time.Now()
	s.mu.Unlock()

	err := s.next.ConsumeLogs(ctx, ld)

	s.mu.Lock()
	delete(s.inflight, id)
	s.mu.Unlock()
	return err
}

func (s *stallReport) Start(context.Context, component.Host) error {
	s.stop, s.done = make(chan struct{}), make(chan struct{})
	go func() {
		defer close(s.done)
		ticker := time.NewTicker(min(s.after/4, time.Second))
		defer ticker.Stop()
		for {
			select {
			case <-s.stop:
				return
			case now := <-ticker.C:
				s.check(now)
			}
		}
	}()
	return nil
}

func (s *stallReport) Shutdown(context.Context) error {
	if s.stop != nil {
		close(s.stop)
		<-s.done
	}
	s.telemetry.Shutdown()
	return nil
}

// check compares the oldest call still waiting with the threshold.
func (s *stallReport) check(now time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var oldest time.Time
	for _, started := range s.inflight {
		if oldest.IsZero() || started.Before(oldest) {
			oldest = started
		}
	}
	waiting := !oldest.IsZero() && now.Sub(oldest) >= s.after
	ctx := context.Background()
	switch {
	case waiting && s.stalledSince.IsZero():
		s.stalledSince = oldest
		s.telemetry.ProcessorHyphaStallReportDownstreamStalls.Add(ctx, 1)
		s.telemetry.ProcessorHyphaStallReportDownstreamStalled.Add(ctx, 1)
		s.logger.Warn("The rest of the pipeline stopped accepting data; the receivers wait until it does. "+
			"The destination has not taken data for a while (away, or refusing). "+
			"Nothing is dropped while the sources keep their data: log lines wait in their files, and what apps send over OTLP waits in the disk queue until it is full (otelcol_exporter_queue_size against otelcol_exporter_queue_capacity), then the apps are refused.",
			zap.Duration("waiting_for", now.Sub(oldest)))
	case !waiting && !s.stalledSince.IsZero():
		s.telemetry.ProcessorHyphaStallReportDownstreamStalled.Add(ctx, -1)
		s.logger.Info("The rest of the pipeline accepts data again.",
			zap.Duration("stalled_for", now.Sub(s.stalledSince)))
		s.stalledSince = time.Time{}
	}
}
