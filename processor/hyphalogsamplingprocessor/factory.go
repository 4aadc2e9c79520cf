// Copyright The Hypha Authors
// SPDX-License-Identifier: Apache-2.0

package hyphalogsamplingprocessor // import "github.com/hypha-obs/hypha/processor/hyphalogsamplingprocessor"

import (
	"context"
	"sync"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/processor"

	"github.com/hypha-obs/hypha/processor/hyphalogsamplingprocessor/internal/metadata"
)

// NewFactory returns the factory for the hypha_log_sampling processor.
func NewFactory() processor.Factory {
	f := &factory{shared: map[component.ID]*keptTraces{}}
	return processor.NewFactory(
		metadata.Type,
		func() component.Config { return createDefaultConfig() },
		processor.WithTraces(f.createTraces, metadata.TracesStability),
		processor.WithLogs(f.createLogs, metadata.LogsStability),
	)
}

// factory hands the traces and the logs side of one component id the same
// set of kept traces.
type factory struct {
	mu     sync.Mutex
	shared map[component.ID]*keptTraces
}

// kept returns the set of the id, made on first use. release is called when
// the logs side shuts down, so that a reloaded config starts afresh.
func (f *factory) kept(id component.ID, cfg *Config) (kept *keptTraces, release func()) {
	f.mu.Lock()
	defer f.mu.Unlock()
	k, ok := f.shared[id]
	if !ok {
		k = newKeptTraces(cfg.RememberKept)
		f.shared[id] = k
	}
	return k, func() {
		f.mu.Lock()
		defer f.mu.Unlock()
		if f.shared[id] == k {
			delete(f.shared, id)
		}
	}
}

func (f *factory) createTraces(_ context.Context, set processor.Settings, cfg component.Config, next consumer.Traces) (processor.Traces, error) {
	k, _ := f.kept(set.ID, cfg.(*Config))
	k.attachTraces()
	return &tracesSide{next: next, kept: k}, nil
}

func (f *factory) createLogs(_ context.Context, set processor.Settings, cfg component.Config, next consumer.Logs) (processor.Logs, error) {
	tb, err := metadata.NewTelemetryBuilder(set.TelemetrySettings)
	if err != nil {
		return nil, err
	}
	k, release := f.kept(set.ID, cfg.(*Config))
	return newLogsSide(set, cfg.(*Config), next, k, release, tb), nil
}
