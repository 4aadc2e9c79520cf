// Copyright The Hypha Authors
// SPDX-License-Identifier: Apache-2.0

package hyphauiextension

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// every path kind the UI answers: a page, an SPA route, an asset, the API,
// an unknown API path, and a 404 page.
var everyKindOfPath = []string{"/", "/logs", "/trace/0123456789abcdef0123456789abcdef", "/assets/none.js", "/api/config", "/api/nothing", "/nothing"}

func TestSecurityHeadersOnEveryAnswer(t *testing.T) {
	srv := testServer(t, func(c *Config) { c.BearerToken = "t0ken" })
	for _, path := range everyKindOfPath {
		for _, auth := range []string{"", "Bearer t0ken"} {
			resp, _ := get(t, srv.URL+path, "Authorization", auth)
			for k, v := range securityHeaders {
				assert.Equal(t, v, resp.Header.Get(k), "%s %s (auth %q, status %d)", k, path, auth, resp.StatusCode)
			}
		}
	}
	resp, _ := get(t, srv.URL+"/", "Authorization", "Bearer t0ken")
	csp := resp.Header.Get("Content-Security-Policy")
	for _, want := range []string{"script-src 'self'", "connect-src 'self'", "frame-ancestors 'none'", "object-src 'none'"} {
		assert.Contains(t, csp, want)
	}
	assert.NotContains(t, csp, "unsafe-inline")
}

func TestBearerAuth(t *testing.T) {
	srv := testServer(t, func(c *Config) { c.BearerToken = "t0ken" })
	for _, c := range []struct {
		name, header string
		want         int
	}{
		{"missing", "", http.StatusUnauthorized},
		{"wrong", "Bearer nope", http.StatusUnauthorized},
		{"prefix of the token", "Bearer t0ke", http.StatusUnauthorized},
		{"token plus more", "Bearer t0ken1", http.StatusUnauthorized},
		{"lower-case scheme", "bearer t0ken", http.StatusUnauthorized},
		{"basic with the token", "Basic " + basic("t0ken", "t0ken"), http.StatusUnauthorized},
		{"right", "Bearer t0ken", http.StatusOK},
	} {
		for _, path := range everyKindOfPath[:5] {
			resp, body := get(t, srv.URL+path, "Authorization", c.header)
			if c.want == http.StatusOK {
				assert.NotEqual(t, http.StatusUnauthorized, resp.StatusCode, "%s %s", c.name, path)
				continue
			}
			assert.Equal(t, c.want, resp.StatusCode, "%s %s", c.name, path)
			assert.NotContains(t, string(body), "<html", "%s %s: a refused request gets no page", c.name, path)
		}
	}
}

func TestBasicAuth(t *testing.T) {
	srv := testServer(t, func(c *Config) {
		c.BasicAuth = BasicAuthConfig{Username: "admin", Password: "pa:ss"}
		c.BearerToken = "t0ken"
	})
	for _, c := range []struct {
		name, header string
		want         int
	}{
		{"missing", "", http.StatusUnauthorized},
		{"wrong password", "Basic " + basic("admin", "pa:s"), http.StatusUnauthorized},
		{"wrong user", "Basic " + basic("Admin", "pa:ss"), http.StatusUnauthorized},
		{"empty password", "Basic " + basic("admin", ""), http.StatusUnauthorized},
		{"right", "Basic " + basic("admin", "pa:ss"), http.StatusOK},
		{"the bearer token works too", "Bearer t0ken", http.StatusOK},
	} {
		resp, _ := get(t, srv.URL+"/api/config", "Authorization", c.header)
		assert.Equal(t, c.want, resp.StatusCode, c.name)
		if c.want == http.StatusUnauthorized {
			assert.Contains(t, resp.Header.Get("WWW-Authenticate"), "Basic")
		}
	}
}

func basic(user, pass string) string {
	r, _ := http.NewRequest(http.MethodGet, "/", http.NoBody)
	r.SetBasicAuth(user, pass)
	return strings.TrimPrefix(r.Header.Get("Authorization"), "Basic ")
}

// TestNoOpenProxy sends every parameter an attacker could try for making
// the UI fetch a URL or run a raw query, and checks what reaches the store
// (a Loki-shaped server: see loki_test.go) and what the browser gets back.
func TestNoOpenProxy(t *testing.T) {
	var mu sync.Mutex
	var seen []*http.Request
	store := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		seen = append(seen, r.Clone(r.Context()))
		mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"status":"success","data":{"resultType":"streams","result":[]}}`))
	}))
	defer store.Close()
	srv := testServer(t, func(c *Config) {
		c.Logs.Endpoint = store.URL
		c.Logs.Headers.Set("X-Scope-OrgID", "tenant-secret")
	})

	// Parameters the API does not know are refused, named.
	for _, q := range []string{
		"url=http://169.254.169.254/", "endpoint=http://evil", "query={job=~\".%2B\"}", "target=evil:80",
		"q=a&q=b", "service=a&service=b",
	} {
		resp, body := get(t, srv.URL+"/api/logs?"+q)
		assert.Equal(t, http.StatusBadRequest, resp.StatusCode, q)
		assert.Contains(t, decode[apiError](t, body).Error, "parameter", q)
	}
	// Ids must be hex: nothing else reaches a store's path or query.
	for _, path := range []string{
		"/api/traces/..%2F..%2Fapi%2Fservices", "/api/traces/http:%2F%2Fevil", "/api/traces/00000000000000000000000000000000",
		"/api/traces/0123456789abcdef0123456789abcdeg", "/api/logs?traceId=abc%22%20or%20%22", "/api/logs?spanId=0123456789abcdef0",
		"/api/traces/0123456789abcdef0123456789abcdef/logs?spanId=x",
	} {
		resp, body := get(t, srv.URL+path)
		assert.Equal(t, http.StatusBadRequest, resp.StatusCode, path)
		assert.NotEmpty(t, decode[apiError](t, body).Error, path)
	}
	mu.Lock()
	assert.Empty(t, seen, "a refused request reaches no store")
	mu.Unlock()

	// Text that tries to end the string and add a selector stays one literal.
	hostile := `x"} |= "" or {job=~".+"} # http://evil/`
	resp, body := get(t, srv.URL+"/api/logs?"+url.Values{"q": {hostile}, "service": {`cart"}`}}.Encode())
	require.Equal(t, http.StatusOK, resp.StatusCode, string(body))
	assert.NotContains(t, string(body), "tenant-secret", "the store's credentials never reach the browser")
	mu.Lock()
	defer mu.Unlock()
	require.Len(t, seen, 1)
	r := seen[0]
	assert.Equal(t, "/loki/api/v1/query_range", r.URL.Path)
	assert.Equal(t, "tenant-secret", r.Header.Get("X-Scope-OrgID"), "the store's headers go to the store")
	assert.Equal(t, `{service_name="cart\"}"} |= "x\"} |= \"\" or {job=~\".+\"} # http://evil/"`, r.URL.Query().Get("query"))
}

func TestNoDirectoryListing(t *testing.T) {
	srv := testServer(t, nil)
	resp, body := get(t, srv.URL+"/assets/")
	assert.Equal(t, http.StatusNotFound, resp.StatusCode)
	assert.NotContains(t, string(body), "<a href")
}

func TestMethodsOtherThanGetRefused(t *testing.T) {
	srv := testServer(t, nil)
	for _, m := range []string{http.MethodPost, http.MethodPut, http.MethodDelete} {
		req, err := http.NewRequest(m, srv.URL+"/api/logs", strings.NewReader("{}"))
		require.NoError(t, err)
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		resp.Body.Close()
		assert.Equal(t, http.StatusMethodNotAllowed, resp.StatusCode, m)
		assert.NotEmpty(t, resp.Header.Get("Content-Security-Policy"), m)
	}
}
