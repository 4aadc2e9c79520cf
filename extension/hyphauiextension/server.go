// Copyright The Hypha Authors
// SPDX-License-Identifier: Apache-2.0

package hyphauiextension // import "github.com/hypha-obs/hypha/extension/hyphauiextension"

import (
	"crypto/sha256"
	"crypto/subtle"
	"embed"
	"io/fs"
	"net/http"
	"strings"

	"go.uber.org/zap"
)

// dist holds the built web application, committed by the web/ package's
// build so that `go build` needs no Node.
//
//go:embed web/dist
var dist embed.FS

// securityHeaders go on every answer: no inline script or style, no
// third-party origin, no framing, no MIME sniffing, no referrer leaving
// the UI with a trace id in it.
var securityHeaders = map[string]string{
	"Content-Security-Policy": "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
		"connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'",
	"X-Content-Type-Options": "nosniff",
	"Referrer-Policy":        "no-referrer",
	"X-Frame-Options":        "DENY",
}

// spaRoutes are the browser's pages: each answers with index.html, and the
// page's script reads the path.
var spaRoutes = []string{"/logs", "/traces", "/health"}

// newHandler routes the assets, the pages and the API, behind the auth
// check and the security headers.
func newHandler(cfg *Config, a *api, logger *zap.Logger) (http.Handler, error) {
	web, err := fs.Sub(dist, "web/dist")
	if err != nil {
		return nil, err
	}
	index, err := fs.ReadFile(web, "index.html")
	if err != nil {
		return nil, err
	}
	page := func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("Cache-Control", "no-cache")
		_, _ = w.Write(index)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", page)
	for _, route := range spaRoutes {
		mux.HandleFunc("GET "+route, page)
	}
	mux.HandleFunc("GET /trace/{id}", page)
	assets := http.FileServerFS(web)
	mux.HandleFunc("GET /assets/", func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/") { // no directory listings
			http.NotFound(w, r)
			return
		}
		assets.ServeHTTP(w, r)
	})
	a.register(mux)
	mux.HandleFunc("/api/", func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			writeError(w, http.StatusMethodNotAllowed, apiError{Error: "the API answers GET only"})
			return
		}
		writeError(w, http.StatusNotFound, apiError{Error: "no such API path: " + r.URL.Path})
	})
	return withSecurity(newAuth(cfg, logger), mux), nil
}

// withSecurity sets the security headers on every answer, errors and auth
// refusals included, and then checks access.
func withSecurity(check func(*http.Request) bool, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		for k, v := range securityHeaders {
			w.Header().Set(k, v)
		}
		if !check(r) {
			w.Header().Set("WWW-Authenticate", `Basic realm="Hypha", charset="UTF-8"`)
			writeError(w, http.StatusUnauthorized, apiError{Error: "authentication required"})
			return
		}
		next.ServeHTTP(w, r)
	})
}

// newAuth returns the access check: a bearer token, basic auth, either, or
// none when neither is configured. Secrets are compared as SHA-256 digests
// in constant time, so neither their content nor their length leaks
// through timing.
func newAuth(cfg *Config, logger *zap.Logger) func(*http.Request) bool {
	token := string(cfg.BearerToken)
	user, pass := cfg.BasicAuth.Username, string(cfg.BasicAuth.Password)
	if token == "" && user == "" {
		logger.Info("Hypha UI has no authentication: anyone who can reach its endpoint sees every log line")
		return func(*http.Request) bool { return true }
	}
	tokenSum := sha256.Sum256([]byte(token))
	userSum, passSum := sha256.Sum256([]byte(user)), sha256.Sum256([]byte(pass))
	return func(r *http.Request) bool {
		if token != "" {
			if got, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer "); ok {
				gotSum := sha256.Sum256([]byte(got))
				if subtle.ConstantTimeCompare(gotSum[:], tokenSum[:]) == 1 {
					return true
				}
			}
		}
		if user != "" {
			if u, p, ok := r.BasicAuth(); ok {
				uSum, pSum := sha256.Sum256([]byte(u)), sha256.Sum256([]byte(p))
				// Both compared, always: no early exit on a wrong user.
				okUser := subtle.ConstantTimeCompare(uSum[:], userSum[:])
				okPass := subtle.ConstantTimeCompare(pSum[:], passSum[:])
				return okUser&okPass == 1
			}
		}
		return false
	}
}
