// Copyright The Hypha Authors
// SPDX-License-Identifier: Apache-2.0

// Command analysis is the Labra Cadabra demo's Go service: lab-tests asks it
// to screen an order before looking up its tests. It is instrumented the way
// the Go instructions in instrumentation/go say: hyphaotel.Start for
// traces, otelhttp for the server, and slog's JSON handler wrapped by
// hyphaotel.NewLogHandler writing to the file the hypha agent tails.
//
//	GET /analysis/{orderId}  → {"orderId":…,"priority":"routine"|"urgent","request_id":…}
//	GET /healthz             → {"status":"ok","service":"analysis"}
//
// An order id starting with "crash" makes the handler panic; the recovering
// middleware answers 500 and writes the panic with its stack, as one
// plain-text record, to LOG_FILE's sibling analysis-errors.log.
//
// Configured like the Node services (see demo/README.md): PORT, HOST,
// LOG_FILE, OTEL_SERVICE_NAME and the OTEL_* variables.
package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"regexp"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"syscall"
	"time"

	"go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"

	hyphaotel "github.com/hypha-obs/hypha/instrumentation/go"
)

const (
	defaultPort = 8084
	// The longest wait for the last spans to go out on SIGTERM.
	shutdownTimeout = 5 * time.Second
)

func main() {
	// SIGTERM and SIGINT end the server cleanly, so that the spans still
	// buffered are exported before the process exits.
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	if err := run(ctx); err != nil {
		fmt.Fprintln(os.Stderr, "analysis:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context) error {
	service := envOr("OTEL_SERVICE_NAME", "analysis")
	logFile := envOr("LOG_FILE", filepath.Join("logs", "analysis.log"))
	addr := net.JoinHostPort(envOr("HOST", "127.0.0.1"), envOr("PORT", strconv.Itoa(defaultPort)))

	shutdown, err := hyphaotel.Start(ctx)
	if err != nil {
		return err
	}
	defer func() {
		ctx, cancel := context.WithTimeout(context.Background(), shutdownTimeout)
		defer cancel()
		if err := shutdown(ctx); err != nil {
			fmt.Fprintln(os.Stderr, "analysis: flushing spans:", err)
		}
	}()

	if err := os.MkdirAll(filepath.Dir(logFile), 0o755); err != nil {
		return err
	}
	f, err := os.OpenFile(logFile, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	defer f.Close()
	// One write per record, straight to the file: a line is on disk when
	// the call returns.
	log := slog.New(hyphaotel.NewLogHandler(slog.NewJSONHandler(f, nil))).With("service", service)
	// Startup lines, outside any span: no trace ids.
	log.Info("starting", "pid", os.Getpid(), "go", runtime.Version())

	ln, err := net.Listen("tcp", addr)
	if err != nil {
		log.Error("listen failed", "addr", addr, "error", err.Error())
		return err
	}
	a := &analysis{log: log, tracer: otel.Tracer("github.com/hypha-obs/hypha/demo/analysis")}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, http.StatusOK, map[string]string{"status": "ok", "service": service})
	})
	mux.HandleFunc("GET /analysis/{orderId}", a.analyse)
	errLog, err := os.OpenFile(strings.TrimSuffix(logFile, ".log")+"-errors.log", os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	defer errLog.Close()
	srv := &http.Server{
		// otelhttp starts a server span per request, joined to the caller's
		// trace by the traceparent header; health checks make none. A
		// handler's panic is recovered inside that span.
		Handler: otelhttp.NewHandler(recoverPanics(mux, service, errLog), "analysis",
			otelhttp.WithFilter(func(r *http.Request) bool { return r.URL.Path != "/healthz" })),
		ReadHeaderTimeout: 5 * time.Second,
	}
	port := ln.Addr().(*net.TCPAddr).Port
	log.Info("listening", "host", ln.Addr().(*net.TCPAddr).IP.String(), "port", port)
	fmt.Printf("%s listening on http://%s (log file %s)\n", service, ln.Addr(), logFile)

	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	select {
	case err := <-served:
		return err
	case <-ctx.Done():
	}
	stopCtx, cancel := context.WithTimeout(context.Background(), shutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(stopCtx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

type analysis struct {
	log    *slog.Logger
	tracer trace.Tracer
}

// The request id the api-gateway forwards, when it looks sane.
var requestIDPattern = regexp.MustCompile(`^[A-Za-z0-9._:-]{1,128}$`)

func (a *analysis) analyse(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	order := r.PathValue("orderId")
	rid := r.Header.Get("x-request-id")
	if !requestIDPattern.MatchString(rid) {
		rid = newRequestID()
	}
	w.Header().Set("x-request-id", rid)
	log := a.log.With("request_id", rid)
	log.InfoContext(ctx, "request received", "method", r.Method, "path", r.URL.Path, "orderId", order)

	if strings.HasPrefix(order, "crash") {
		// A real runtime panic for the demo's crash orders: a write to a
		// nil map.
		var seen map[string]int
		seen[order]++ //nolint:govet,staticcheck // the deliberate panic of a crash order
	}
	priority := a.screen(ctx, log, order)
	writeJSON(w, http.StatusOK, map[string]string{"orderId": order, "priority": priority, "request_id": rid})
}

// recoverPanics answers 500 to a request whose handler panicked, and
// writes the panic and its goroutine's stack to w as one plain-text record
// (one write): a logfmt header line with the span's ids, then the stack as
// the runtime prints it. The agent sends it as one record under the span.
func recoverPanics(next http.Handler, service string, w io.Writer) http.Handler {
	return http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		defer func() {
			v := recover()
			if v == nil {
				return
			}
			sc := trace.SpanContextFromContext(r.Context())
			span := trace.SpanFromContext(r.Context())
			span.SetStatus(codes.Error, fmt.Sprint(v))
			rec := fmt.Sprintf("time=%s level=ERROR service=%s msg=\"panic recovered\" trace_id=%s span_id=%s path=%s\npanic: %v\n\n%s",
				time.Now().UTC().Format(time.RFC3339Nano), service, sc.TraceID(), sc.SpanID(), r.URL.Path, v, debug.Stack())
			_, _ = io.WriteString(w, rec)
			writeJSON(rw, http.StatusInternalServerError, map[string]string{"error": "internal error"})
		}()
		next.ServeHTTP(rw, r)
	})
}

// screen decides an order's priority in a span of its own, so that the
// waterfall shows a Go span below the server's, with its own log line.
func (a *analysis) screen(ctx context.Context, log *slog.Logger, order string) string {
	ctx, span := a.tracer.Start(ctx, "screen order")
	defer span.End()
	priority := "routine"
	var h uint32
	for _, c := range order {
		h = h*31 + uint32(c)
	}
	if h%3 == 0 {
		priority = "urgent"
	}
	span.SetAttributes(attribute.String("labra.order_id", order), attribute.String("labra.priority", priority))
	log.InfoContext(ctx, "order screened", "orderId", order, "priority", priority)
	return priority
}

func newRequestID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func envOr(name, fallback string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return fallback
}
