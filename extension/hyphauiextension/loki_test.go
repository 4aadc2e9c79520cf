// Copyright The Hypha Authors
// SPDX-License-Identifier: Apache-2.0

package hyphauiextension

// No Loki can run where Hypha is developed (it is AGPL), so the Loki
// adapter is tested against the request and answer shapes of Loki's HTTP
// API documentation (docs/sources/reference/loki-http-api.md: "Query logs
// within a range of time", "Query labels values", and the
// X-Loki-Response-Encoding-Flags: categorize-labels answer). The server
// below checks each request and answers those documented shapes; it is
// not a Loki.

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// lokiShaped answers every request with answer(r) and keeps the requests.
type lokiShaped struct {
	mu       sync.Mutex
	requests []*http.Request
	answer   func(r *http.Request) (int, string)
}

func (l *lokiShaped) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	l.mu.Lock()
	l.requests = append(l.requests, r.Clone(context.Background()))
	l.mu.Unlock()
	code, body := l.answer(r)
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_, _ = w.Write([]byte(body))
}

func (l *lokiShaped) last(t *testing.T) *http.Request {
	t.Helper()
	l.mu.Lock()
	defer l.mu.Unlock()
	require.NotEmpty(t, l.requests)
	return l.requests[len(l.requests)-1]
}

func lokiUI(t *testing.T, answer func(r *http.Request) (int, string)) (*httptest.Server, *lokiShaped) {
	t.Helper()
	shaped := &lokiShaped{answer: answer}
	store := httptest.NewServer(shaped)
	t.Cleanup(store.Close)
	srv := testServer(t, func(c *Config) {
		c.Logs.Endpoint = store.URL
		c.JaegerUIURL = "http://jaeger.example:16686"
	})
	return srv, shaped
}

const (
	tid = "4bf92f3577b34da6a3ce929d0e0e4736"
	sid = "00f067aa0ba902b7"
)

func ns(t time.Time) string { return strconv.FormatInt(t.UnixNano(), 10) }

func TestLokiSearch(t *testing.T) {
	end := time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC)
	start := end.Add(-30 * time.Minute)
	t1, t2, t3 := end.Add(-time.Minute), end.Add(-2*time.Minute), end.Add(-3*time.Minute)
	// Two streams; the values carry structured metadata apart, as with
	// categorize-labels. The answer holds limit+1 lines, so the page is cut.
	answer := fmt.Sprintf(`{"status":"success","data":{"resultType":"streams","encodingFlags":["categorize-labels"],"result":[
	 {"stream":{"service_name":"cart","deployment_environment":"prod"},"values":[
	   ["%s","payment failed: <script>alert(1)</script>",{"structuredMetadata":{"trace_id":"%s","span_id":"%s","severity_text":"ERROR"}}],
	   ["%s","retrying",{"structuredMetadata":{"trace_id":"%s","span_id":"%s","severity_text":"ERROR"},"parsed":{"attempt":"2"}}]]},
	 {"stream":{"service_name":"cart","deployment_environment":"canary"},"values":[
	   ["%s","older line",{"structuredMetadata":{"severity_text":"ERROR"}}]]}],
	 "stats":{}}}`, ns(t2), tid, sid, ns(t1), tid, sid, ns(t3))
	srv, loki := lokiUI(t, func(*http.Request) (int, string) { return http.StatusOK, answer })

	q := url.Values{
		"service": {"cart"}, "severity": {"error"}, "q": {"payment"}, "traceId": {tid}, "spanId": {sid},
		"start": {start.Format(time.RFC3339Nano)}, "end": {end.Format(time.RFC3339Nano)}, "limit": {"2"},
	}
	resp, body := get(t, srv.URL+"/api/logs?"+q.Encode())
	require.Equal(t, http.StatusOK, resp.StatusCode, string(body))

	r := loki.last(t)
	assert.Equal(t, "/loki/api/v1/query_range", r.URL.Path)
	assert.Equal(t, "categorize-labels", r.Header.Get("X-Loki-Response-Encoding-Flags"))
	got := r.URL.Query()
	assert.Equal(t, `{service_name="cart"} | trace_id="`+tid+`" | span_id="`+sid+`" | severity_text=~"(?i)(error)" |= "payment"`, got.Get("query"))
	assert.Equal(t, ns(start), got.Get("start"))
	assert.Equal(t, ns(end), got.Get("end"))
	assert.Equal(t, "3", got.Get("limit"), "one more than the page, to tell a cut")
	assert.Equal(t, "backward", got.Get("direction"))

	out := decode[lines](t, body)
	assert.True(t, out.Truncated)
	assert.Equal(t, 2, out.Limit)
	require.Len(t, out.Lines, 2)
	first := out.Lines[0]
	assert.Equal(t, t1, first.Time, "newest first, across streams")
	assert.Equal(t, "retrying", first.Body)
	assert.Equal(t, "cart", first.Service)
	assert.Equal(t, tid, first.TraceID)
	assert.Equal(t, sid, first.SpanID)
	assert.Equal(t, "ERROR", first.Severity)
	assert.Equal(t, map[string]string{"deployment_environment": "prod", "attempt": "2"}, first.Fields)
	assert.Equal(t, "http://jaeger.example:16686/trace/"+tid, first.Links["jaeger"])
	assert.Equal(t, "payment failed: <script>alert(1)</script>", out.Lines[1].Body, "text is passed on as text; the page renders it as text")
}

func TestLokiTraceLogsOldestFirstAndUncategorized(t *testing.T) {
	base := time.Now().Add(-10 * time.Minute)
	// Without categorize-labels (older Loki), structured metadata arrives
	// among the stream labels.
	answer := fmt.Sprintf(`{"status":"success","data":{"resultType":"streams","result":[
	 {"stream":{"service_name":"web","trace_id":"%s","span_id":"%s","detected_level":"info"},"values":[["%s","b"],["%s","a"]]}]}}`,
		tid, sid, ns(base.Add(time.Second)), ns(base))
	srv, loki := lokiUI(t, func(*http.Request) (int, string) { return http.StatusOK, answer })
	resp, body := get(t, srv.URL+"/api/traces/"+tid+"/logs?spanId="+sid)
	require.Equal(t, http.StatusOK, resp.StatusCode, string(body))
	got := loki.last(t).URL.Query()
	assert.Equal(t, `{service_name=~".+"} | trace_id="`+tid+`" | span_id="`+sid+`"`, got.Get("query"))
	assert.Equal(t, "forward", got.Get("direction"))
	assert.Equal(t, "1001", got.Get("limit"))
	out := decode[lines](t, body)
	assert.False(t, out.Truncated)
	require.Len(t, out.Lines, 2)
	assert.Equal(t, []string{"a", "b"}, []string{out.Lines[0].Body, out.Lines[1].Body}, "oldest first")
	assert.Equal(t, tid, out.Lines[0].TraceID)
	assert.Equal(t, sid, out.Lines[0].SpanID)
	assert.Equal(t, "info", out.Lines[0].Severity, "detected_level when there is no severity_text")
	assert.Empty(t, out.Lines[0].Fields["trace_id"], "the ids are not repeated among the fields")
}

func TestLokiLimitAboveItsMaximum(t *testing.T) {
	srv, loki := lokiUI(t, func(*http.Request) (int, string) {
		return http.StatusOK, `{"status":"success","data":{"resultType":"streams","result":[]}}`
	})
	resp, body := get(t, srv.URL+"/api/traces/"+tid+"/logs?limit=20000")
	require.Equal(t, http.StatusOK, resp.StatusCode, string(body))
	assert.Equal(t, strconv.Itoa(lokiMaxEntries), loki.last(t).URL.Query().Get("limit"), "Loki refuses more than max_entries_limit_per_query")
}

func TestLokiOverview(t *testing.T) {
	end := time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC)
	start := end.Add(-time.Hour)
	// A documented matrix answer: [unix seconds, "value"]. Evaluated at the
	// end of each bucket, so the sample at 11:02 is the bucket of 11:01.
	srv, loki := lokiUI(t, func(r *http.Request) (int, string) {
		q := r.URL.Query()
		if q.Get("step") == "" {
			return http.StatusOK, `{"status":"success","data":{"resultType":"streams","result":[]}}`
		}
		at := float64(start.Add(2*time.Minute).Unix()) + 0.001
		n := "7"
		if _, errs := lokiCountQueries(time.Minute); q.Get("query") == errs {
			n = "2"
		}
		return http.StatusOK, fmt.Sprintf(`{"status":"success","data":{"resultType":"matrix","result":[
		  {"metric":{"service_name":"cart"},"values":[[%f,"%s"]]}]}}`, at, n)
	})
	q := url.Values{"start": {start.Format(time.RFC3339)}, "end": {end.Format(time.RFC3339)}}
	resp, body := get(t, srv.URL+"/api/overview?"+q.Encode())
	require.Equal(t, http.StatusOK, resp.StatusCode, string(body))
	loki.mu.Lock()
	var steps []url.Values
	for _, r := range loki.requests {
		if r.URL.Query().Get("step") != "" {
			steps = append(steps, r.URL.Query())
		}
	}
	loki.mu.Unlock()
	require.Len(t, steps, 2)
	total, errs := lokiCountQueries(time.Minute)
	assert.ElementsMatch(t, []string{total, errs}, []string{steps[0].Get("query"), steps[1].Get("query")})
	for _, st := range steps {
		assert.Equal(t, "60", st.Get("step"))
		assert.Equal(t, ns(start.Add(time.Minute)), st.Get("start"))
		assert.Equal(t, ns(end), st.Get("end"))
	}

	out := decode[struct {
		Buckets  []time.Time       `json:"buckets"`
		Services []serviceOverview `json:"services"`
	}](t, body)
	require.Len(t, out.Buckets, 60)
	require.Len(t, out.Services, 1)
	cart := out.Services[0]
	assert.Equal(t, "cart", cart.Name)
	assert.Equal(t, int64(7), cart.Total[1])
	assert.Equal(t, int64(2), cart.Errors[1])
	assert.Equal(t, int64(7), cart.TotalCount)
	assert.Equal(t, int64(2), cart.ErrorCount)
}

func TestLokiServices(t *testing.T) {
	// The API's list is the union with Jaeger's, which needs a Jaeger:
	// the adapter is called directly.
	loki := &lokiShaped{answer: func(*http.Request) (int, string) {
		return http.StatusOK, `{"status":"success","data":["web","cart"]}`
	}}
	names, err := bareLoki(t, loki).services(context.Background(), time.Now().Add(-time.Hour), time.Now())
	require.NoError(t, err)
	assert.Equal(t, []string{"cart", "web"}, names)
	assert.Equal(t, "/loki/api/v1/label/service_name/values", loki.last(t).URL.Path)
}

// bareLoki is a bare adapter pointed at the Loki-shaped server.
func bareLoki(t *testing.T, shaped *lokiShaped) loki {
	t.Helper()
	store := httptest.NewServer(shaped)
	t.Cleanup(store.Close)
	c, err := newStoreClient("logs", "Loki", store.URL, http.DefaultClient, 5*time.Second)
	require.NoError(t, err)
	return loki{c: c}
}

func TestLokiFailuresNameTheStore(t *testing.T) {
	for _, c := range []struct {
		name   string
		code   int
		body   string
		status int
	}{
		{"a documented error answer", http.StatusBadRequest, `parse error at line 1, col 5: syntax error`, http.StatusBadGateway},
		{"an answer with status error", http.StatusOK, `{"status":"error","data":{}}`, http.StatusBadGateway},
		{"not JSON", http.StatusOK, `<html>`, http.StatusBadGateway},
		{"a value too short", http.StatusOK, `{"status":"success","data":{"resultType":"streams","result":[{"stream":{},"values":[["1"]]}]}}`, http.StatusBadGateway},
	} {
		t.Run(c.name, func(t *testing.T) {
			srv, _ := lokiUI(t, func(*http.Request) (int, string) { return c.code, c.body })
			resp, body := get(t, srv.URL+"/api/logs")
			assert.Equal(t, c.status, resp.StatusCode)
			e := decode[apiError](t, body)
			assert.Equal(t, "logs", e.Store)
			assert.Equal(t, "Loki", e.StoreName)
			assert.Contains(t, e.Error, "Loki")
		})
	}
}

// FuzzDecodeLokiStreams checks that no answer makes the decoding panic.
func FuzzDecodeLokiStreams(f *testing.F) {
	f.Add([]byte(`{"status":"success","data":{"resultType":"streams","result":[{"stream":{"a":"b"},"values":[["1","x",{"structuredMetadata":{"trace_id":"t"}}]]}]}}`))
	f.Add([]byte(`{"status":"success","data":{"resultType":"matrix","result":[{"metric":{},"values":[[1.5,"2"]]}]}}`))
	f.Add([]byte(`{"status":"success","data":{"resultType":"streams","result":[{"values":[[1,2,3]]}]}}`))
	buckets, step := makeBuckets(time.Unix(0, 0), time.Unix(3600, 0))
	f.Fuzz(func(t *testing.T, body []byte) {
		_, _ = decodeLokiStreams(body)
		_, _ = decodeLokiMatrix(body, buckets, step)
	})
}
