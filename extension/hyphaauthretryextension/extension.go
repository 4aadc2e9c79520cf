// Copyright The Hypha Authors
// SPDX-License-Identifier: Apache-2.0

package hyphaauthretryextension // import "github.com/hypha-obs/hypha/extension/hyphaauthretryextension"

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"time"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/extension"
	"go.opentelemetry.io/collector/extension/extensionmiddleware"
	"go.uber.org/zap"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/hypha-obs/hypha/extension/hyphaauthretryextension/internal/metadata"
)

var (
	_ extensionmiddleware.GRPCClient = (*authRetry)(nil)
	_ extensionmiddleware.HTTPClient = (*authRetry)(nil)
)

// authRetry is the extension. It keeps one piece of state: whether the last
// request was refused, so that it can say once when the refusals start, at
// most every ReportInterval while they last, and once when they end.
type authRetry struct {
	component.StartFunc
	component.ShutdownFunc

	logger         *zap.Logger
	telemetry      *metadata.TelemetryBuilder
	reportInterval time.Duration
	now            func() time.Time

	mu           sync.Mutex
	refusing     bool
	refusedSince int // refusals since the last log line
	lastReport   time.Time
}

func newAuthRetry(set extension.Settings, cfg *Config) (*authRetry, error) {
	tb, err := metadata.NewTelemetryBuilder(set.TelemetrySettings)
	if err != nil {
		return nil, err
	}
	return &authRetry{
		logger:         set.Logger,
		telemetry:      tb,
		reportInterval: cfg.ReportInterval,
		now:            time.Now,
		ShutdownFunc: func(context.Context) error {
			tb.Shutdown()
			return nil
		},
	}, nil
}

// GetGRPCClientOptions adds a unary interceptor: OTLP exports are unary calls.
func (a *authRetry) GetGRPCClientOptions(context.Context) ([]grpc.DialOption, error) {
	return []grpc.DialOption{grpc.WithChainUnaryInterceptor(a.interceptUnary)}, nil
}

func (a *authRetry) interceptUnary(ctx context.Context, method string, req, reply any, cc *grpc.ClientConn, invoker grpc.UnaryInvoker, opts ...grpc.CallOption) error {
	err := invoker(ctx, method, req, reply, cc, opts...)
	st, isStatus := status.FromError(err)
	if !isStatus || (st.Code() != codes.Unauthenticated && st.Code() != codes.PermissionDenied) {
		if err == nil {
			a.accepted(ctx)
		}
		return err
	}
	a.refused(ctx, cc.Target(), st.Code().String(), st.Message())
	// Unavailable is what the OTLP exporter retries with backoff.
	return status.Errorf(codes.Unavailable, "%s refused the credentials (%s: %s); the data stays queued and is retried", cc.Target(), st.Code(), st.Message())
}

// GetHTTPRoundTripper wraps the exporter's transport.
func (a *authRetry) GetHTTPRoundTripper(context.Context) (extensionmiddleware.WrapHTTPRoundTripperFunc, error) {
	return func(_ context.Context, base http.RoundTripper) (http.RoundTripper, error) {
		return roundTripperFunc(func(req *http.Request) (*http.Response, error) {
			return a.roundTrip(base, req)
		}), nil
	}, nil
}

type roundTripperFunc func(*http.Request) (*http.Response, error)

func (f roundTripperFunc) RoundTrip(req *http.Request) (*http.Response, error) { return f(req) }

// maxReasonBytes bounds how much of a refusal's body is kept for the log.
const maxReasonBytes = 512

func (a *authRetry) roundTrip(base http.RoundTripper, req *http.Request) (*http.Response, error) {
	resp, err := base.RoundTrip(req)
	if err != nil {
		return resp, err
	}
	if resp.StatusCode != http.StatusUnauthorized && resp.StatusCode != http.StatusForbidden {
		if resp.StatusCode/100 == 2 {
			a.accepted(req.Context())
		}
		return resp, nil
	}
	reason, _ := io.ReadAll(io.LimitReader(resp.Body, maxReasonBytes))
	_ = resp.Body.Close()
	a.refused(req.Context(), req.URL.Redacted(), resp.Status, strings.TrimSpace(string(reason)))
	// 503 without Retry-After is what the OTLP/HTTP exporter retries with
	// its own backoff.
	msg := fmt.Sprintf("%s refused the credentials (%s); the data stays queued and is retried", req.URL.Redacted(), resp.Status)
	return &http.Response{
		Status:        "503 Service Unavailable",
		StatusCode:    http.StatusServiceUnavailable,
		Proto:         resp.Proto,
		ProtoMajor:    resp.ProtoMajor,
		ProtoMinor:    resp.ProtoMinor,
		Header:        http.Header{"Content-Type": {"text/plain; charset=utf-8"}},
		Body:          io.NopCloser(strings.NewReader(msg)),
		ContentLength: int64(len(msg)),
		Request:       req,
	}, nil
}

func (a *authRetry) refused(ctx context.Context, target, code, reason string) {
	a.telemetry.ExtensionHyphaAuthRetryRefusals.Add(ctx, 1)
	a.mu.Lock()
	defer a.mu.Unlock()
	if !a.refusing {
		a.telemetry.ExtensionHyphaAuthRetryRefused.Add(ctx, 1)
	}
	a.refusedSince++
	now := a.now()
	if a.refusing && now.Sub(a.lastReport) < a.reportInterval {
		return
	}
	a.logger.Error("The server refused this collector's credentials. Nothing is delivered until they are fixed: the data stays queued and is retried with backoff. Check that the token (or client certificate) matches on both sides.",
		zap.String("endpoint", target),
		zap.String("code", code),
		zap.String("reason", reason),
		zap.Int("refused_requests", a.refusedSince))
	a.refusing = true
	a.refusedSince = 0
	a.lastReport = now
}

func (a *authRetry) accepted(ctx context.Context) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if !a.refusing {
		return
	}
	a.telemetry.ExtensionHyphaAuthRetryRefused.Add(ctx, -1)
	a.logger.Info("The server accepts this collector's credentials again; queued data is being delivered.",
		zap.Int("refused_requests_since_last_report", a.refusedSince))
	a.refusing = false
	a.refusedSince = 0
}
