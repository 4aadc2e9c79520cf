// Copyright The Hypha Authors
// SPDX-License-Identifier: Apache-2.0

package hyphadiskreserveextension // import "github.com/hypha-obs/hypha/extension/hyphadiskreserveextension"

import (
	"context"
	"net/http"
	"sync"
	"time"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/extension"
	"go.opentelemetry.io/collector/extension/extensionmiddleware"
	"go.uber.org/zap"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/hypha-obs/hypha/extension/hyphadiskreserveextension/internal/metadata"
)

var (
	_ extensionmiddleware.HTTPServer = (*diskReserve)(nil)
	_ extensionmiddleware.GRPCServer = (*diskReserve)(nil)
)

// recheckEvery bounds how often the disk is asked: a burst of requests
// shares one answer.
const recheckEvery = 200 * time.Millisecond

const refusal = "the disk of the sending queue is nearly full: request refused, send it again later"

type diskReserve struct {
	component.StartFunc
	component.ShutdownFunc
	dir       string
	minFree   uint64
	logger    *zap.Logger
	telemetry *metadata.TelemetryBuilder

	mu      sync.Mutex
	checked time.Time
	full    bool
}

func newDiskReserve(set extension.Settings, cfg *Config) (*diskReserve, error) {
	tb, err := metadata.NewTelemetryBuilder(set.TelemetrySettings)
	if err != nil {
		return nil, err
	}
	return &diskReserve{
		dir:       cfg.Directory,
		minFree:   uint64(cfg.MinFreeMiB) << 20,
		logger:    set.Logger,
		telemetry: tb,
		ShutdownFunc: func(context.Context) error {
			tb.Shutdown()
			return nil
		},
	}, nil
}

// refuse tells whether a request must be refused now. It logs each change:
// at error when refusing starts, at info when it ends.
func (d *diskReserve) refuse(ctx context.Context) bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	if now := time.Now(); now.Sub(d.checked) >= recheckEvery {
		d.checked = now
		free, err := freeBytes(d.dir)
		// A disk that cannot be asked is not taken for full: the queue
		// reports its own errors.
		full := err == nil && free < d.minFree
		switch {
		case full && !d.full:
			d.logger.Error("The disk of the sending queue is nearly full: refusing OTLP requests (HTTP 503, gRPC Unavailable) so that senders keep their data; free space on it to resume",
				zap.String("directory", d.dir), zap.Uint64("free_bytes", free), zap.Uint64("min_free_bytes", d.minFree))
		case !full && d.full:
			d.logger.Info("The disk of the sending queue has room again: accepting OTLP requests",
				zap.String("directory", d.dir), zap.Uint64("free_bytes", free))
		}
		d.full = full
	}
	if d.full {
		d.telemetry.ExtensionHyphaDiskReserveRefusedRequests.Add(ctx, 1)
	}
	return d.full
}

// GetHTTPHandler answers 503 with Retry-After while the disk is nearly full.
func (d *diskReserve) GetHTTPHandler(context.Context) (extensionmiddleware.WrapHTTPHandlerFunc, error) {
	return func(_ context.Context, next http.Handler) (http.Handler, error) {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if d.refuse(r.Context()) {
				w.Header().Set("Retry-After", "5")
				http.Error(w, refusal, http.StatusServiceUnavailable)
				return
			}
			next.ServeHTTP(w, r)
		}), nil
	}, nil
}

// GetGRPCServerOptions refuses unary calls (every OTLP export) with
// Unavailable while the disk is nearly full.
func (d *diskReserve) GetGRPCServerOptions(context.Context) ([]grpc.ServerOption, error) {
	return []grpc.ServerOption{grpc.ChainUnaryInterceptor(
		func(ctx context.Context, req any, _ *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
			if d.refuse(ctx) {
				return nil, status.Error(codes.Unavailable, refusal)
			}
			return handler(ctx, req)
		},
	)}, nil
}
