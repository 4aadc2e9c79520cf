// Copyright The Hypha Authors
// SPDX-License-Identifier: Apache-2.0

package hyphastreamlimitextension // import "github.com/hypha-obs/hypha/extension/hyphastreamlimitextension"

import (
	"context"
	"sync"
	"time"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/extension"
	"go.opentelemetry.io/collector/extension/extensionmiddleware"
	"go.uber.org/zap"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/peer"
	"google.golang.org/grpc/status"
	"google.golang.org/grpc/tap"

	"github.com/hypha-obs/hypha/extension/hyphastreamlimitextension/internal/metadata"
)

var _ extensionmiddleware.GRPCServer = (*streamLimit)(nil)

// idleAfter is how long a connection's bucket is kept after its last
// stream: a closed connection's bucket goes at the next sweep.
const idleAfter = time.Minute

// bucket is one connection's token bucket.
type bucket struct {
	tokens float64
	last   time.Time
	logged bool
}

// take refills the bucket for the time since its last stream and takes a
// token, and returns how long to wait until that token is there (0 when it
// was). Tokens taken ahead make the bucket negative, so a connection's
// streams are paced at perSecond however many it sends.
func (b *bucket) take(now time.Time, perSecond float64, burst int) time.Duration {
	b.tokens = min(float64(burst), b.tokens+now.Sub(b.last).Seconds()*perSecond)
	b.last = now
	b.tokens--
	if b.tokens >= 0 {
		return 0
	}
	return time.Duration(-b.tokens / perSecond * float64(time.Second))
}

type streamLimit struct {
	component.StartFunc
	component.ShutdownFunc
	perSecond float64
	burst     int
	logger    *zap.Logger
	telemetry *metadata.TelemetryBuilder

	mu    sync.Mutex
	conns map[string]*bucket // by the connection's remote address
	swept time.Time
}

func newStreamLimit(set extension.Settings, cfg *Config) (*streamLimit, error) {
	tb, err := metadata.NewTelemetryBuilder(set.TelemetrySettings)
	if err != nil {
		return nil, err
	}
	return &streamLimit{
		perSecond: cfg.StreamsPerSecond,
		burst:     cfg.Burst,
		logger:    set.Logger,
		telemetry: tb,
		conns:     map[string]*bucket{},
		ShutdownFunc: func(context.Context) error {
			tb.Shutdown()
			return nil
		},
	}, nil
}

// GetGRPCServerOptions installs the tap handle, which grpc-go calls for each
// new stream before it starts any work for it.
func (l *streamLimit) GetGRPCServerOptions(context.Context) ([]grpc.ServerOption, error) {
	return []grpc.ServerOption{grpc.InTapHandle(l.tap)}, nil
}

func (l *streamLimit) tap(ctx context.Context, _ *tap.Info) (context.Context, error) {
	p, ok := peer.FromContext(ctx)
	if !ok || p.Addr == nil {
		return ctx, nil
	}
	addr := p.Addr.String()
	now := time.Now()
	l.mu.Lock()
	b := l.conns[addr]
	if b == nil {
		b = &bucket{tokens: float64(l.burst), last: now}
		l.conns[addr] = b
	}
	wait := b.take(now, l.perSecond, l.burst)
	first := wait > 0 && !b.logged
	if first {
		b.logged = true
	}
	l.sweep(now)
	l.mu.Unlock()
	if wait == 0 {
		return ctx, nil
	}
	if first {
		l.logger.Warn("A client opens gRPC streams faster than streams_per_second; its connection is slowed down to that rate",
			zap.String("client", addr), zap.Float64("streams_per_second", l.perSecond), zap.Int("burst", l.burst))
	}
	l.telemetry.ExtensionHyphaStreamLimitPacedStreams.Add(ctx, 1)
	if wait > maxWait {
		// Far behind: refuse rather than hold the connection longer.
		time.Sleep(maxWait)
		return ctx, status.Error(codes.Unavailable, "this connection opens streams too fast")
	}
	// grpc-go calls the tap handle from the connection's reader: while it
	// waits, that connection's frames stay in the socket and its client is
	// slowed down, at no cost to the other connections.
	time.Sleep(wait)
	return ctx, nil
}

// maxWait bounds one stream's wait.
const maxWait = time.Second

// sweep drops the buckets of connections idle for idleAfter, at most once
// per idleAfter. The caller holds mu.
func (l *streamLimit) sweep(now time.Time) {
	if now.Sub(l.swept) < idleAfter {
		return
	}
	l.swept = now
	for addr, b := range l.conns {
		if now.Sub(b.last) > idleAfter {
			delete(l.conns, addr)
		}
	}
}
