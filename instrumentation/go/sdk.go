// Copyright The Hypha Authors
// SPDX-License-Identifier: Apache-2.0

package hyphaotel

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"go.opentelemetry.io/contrib/propagators/autoprop"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
)

const (
	// DefaultEndpoint is the hypha agent's OTLP/HTTP receiver on the same
	// host. 127.0.0.1 rather than the exporter's default "localhost", which
	// may resolve to ::1 while the agent listens on IPv4.
	DefaultEndpoint = "127.0.0.1:4318"
	// defaultBatchTimeout replaces the SDK's 5 s batch delay when
	// OTEL_BSP_SCHEDULE_DELAY is not set: spans then reach the store about
	// as soon as the log lines the agent reads.
	defaultBatchTimeout = time.Second
)

// Start sets up OpenTelemetry tracing for the whole process and returns the
// function that exports the spans still buffered and stops the SDK; call it
// before the process exits.
//
// It sets the global tracer provider and propagator:
//   - spans go in batches to an OTLP/HTTP (protobuf) exporter, at
//     OTEL_EXPORTER_OTLP_TRACES_ENDPOINT or OTEL_EXPORTER_OTLP_ENDPOINT if
//     set, else at [DefaultEndpoint]; the exporter reads the other
//     OTEL_EXPORTER_OTLP_* variables itself;
//   - the resource comes from the SDK's detectors: service.name
//     (OTEL_SERVICE_NAME, else unknown_service:<executable>), the
//     attributes in OTEL_RESOURCE_ATTRIBUTES, the SDK, host and process;
//   - the propagators are those of OTEL_PROPAGATORS, W3C trace context and
//     baggage when it is unset;
//   - sampling follows OTEL_TRACES_SAMPLER, parent-based always-on by
//     default, and batching OTEL_BSP_*, with a 1 s delay by default.
//
// With OTEL_SDK_DISABLED=true it sets nothing up and returns a shutdown
// that does nothing. An error leaves the globals as they were.
func Start(ctx context.Context) (shutdown func(context.Context) error, err error) {
	noop := func(context.Context) error { return nil }
	if strings.EqualFold(strings.TrimSpace(os.Getenv("OTEL_SDK_DISABLED")), "true") {
		return noop, nil
	}
	if p := protocol(); p != "http/protobuf" {
		return noop, fmt.Errorf("hyphaotel: OTLP protocol %q is not supported; use http/protobuf (the agent's port 4318)", p)
	}

	res, err := resource.New(ctx,
		resource.WithService(), // service.name's default; the variables below win
		resource.WithTelemetrySDK(),
		resource.WithHost(),
		resource.WithProcessPID(),
		resource.WithProcessExecutableName(),
		resource.WithProcessRuntimeName(),
		resource.WithProcessRuntimeVersion(),
		resource.WithFromEnv(),
	)
	// A partial resource (a detector failed) is still worth exporting with.
	if err != nil && !errors.Is(err, resource.ErrPartialResource) {
		return noop, fmt.Errorf("hyphaotel: resource: %w", err)
	}

	var exporterOpts []otlptracehttp.Option
	if os.Getenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT") == "" && os.Getenv("OTEL_EXPORTER_OTLP_ENDPOINT") == "" {
		// Options given in code override the variables, so the default
		// endpoint is given only when neither is set.
		exporterOpts = append(exporterOpts, otlptracehttp.WithEndpoint(DefaultEndpoint), otlptracehttp.WithInsecure())
	}
	exporter, err := otlptracehttp.New(ctx, exporterOpts...)
	if err != nil {
		return noop, fmt.Errorf("hyphaotel: OTLP exporter: %w", err)
	}

	var batchOpts []sdktrace.BatchSpanProcessorOption
	if os.Getenv("OTEL_BSP_SCHEDULE_DELAY") == "" {
		batchOpts = append(batchOpts, sdktrace.WithBatchTimeout(defaultBatchTimeout))
	}
	tp := sdktrace.NewTracerProvider(
		sdktrace.WithBatcher(exporter, batchOpts...),
		sdktrace.WithResource(res),
	)
	otel.SetTracerProvider(tp)
	otel.SetTextMapPropagator(autoprop.NewTextMapPropagator())
	return tp.Shutdown, nil
}

// protocol is the OTLP protocol asked for in the environment, traces'
// setting first, as the exporters read it.
func protocol() string {
	for _, name := range []string{"OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", "OTEL_EXPORTER_OTLP_PROTOCOL"} {
		if v := strings.TrimSpace(os.Getenv(name)); v != "" {
			return v
		}
	}
	return "http/protobuf"
}
