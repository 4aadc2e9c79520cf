// Copyright The Hypha Authors
// SPDX-License-Identifier: Apache-2.0

package hyphaotel

import (
	"context"
	"encoding/hex"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/baggage"
	"go.opentelemetry.io/otel/propagation"
	collectortrace "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	"google.golang.org/protobuf/proto"
)

// otlpSink is an OTLP/HTTP traces endpoint that keeps what it receives.
type otlpSink struct {
	mu       sync.Mutex
	paths    []string
	requests []*collectortrace.ExportTraceServiceRequest
}

func startSink(t *testing.T) (*otlpSink, string) {
	t.Helper()
	s := &otlpSink{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		req := &collectortrace.ExportTraceServiceRequest{}
		if err := proto.Unmarshal(body, req); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		s.mu.Lock()
		s.paths = append(s.paths, r.URL.Path)
		s.requests = append(s.requests, req)
		s.mu.Unlock()
		w.Header().Set("Content-Type", "application/x-protobuf")
		out, _ := proto.Marshal(&collectortrace.ExportTraceServiceResponse{})
		_, _ = w.Write(out)
	}))
	t.Cleanup(srv.Close)
	return s, srv.URL
}

// received returns the paths and requests so far.
func (s *otlpSink) received() ([]string, []*collectortrace.ExportTraceServiceRequest) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.paths...), append([]*collectortrace.ExportTraceServiceRequest(nil), s.requests...)
}

// keepGlobals restores the global provider and propagator after the test.
func keepGlobals(t *testing.T) {
	tp, prop := otel.GetTracerProvider(), otel.GetTextMapPropagator()
	t.Cleanup(func() {
		otel.SetTracerProvider(tp)
		otel.SetTextMapPropagator(prop)
	})
}

func TestStartExportsToTheEndpointOnShutdown(t *testing.T) {
	keepGlobals(t)
	sink, url := startSink(t)
	t.Setenv("OTEL_EXPORTER_OTLP_ENDPOINT", url)
	t.Setenv("OTEL_SERVICE_NAME", "analysis")
	t.Setenv("OTEL_RESOURCE_ATTRIBUTES", "deployment.environment.name=test")
	// Longer than the test: only the shutdown can export the span.
	t.Setenv("OTEL_BSP_SCHEDULE_DELAY", "600000")

	shutdown, err := Start(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	_, span := otel.Tracer("test").Start(context.Background(), "screen order")
	wantTrace := span.SpanContext().TraceID().String()
	span.End()
	if _, reqs := sink.received(); len(reqs) != 0 {
		t.Fatal("exported before shutdown, although the batch delay is 10 minutes")
	}
	if err := shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}

	paths, reqs := sink.received()
	if len(reqs) != 1 || paths[0] != "/v1/traces" {
		t.Fatalf("got %d requests at %v, want one at /v1/traces", len(reqs), paths)
	}
	rs := reqs[0].GetResourceSpans()[0]
	attrs := map[string]string{}
	for _, kv := range rs.GetResource().GetAttributes() {
		attrs[kv.GetKey()] = kv.GetValue().GetStringValue()
	}
	for k, want := range map[string]string{
		"service.name":                "analysis",
		"deployment.environment.name": "test",
		"telemetry.sdk.language":      "go",
		"process.runtime.name":        "go",
	} {
		if attrs[k] != want {
			t.Errorf("resource %s = %q, want %q (all: %v)", k, attrs[k], want, attrs)
		}
	}
	if attrs["host.name"] == "" {
		t.Errorf("resource has no host.name: %v", attrs)
	}
	got := rs.GetScopeSpans()[0].GetSpans()[0]
	if got.GetName() != "screen order" || hex.EncodeToString(got.GetTraceId()) != wantTrace {
		t.Errorf("exported span %q in trace %x, want \"screen order\" in %s", got.GetName(), got.GetTraceId(), wantTrace)
	}
}

func TestStartPropagatesTraceContextAndBaggage(t *testing.T) {
	keepGlobals(t)
	_, url := startSink(t)
	t.Setenv("OTEL_EXPORTER_OTLP_ENDPOINT", url)
	t.Setenv("OTEL_PROPAGATORS", "")
	shutdown, err := Start(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = shutdown(context.Background()) }()

	member, _ := baggage.NewMember("tenant", "labra")
	bag, _ := baggage.New(member)
	ctx, span := otel.Tracer("test").Start(baggage.ContextWithBaggage(context.Background(), bag), "call")
	defer span.End()
	carrier := propagation.HeaderCarrier(http.Header{})
	otel.GetTextMapPropagator().Inject(ctx, carrier)

	sc := span.SpanContext()
	if want := "00-" + sc.TraceID().String() + "-" + sc.SpanID().String() + "-01"; carrier.Get("traceparent") != want {
		t.Errorf("traceparent %q, want %q", carrier.Get("traceparent"), want)
	}
	if carrier.Get("baggage") != "tenant=labra" {
		t.Errorf("baggage %q, want tenant=labra", carrier.Get("baggage"))
	}
}

func TestStartRefusesOTLPOverGRPC(t *testing.T) {
	keepGlobals(t)
	before := otel.GetTracerProvider()
	t.Setenv("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc")
	if _, err := Start(t.Context()); err == nil || !strings.Contains(err.Error(), `"grpc" is not supported`) {
		t.Fatalf("Start with grpc: %v, want an error naming it", err)
	}
	if otel.GetTracerProvider() != before {
		t.Error("a failed Start replaced the global tracer provider")
	}
}

func TestStartDisabled(t *testing.T) {
	keepGlobals(t)
	before := otel.GetTracerProvider()
	t.Setenv("OTEL_SDK_DISABLED", "true")
	shutdown, err := Start(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if otel.GetTracerProvider() != before {
		t.Error("OTEL_SDK_DISABLED=true, but Start set a tracer provider")
	}
	if err := shutdown(context.Background()); err != nil {
		t.Error(err)
	}
}
