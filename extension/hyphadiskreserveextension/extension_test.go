// Copyright The Hypha Authors
// SPDX-License-Identifier: Apache-2.0

package hyphadiskreserveextension

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	"go.opentelemetry.io/otel/sdk/metric/metricdata/metricdatatest"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/status"

	"github.com/hypha-obs/hypha/extension/hyphadiskreserveextension/internal/metadatatest"
)

// serve sends one HTTP request and one gRPC unary call (a health check on a
// real gRPC server) through the middleware, which watches the real disk of
// dir, and returns what each answered.
func serve(t *testing.T, tt *componenttest.Telemetry, dir string, minFreeMiB int64) (int, codes.Code) {
	t.Helper()
	ext, err := NewFactory().Create(context.Background(), metadatatest.NewSettings(tt), &Config{Directory: dir, MinFreeMiB: minFreeMiB})
	require.NoError(t, err)
	d := ext.(*diskReserve)
	t.Cleanup(func() { assert.NoError(t, d.Shutdown(context.Background())) })

	wrap, err := d.GetHTTPHandler(context.Background())
	require.NoError(t, err)
	h, err := wrap(context.Background(), http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusOK) }))
	require.NoError(t, err)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/v1/logs", http.NoBody))

	opts, err := d.GetGRPCServerOptions(context.Background())
	require.NoError(t, err)
	srv := grpc.NewServer(opts...)
	healthpb.RegisterHealthServer(srv, health.NewServer())
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	go func() { _ = srv.Serve(lis) }()
	t.Cleanup(srv.Stop)
	conn, err := grpc.NewClient(lis.Addr().String(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	require.NoError(t, err)
	t.Cleanup(func() { _ = conn.Close() })
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_, err = healthpb.NewHealthClient(conn).Check(ctx, &healthpb.HealthCheckRequest{})
	return rec.Code, status.Code(err)
}

func TestRefusesOnlyBelowTheReserve(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("free space is measured on Linux only")
	}
	dir := t.TempDir()

	tt := componenttest.NewTelemetry()
	t.Cleanup(func() { assert.NoError(t, tt.Shutdown(context.Background())) })
	code, grpcCode := serve(t, tt, dir, 1)
	assert.Equal(t, http.StatusOK, code, "1 MiB free is there on the test machine's disk")
	assert.Equal(t, codes.OK, grpcCode)

	// A reserve no disk has: every request is refused, and counted.
	code, grpcCode = serve(t, tt, dir, 1<<40)
	assert.Equal(t, http.StatusServiceUnavailable, code)
	assert.Equal(t, codes.Unavailable, grpcCode)
	metadatatest.AssertEqualExtensionHyphaDiskReserveRefusedRequests(t, tt,
		[]metricdata.DataPoint[int64]{{Value: 2}}, metricdatatest.IgnoreTimestamp())

	// A disk that cannot be asked is not taken for full.
	code, grpcCode = serve(t, componenttest.NewTelemetry(), filepath.Join(dir, "missing"), 1<<40)
	assert.Equal(t, http.StatusOK, code)
	assert.Equal(t, codes.OK, grpcCode)
}
