// Copyright The Hypha Authors
// SPDX-License-Identifier: Apache-2.0

package hyphaotel

import (
	"context"
	"log/slog"
	"slices"

	"go.opentelemetry.io/otel/trace"
)

// The keys the log handler writes, the ones the hypha agent looks for first.
const (
	TraceIDKey    = "trace_id"    // 32 lowercase hex digits
	SpanIDKey     = "span_id"     // 16 lowercase hex digits
	TraceFlagsKey = "trace_flags" // "01" when sampled, "00" when not
)

// NewLogHandler wraps h so that every record logged with a context that
// holds a valid span context (slog's InfoContext, ErrorContext, Log, …)
// carries trace_id, span_id and trace_flags as top-level attributes, also
// inside groups opened with WithGroup. Records logged without such a
// context are passed on unchanged.
//
// Why a handler of our own: the maintained OpenTelemetry bridge,
// go.opentelemetry.io/contrib/bridges/otelslog, turns slog records into
// OTLP log records for the Logs API; it does not write the ids into the
// lines that slog's own handlers write to a file, which is what the agent
// reads. Sending logs over OTLP as well would store every line twice.
func NewLogHandler(h slog.Handler) slog.Handler {
	return &logHandler{inner: h}
}

type logHandler struct {
	inner slog.Handler
	// With a group open, attributes added to a record would land inside
	// it, where they are not the top-level keys the agent looks for. So
	// beforeGroups keeps the handler as it was before the first WithGroup,
	// and replay the WithAttrs and WithGroup calls made since, to rebuild
	// inner with the ids added at the top.
	beforeGroups slog.Handler
	replay       []func(slog.Handler) slog.Handler
}

func (h *logHandler) Enabled(ctx context.Context, level slog.Level) bool {
	return h.inner.Enabled(ctx, level)
}

func (h *logHandler) Handle(ctx context.Context, r slog.Record) error {
	sc := trace.SpanContextFromContext(ctx)
	if !sc.IsValid() {
		return h.inner.Handle(ctx, r)
	}
	ids := [3]slog.Attr{
		slog.String(TraceIDKey, sc.TraceID().String()),
		slog.String(SpanIDKey, sc.SpanID().String()),
		slog.String(TraceFlagsKey, sc.TraceFlags().String()),
	}
	if h.beforeGroups == nil {
		// The record may be shared with other handlers: add to a copy.
		r = r.Clone()
		r.AddAttrs(ids[:]...)
		return h.inner.Handle(ctx, r)
	}
	inner := h.beforeGroups.WithAttrs(ids[:])
	for _, f := range h.replay {
		inner = f(inner)
	}
	return inner.Handle(ctx, r)
}

func (h *logHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	if len(attrs) == 0 {
		return h
	}
	n := &logHandler{inner: h.inner.WithAttrs(attrs), beforeGroups: h.beforeGroups}
	if n.beforeGroups != nil {
		n.replay = append(slices.Clip(h.replay), func(x slog.Handler) slog.Handler { return x.WithAttrs(attrs) })
	}
	return n
}

func (h *logHandler) WithGroup(name string) slog.Handler {
	if name == "" {
		return h
	}
	n := &logHandler{inner: h.inner.WithGroup(name), beforeGroups: h.beforeGroups}
	if n.beforeGroups == nil {
		n.beforeGroups = h.inner
	}
	n.replay = append(slices.Clip(h.replay), func(x slog.Handler) slog.Handler { return x.WithGroup(name) })
	return n
}
