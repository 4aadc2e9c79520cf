// Copyright The Hypha Authors
// SPDX-License-Identifier: Apache-2.0

package hyphaotel_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"

	"go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/propagation"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	hyphaotel "github.com/hypha-obs/hypha/instrumentation/go"
)

// A server and a client instrumented with otelhttp, and a log line written
// in the server's span. An app calls hyphaotel.Start instead of setting up
// the in-memory provider used here.
func Example() {
	spans := tracetest.NewInMemoryExporter()
	otel.SetTracerProvider(sdktrace.NewTracerProvider(sdktrace.WithSyncer(spans)))
	otel.SetTextMapPropagator(propagation.TraceContext{})

	var logs bytes.Buffer
	log := slog.New(hyphaotel.NewLogHandler(slog.NewJSONHandler(&logs, nil)))

	mux := http.NewServeMux()
	mux.HandleFunc("GET /analysis/{orderId}", func(w http.ResponseWriter, r *http.Request) {
		log.InfoContext(r.Context(), "request received", "orderId", r.PathValue("orderId"))
		fmt.Fprintln(w, "ok")
	})
	server := httptest.NewServer(otelhttp.NewHandler(mux, "analysis"))
	defer server.Close()

	// The client's transport starts a client span and sends traceparent.
	client := &http.Client{Transport: otelhttp.NewTransport(http.DefaultTransport)}
	req, _ := http.NewRequestWithContext(context.Background(), http.MethodGet, server.URL+"/analysis/ord-1", http.NoBody)
	resp, err := client.Do(req)
	if err != nil {
		panic(err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()

	var line map[string]string
	_ = json.Unmarshal(logs.Bytes(), &line)
	for _, s := range spans.GetSpans() {
		if s.SpanContext.SpanID().String() == line["span_id"] {
			fmt.Printf("%q, written in span %q of trace %v\n", line["msg"], s.Name, s.SpanContext.TraceID().String() == line["trace_id"])
		}
	}
	fmt.Println("spans:", len(spans.GetSpans()))
	// Output:
	// "request received", written in span "GET /analysis/{orderId}" of trace true
	// spans: 2
}
