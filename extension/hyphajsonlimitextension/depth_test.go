// Copyright The Hypha Authors
// SPDX-License-Identifier: Apache-2.0

package hyphajsonlimitextension

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/plog/plogotlp"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/collector/pdata/ptrace/ptraceotlp"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	"go.opentelemetry.io/otel/sdk/metric/metricdata/metricdatatest"

	"github.com/hypha-obs/hypha/extension/hyphajsonlimitextension/internal/metadatatest"
)

// nest fills v with levels of maps (or arrays) around a string.
func nest(v pcommon.Value, levels int, arrays bool) {
	for range levels {
		if arrays {
			v = v.SetEmptySlice().AppendEmpty()
		} else {
			v = v.SetEmptyMap().PutEmpty("k")
		}
	}
	v.SetStr("leaf")
}

func scanAll(b []byte) error { return newDepthScanner().scan(b) }

// scanInPieces feeds the document a few bytes at a time, as Read does.
func scanInPieces(b []byte, n int) error {
	s := newDepthScanner()
	for len(b) > 0 {
		k := min(n, len(b))
		if err := s.scan(b[:k]); err != nil {
			return err
		}
		b = b[k:]
	}
	return nil
}

// TestSameLimitAsProtobuf: for values nested at every depth around the
// limit, in each place a value can sit, the JSON scanner refuses exactly the
// requests whose protobuf encoding pdata refuses to decode.
func TestSameLimitAsProtobuf(t *testing.T) {
	logPlaces := map[string]func(plog.Logs) pcommon.Value{
		"log body": func(ld plog.Logs) pcommon.Value {
			return ld.ResourceLogs().At(0).ScopeLogs().At(0).LogRecords().At(0).Body()
		},
		"log attribute": func(ld plog.Logs) pcommon.Value {
			return ld.ResourceLogs().At(0).ScopeLogs().At(0).LogRecords().At(0).Attributes().PutEmpty("a")
		},
		"resource attribute": func(ld plog.Logs) pcommon.Value {
			return ld.ResourceLogs().At(0).Resource().Attributes().PutEmpty("a")
		},
		"scope attribute": func(ld plog.Logs) pcommon.Value {
			return ld.ResourceLogs().At(0).ScopeLogs().At(0).Scope().Attributes().PutEmpty("a")
		},
	}
	for place, at := range logPlaces {
		for _, arrays := range []bool{false, true} {
			for levels := 25; levels <= 55; levels++ {
				ld := plog.NewLogs()
				ld.ResourceLogs().AppendEmpty().ScopeLogs().AppendEmpty().LogRecords().AppendEmpty().Body().SetStr("x")
				nest(at(ld), levels, arrays)
				req := plogotlp.NewExportRequestFromLogs(ld)
				assertAgree(t, place, levels, arrays, req.MarshalProto, req.MarshalJSON, func(b []byte) error {
					return plogotlp.NewExportRequest().UnmarshalProto(b)
				})
			}
		}
	}
	for levels := 25; levels <= 55; levels++ {
		td := ptrace.NewTraces()
		span := td.ResourceSpans().AppendEmpty().ScopeSpans().AppendEmpty().Spans().AppendEmpty()
		nest(span.Events().AppendEmpty().Attributes().PutEmpty("e"), levels, false)
		nest(span.Links().AppendEmpty().Attributes().PutEmpty("l"), levels/2, true)
		req := ptraceotlp.NewExportRequestFromTraces(td)
		assertAgree(t, "span event attribute", levels, false, req.MarshalProto, req.MarshalJSON, func(b []byte) error {
			return ptraceotlp.NewExportRequest().UnmarshalProto(b)
		})
	}
}

func assertAgree(t *testing.T, place string, levels int, arrays bool, toProto, toJSON func() ([]byte, error), fromProto func([]byte) error) {
	t.Helper()
	pb, err := toProto()
	require.NoError(t, err)
	js, err := toJSON()
	require.NoError(t, err)
	protoErr := fromProto(pb)
	jsonErr := scanAll(js)
	assert.Equal(t, protoErr == nil, jsonErr == nil,
		"%s, %d levels (arrays %v): protobuf decoding says %v, the JSON scanner %v", place, levels, arrays, protoErr, jsonErr)
	assert.Equal(t, jsonErr == nil, scanInPieces(js, 3) == nil, "read in pieces, the scanner must decide the same")
	if jsonErr != nil {
		assert.ErrorIs(t, jsonErr, errTooDeep)
	}
}

func TestDocumentedFigures(t *testing.T) {
	body := func(levels int, arrays bool) []byte {
		ld := plog.NewLogs()
		nest(ld.ResourceLogs().AppendEmpty().ScopeLogs().AppendEmpty().LogRecords().AppendEmpty().Body(), levels, arrays)
		b, err := plogotlp.NewExportRequestFromLogs(ld).MarshalJSON()
		require.NoError(t, err)
		return b
	}
	// The package doc and the README say: 33 levels of maps, 49 of arrays.
	require.NoError(t, scanAll(body(33, false)))
	require.Error(t, scanAll(body(34, false)))
	require.NoError(t, scanAll(body(49, true)))
	assert.Error(t, scanAll(body(50, true)))
}

func TestHostileDocuments(t *testing.T) {
	for name, doc := range map[string]string{
		"brackets only":             strings.Repeat("[", 100_000),
		"objects outside any value": strings.Repeat(`{"a":`, 10_000),
		"escaped body key":          `{"resourceLogs":[{"scopeLogs":[{"logRecords":[{"b\u006fdy":` + strings.Repeat(`{"kvlistValue":{"values":[{"key":"k","value":`, 40),
	} {
		err := scanAll([]byte(doc))
		require.ErrorIs(t, err, errTooDeep, name)
	}
	// Keys inside a value tree are the decoder's business: a KeyValue whose
	// key is "body" changes nothing.
	ld := plog.NewLogs()
	lr := ld.ResourceLogs().AppendEmpty().ScopeLogs().AppendEmpty().LogRecords().AppendEmpty()
	nest(lr.Body().SetEmptyMap().PutEmpty("body"), 33, false) // 34 levels in all
	b, err := plogotlp.NewExportRequestFromLogs(ld).MarshalJSON()
	require.NoError(t, err)
	require.Error(t, plogotlp.NewExportRequest().UnmarshalProto(mustProto(t, ld)))
	assert.Error(t, scanAll(b))
}

func mustProto(t *testing.T, ld plog.Logs) []byte {
	b, err := plogotlp.NewExportRequestFromLogs(ld).MarshalProto()
	require.NoError(t, err)
	return b
}

// TestMiddleware: the wrapped handler's read fails on a deep JSON body, and
// only on JSON; the failure is counted.
func TestMiddleware(t *testing.T) {
	tt := componenttest.NewTelemetry()
	t.Cleanup(func() { require.NoError(t, tt.Shutdown(context.Background())) })
	ext, err := NewFactory().Create(context.Background(), metadatatest.NewSettings(tt), &Config{})
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, ext.Shutdown(context.Background())) })
	wrap, err := ext.(*jsonLimit).GetHTTPHandler(context.Background())
	require.NoError(t, err)
	h, err := wrap(context.Background(), http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, err := io.ReadAll(r.Body); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
		}
	}))
	require.NoError(t, err)

	deep := strings.Repeat("[", 1000)
	for _, tc := range []struct {
		contentType, body string
		want              int
	}{
		{"application/json", deep, http.StatusBadRequest},
		{"application/json; charset=utf-8", deep, http.StatusBadRequest},
		{"application/json", `{"resourceLogs":[]}`, http.StatusOK},
		{"application/x-protobuf", deep, http.StatusOK}, // protobuf has its own limit
	} {
		req := httptest.NewRequest(http.MethodPost, "/v1/logs", bytes.NewBufferString(tc.body))
		req.Header.Set("Content-Type", tc.contentType)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		assert.Equal(t, tc.want, rec.Code, "%s %.20q", tc.contentType, tc.body)
		if tc.want == http.StatusBadRequest {
			assert.Contains(t, rec.Body.String(), "nests too deep")
		}
	}
	metadatatest.AssertEqualExtensionHyphaJSONLimitRefusedRequests(t, tt,
		[]metricdata.DataPoint[int64]{{Value: 2}}, metricdatatest.IgnoreTimestamp())
}

func TestErrorIsStable(t *testing.T) {
	err := scanAll([]byte(strings.Repeat("{", 300)))
	require.Error(t, err)
	assert.ErrorIs(t, err, errTooDeep)
}
