// Copyright The Hypha Authors
// SPDX-License-Identifier: Apache-2.0

package hyphaauthretryextension

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/pdata/plog/plogotlp"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	"go.opentelemetry.io/otel/sdk/metric/metricdata/metricdatatest"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"

	"github.com/hypha-obs/hypha/extension/hyphaauthretryextension/internal/metadatatest"
)

// logsServer answers exports with the code in refuse (codes.OK accepts).
type logsServer struct {
	plogotlp.UnimplementedGRPCServer
	refuse atomic.Uint32
}

func (s *logsServer) Export(context.Context, plogotlp.ExportRequest) (plogotlp.ExportResponse, error) {
	if c := codes.Code(s.refuse.Load()); c != codes.OK {
		return plogotlp.NewExportResponse(), status.Error(c, "invalid token")
	}
	return plogotlp.NewExportResponse(), nil
}

func newTestExtension(t *testing.T) (*authRetry, *componenttest.Telemetry, *observer.ObservedLogs) {
	t.Helper()
	tt := componenttest.NewTelemetry()
	t.Cleanup(func() { require.NoError(t, tt.Shutdown(context.Background())) })
	core, logs := observer.New(zapcore.InfoLevel)
	set := metadatatest.NewSettings(tt)
	set.Logger = zap.New(core)
	cfg := createDefaultConfig().(*Config)
	a, err := newAuthRetry(set, cfg)
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, a.Shutdown(context.Background())) })
	return a, tt, logs
}

func TestGRPCRefusalBecomesRetryable(t *testing.T) {
	a, tt, logs := newTestExtension(t)
	clock := time.Unix(1_700_000_000, 0)
	a.now = func() time.Time { return clock }

	srv := &logsServer{}
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	gs := grpc.NewServer()
	plogotlp.RegisterGRPCServer(gs, srv)
	go func() { _ = gs.Serve(lis) }()
	t.Cleanup(gs.Stop)

	opts, err := a.GetGRPCClientOptions(context.Background())
	require.NoError(t, err)
	conn, err := grpc.NewClient(lis.Addr().String(), append(opts, grpc.WithTransportCredentials(insecure.NewCredentials()))...)
	require.NoError(t, err)
	t.Cleanup(func() { conn.Close() })
	client := plogotlp.NewGRPCClient(conn)
	export := func() error {
		_, err := client.Export(context.Background(), plogotlp.NewExportRequest())
		return err
	}

	for _, refusal := range []codes.Code{codes.Unauthenticated, codes.PermissionDenied} {
		srv.refuse.Store(uint32(refusal))
		err := export()
		assert.Equal(t, codes.Unavailable, status.Code(err), "a %s refusal must reach the exporter as retryable", refusal)
		assert.Contains(t, err.Error(), refusal.String())
	}
	// Other errors pass through unchanged: InvalidArgument stays permanent.
	srv.refuse.Store(uint32(codes.InvalidArgument))
	assert.Equal(t, codes.InvalidArgument, status.Code(export()))

	// One error line for the first refusal; the second, within the report
	// interval, is only counted.
	errs := logs.FilterLevelExact(zapcore.ErrorLevel).All()
	require.Len(t, errs, 1)
	assert.Contains(t, errs[0].Message, "refused this collector's credentials")
	assert.Equal(t, "Unauthenticated", errs[0].ContextMap()["code"])
	metadatatest.AssertEqualExtensionHyphaAuthRetryRefused(t, tt,
		[]metricdata.DataPoint[int64]{{Value: 1}}, metricdatatest.IgnoreTimestamp())

	// After the interval the refusal is logged again, with the count since.
	srv.refuse.Store(uint32(codes.Unauthenticated))
	clock = clock.Add(defaultReportInterval)
	require.Error(t, export())
	errs = logs.FilterLevelExact(zapcore.ErrorLevel).All()
	require.Len(t, errs, 2)
	assert.EqualValues(t, 2, errs[1].ContextMap()["refused_requests"])

	srv.refuse.Store(uint32(codes.OK))
	require.NoError(t, export())
	assert.Equal(t, 1, logs.FilterMessageSnippet("accepts this collector's credentials again").Len())
	metadatatest.AssertEqualExtensionHyphaAuthRetryRefusals(t, tt,
		[]metricdata.DataPoint[int64]{{Value: 3}}, metricdatatest.IgnoreTimestamp())
	metadatatest.AssertEqualExtensionHyphaAuthRetryRefused(t, tt,
		[]metricdata.DataPoint[int64]{{Value: 0}}, metricdatatest.IgnoreTimestamp())
}

func TestHTTPRefusalBecomesRetryable(t *testing.T) {
	a, tt, logs := newTestExtension(t)
	var answer atomic.Int32
	answer.Store(http.StatusUnauthorized)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		code := int(answer.Load())
		w.WriteHeader(code)
		if code != http.StatusOK {
			_, _ = w.Write([]byte("bad token\n"))
		}
	}))
	t.Cleanup(srv.Close)

	wrap, err := a.GetHTTPRoundTripper(context.Background())
	require.NoError(t, err)
	rt, err := wrap(context.Background(), http.DefaultTransport)
	require.NoError(t, err)
	client := &http.Client{Transport: rt}
	post := func() *http.Response {
		resp, err := client.Post(srv.URL+"/v1/logs", "application/x-protobuf", strings.NewReader("x"))
		require.NoError(t, err)
		resp.Body.Close()
		return resp
	}

	for _, code := range []int{http.StatusUnauthorized, http.StatusForbidden} {
		answer.Store(int32(code))
		assert.Equal(t, http.StatusServiceUnavailable, post().StatusCode, "a %d must reach the exporter as retryable", code)
	}
	answer.Store(http.StatusBadRequest)
	assert.Equal(t, http.StatusBadRequest, post().StatusCode, "other refusals pass through")

	errs := logs.FilterLevelExact(zapcore.ErrorLevel).All()
	require.Len(t, errs, 1)
	assert.Equal(t, "401 Unauthorized", errs[0].ContextMap()["code"])
	assert.Equal(t, "bad token", errs[0].ContextMap()["reason"])

	answer.Store(http.StatusOK)
	assert.Equal(t, http.StatusOK, post().StatusCode)
	assert.Equal(t, 1, logs.FilterMessageSnippet("again").Len())
	metadatatest.AssertEqualExtensionHyphaAuthRetryRefusals(t, tt,
		[]metricdata.DataPoint[int64]{{Value: 2}}, metricdatatest.IgnoreTimestamp())
}

func TestValidate(t *testing.T) {
	require.NoError(t, createDefaultConfig().(*Config).Validate())
	assert.EqualError(t, (&Config{}).Validate(), "report_interval must be greater than 0")
}
