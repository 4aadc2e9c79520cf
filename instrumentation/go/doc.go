// Copyright The Hypha Authors
// SPDX-License-Identifier: Apache-2.0

// Package hyphaotel is what a Go app adds to send its traces to the hypha
// agent on the same host and to write trace ids into its log lines, so that
// the agent can join each line to the span that wrote it.
//
//	import hyphaotel "github.com/hypha-obs/hypha/instrumentation/go"
//
//	shutdown, err := hyphaotel.Start(ctx) // tracer provider, OTLP exporter, propagators
//	defer shutdown(context.Background())  // flushes the spans still buffered
//	log := slog.New(hyphaotel.NewLogHandler(slog.NewJSONHandler(file, nil)))
//	http.ListenAndServe(addr, otelhttp.NewHandler(mux, "checkout"))
//	log.InfoContext(r.Context(), "paid") // {"msg":"paid",…,"trace_id":"…","span_id":"…","trace_flags":"01"}
//
// Start configures the OpenTelemetry SDK from the standard environment
// variables; net/http servers and clients are instrumented by the
// maintained otelhttp package, used as it is. Logs are not sent over OTLP:
// the agent reads the log file, and sending them too would store each line
// twice.
package hyphaotel
