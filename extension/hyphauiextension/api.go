// Copyright The Hypha Authors
// SPDX-License-Identifier: Apache-2.0

package hyphauiextension // import "github.com/hypha-obs/hypha/extension/hyphauiextension"

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/config/confighttp"
)

// Limits of the list endpoints: default and maximum.
const (
	logsDefaultLimit      = 200
	logsMaxLimit          = 1000
	traceLogsDefaultLimit = 1000
	traceLogsMaxLimit     = 20000
	tracesDefaultLimit    = 20
	tracesMaxLimit        = 200
	recentErrorsLimit     = 20
)

// notFoundHint says why a trace that exists may not be found yet.
const notFoundHint = "Stores can take a few seconds to show new data: try again shortly, or widen the time range."

// api answers the JSON API from the stores.
type api struct {
	cfg       *Config
	logs      logStore
	jaeger    jaeger
	telemetry *telemetry
	now       func() time.Time
}

func newAPI(ctx context.Context, cfg *Config, exts map[component.ID]component.Component, set component.TelemetrySettings) (*api, error) {
	mk := func(store, storeName string, cc confighttp.ClientConfig) (*storeClient, error) {
		client, err := cc.ToClient(ctx, exts, set)
		if err != nil {
			return nil, fmt.Errorf("hypha_ui: %s client: %w", storeName, err)
		}
		return newStoreClient(store, storeName, cc.Endpoint, client, cc.Timeout)
	}
	a := &api{cfg: cfg, now: time.Now}
	logsName := "Loki"
	if cfg.Logs.Store == storeVictoriaLogs {
		logsName = "VictoriaLogs"
	}
	lc, err := mk("logs", logsName, cfg.Logs.ClientConfig)
	if err != nil {
		return nil, err
	}
	if cfg.Logs.Store == storeVictoriaLogs {
		a.logs = victoriaLogs{c: lc}
	} else {
		a.logs = loki{c: lc}
	}
	jc, err := mk("jaeger", "Jaeger", cfg.Jaeger)
	if err != nil {
		return nil, err
	}
	a.jaeger = jaeger{c: jc}
	if cfg.Telemetry.Endpoint != "" {
		tc, err := mk("telemetry", "the collector's metrics", cfg.Telemetry)
		if err != nil {
			return nil, err
		}
		a.telemetry = &telemetry{c: tc}
	}
	return a, nil
}

func (a *api) register(mux *http.ServeMux) {
	mux.HandleFunc("GET /api/config", a.handleConfig)
	mux.HandleFunc("GET /api/overview", a.handleOverview)
	mux.HandleFunc("GET /api/logs", a.handleLogs)
	mux.HandleFunc("GET /api/traces", a.handleTraces)
	mux.HandleFunc("GET /api/traces/{id}", a.handleTrace)
	mux.HandleFunc("GET /api/traces/{id}/logs", a.handleTraceLogs)
	mux.HandleFunc("GET /api/services", a.handleServices)
	mux.HandleFunc("GET /api/operations", a.handleOperations)
	mux.HandleFunc("GET /api/health", a.handleHealth)
}

// apiError is the body of every error answer.
type apiError struct {
	Error     string `json:"error"`
	Store     string `json:"store"`
	StoreName string `json:"storeName,omitempty"`
	NotFound  bool   `json:"notFound,omitempty"`
	Hint      string `json:"hint,omitempty"`
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func writeError(w http.ResponseWriter, status int, e apiError) {
	writeJSON(w, status, e)
}

// fail answers err: 400 for a parameter, 502 or 504 naming the store.
func fail(w http.ResponseWriter, err error) {
	var pe *paramError
	var se *storeError
	switch {
	case errors.As(err, &pe):
		writeError(w, http.StatusBadRequest, apiError{Error: pe.msg})
	case errors.As(err, &se) && se.timeout:
		writeError(w, http.StatusGatewayTimeout, apiError{Error: se.Error(), Store: se.store, StoreName: se.storeName})
	case errors.As(err, &se):
		writeError(w, http.StatusBadGateway, apiError{Error: se.Error(), Store: se.store, StoreName: se.storeName})
	default:
		writeError(w, http.StatusInternalServerError, apiError{Error: err.Error()})
	}
}

func isNotFound(err error) bool { return errors.Is(err, errNotFound) }

// concurrently runs the store queries of one answer at the same time, so
// that an answer waits at most one store timeout, and returns the first
// error in the order given.
func concurrently(fns ...func() error) error {
	errs := make([]error, len(fns))
	var wg sync.WaitGroup
	for i, fn := range fns {
		wg.Go(func() { errs[i] = fn() })
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

func (a *api) handleConfig(w http.ResponseWriter, r *http.Request) {
	if p := newParams(r.URL.RawQuery); p.err != nil {
		fail(w, p.err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{
		"logStore":     a.logs.kind(),
		"logStoreName": a.logs.name(),
		"grafanaURL":   a.cfg.GrafanaURL,
		"jaegerUIURL":  a.cfg.JaegerUIURL,
		"defaultRange": shortDuration(a.cfg.DefaultRange),
	})
}

func (a *api) handleOverview(w http.ResponseWriter, r *http.Request) {
	p := newParams(r.URL.RawQuery, "start", "end")
	start, end := p.timeRange(a.now(), a.cfg.DefaultRange, a.cfg.MaxRange)
	if p.err != nil {
		fail(w, p.err)
		return
	}
	buckets, step := makeBuckets(start, end)
	var counts map[string]*serviceOverview
	var recent []LogLine
	var truncated bool
	err := concurrently(func() (err error) {
		counts, err = a.logs.counts(r.Context(), buckets, step)
		return err
	}, func() (err error) {
		recent, truncated, err = a.logs.search(r.Context(), logQuery{ErrorsOnly: true, Start: start, End: end, Limit: recentErrorsLimit})
		return err
	})
	if err != nil {
		fail(w, err)
		return
	}
	out := overview{Buckets: buckets, Services: []serviceOverview{}, RecentErrors: a.withLinks(recent), Truncated: truncated}
	for _, s := range counts {
		out.Services = append(out.Services, *s)
	}
	// Most errors first, then most lines, then by name.
	slices.SortFunc(out.Services, func(x, y serviceOverview) int {
		return cmp.Or(cmp.Compare(y.ErrorCount, x.ErrorCount), cmp.Compare(y.TotalCount, x.TotalCount), cmp.Compare(x.Name, y.Name))
	})
	if len(out.Services) > maxServices {
		out.Services, out.Truncated = out.Services[:maxServices], true
	}
	writeJSON(w, http.StatusOK, out)
}

// lines is the answer of the log endpoints.
type lines struct {
	Lines     []LogLine `json:"lines"`
	Truncated bool      `json:"truncated"`
	Limit     int       `json:"limit"`
}

func (a *api) handleLogs(w http.ResponseWriter, r *http.Request) {
	p := newParams(r.URL.RawQuery, "service", "severity", "q", "traceId", "spanId", "start", "end", "limit")
	q := logQuery{
		Service:  p.text("service", maxNameLen),
		Severity: p.severity(),
		Text:     p.text("q", maxTextLen),
		TraceID:  p.hexID("traceId", 32),
		SpanID:   p.hexID("spanId", 16),
		Limit:    p.limit(logsDefaultLimit, logsMaxLimit),
	}
	a.answerLines(w, r, p, q)
}

// traceID reads the trace id of the path.
func traceID(r *http.Request) (string, error) {
	id := r.PathValue("id")
	if !isHexID(id, 32) {
		return "", badParam("the trace id must be 32 hexadecimal digits, not all zero")
	}
	return strings.ToLower(id), nil
}

func (a *api) handleTrace(w http.ResponseWriter, r *http.Request) {
	id, err := traceID(r)
	if err != nil {
		fail(w, err)
		return
	}
	// A trace id names one trace; a range, when the page knows one, also
	// bounds Jaeger's lookup.
	p := newParams(r.URL.RawQuery, "start", "end")
	var start, end time.Time
	if p.v.Get("start") != "" || p.v.Get("end") != "" {
		start, end = p.timeRange(a.now(), a.cfg.DefaultRange, a.cfg.MaxRange)
	}
	if p.err != nil {
		fail(w, p.err)
		return
	}
	byTrace, err := a.jaeger.trace(r.Context(), id, start, end)
	if isNotFound(err) || (err == nil && len(byTrace[id]) == 0) {
		writeError(w, http.StatusNotFound, apiError{
			Error: "trace " + id + " not found", Store: "jaeger", StoreName: "Jaeger", NotFound: true, Hint: notFoundHint,
		})
		return
	}
	if err != nil {
		fail(w, err)
		return
	}
	spans := byTrace[id]
	slices.SortStableFunc(spans, func(x, y Span) int { return x.Start.Compare(y.Start) })
	writeJSON(w, http.StatusOK, map[string]any{"traceId": id, "spans": spans, "links": a.traceLinks(id)})
}

func (a *api) handleTraceLogs(w http.ResponseWriter, r *http.Request) {
	id, err := traceID(r)
	if err != nil {
		fail(w, err)
		return
	}
	p := newParams(r.URL.RawQuery, "spanId", "start", "end", "limit")
	q := logQuery{TraceID: id, SpanID: p.hexID("spanId", 16), Limit: p.limit(traceLogsDefaultLimit, traceLogsMaxLimit), Ascending: true}
	a.answerLines(w, r, p, q)
}

// answerLines runs q, with the time range of p, and answers its lines.
func (a *api) answerLines(w http.ResponseWriter, r *http.Request, p *params, q logQuery) {
	q.Start, q.End = p.timeRange(a.now(), a.cfg.DefaultRange, a.cfg.MaxRange)
	if p.err != nil {
		fail(w, p.err)
		return
	}
	found, truncated, err := a.logs.search(r.Context(), q)
	if err != nil {
		fail(w, err)
		return
	}
	writeJSON(w, http.StatusOK, lines{Lines: a.withLinks(found), Truncated: truncated, Limit: q.Limit})
}

func (a *api) handleTraces(w http.ResponseWriter, r *http.Request) {
	p := newParams(r.URL.RawQuery, "service", "operation", "minDuration", "errorsOnly", "start", "end", "limit")
	q := traceQuery{
		Service:     p.text("service", maxNameLen),
		Operation:   p.text("operation", maxNameLen),
		MinDuration: p.duration("minDuration"),
		ErrorsOnly:  p.boolean("errorsOnly"),
		Limit:       p.limit(tracesDefaultLimit, tracesMaxLimit),
	}
	q.Start, q.End = p.timeRange(a.now(), a.cfg.DefaultRange, a.cfg.MaxRange)
	if q.Service == "" {
		p.fail(badParam("service must be set: Jaeger searches one service at a time"))
	}
	if p.err != nil {
		fail(w, p.err)
		return
	}
	found, truncated, err := a.jaeger.search(r.Context(), q)
	if err != nil {
		fail(w, err)
		return
	}
	if found == nil {
		found = []TraceSummary{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"traces": found, "truncated": truncated, "limit": q.Limit})
}

func (a *api) handleServices(w http.ResponseWriter, r *http.Request) {
	p := newParams(r.URL.RawQuery, "start", "end")
	start, end := p.timeRange(a.now(), a.cfg.DefaultRange, a.cfg.MaxRange)
	if p.err != nil {
		fail(w, p.err)
		return
	}
	var fromTraces, fromLogs []string
	err := concurrently(func() (err error) {
		fromTraces, err = a.jaeger.services(r.Context())
		return err
	}, func() (err error) {
		fromLogs, err = a.logs.services(r.Context(), start, end)
		return err
	})
	if err != nil {
		fail(w, err)
		return
	}
	all := append(fromTraces, fromLogs...)
	slices.Sort(all)
	all = slices.Compact(all)
	if all == nil {
		all = []string{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"services": all})
}

func (a *api) handleOperations(w http.ResponseWriter, r *http.Request) {
	p := newParams(r.URL.RawQuery, "service")
	service := p.text("service", maxNameLen)
	if service == "" {
		p.fail(badParam("service must be set"))
	}
	if p.err != nil {
		fail(w, p.err)
		return
	}
	ops, err := a.jaeger.operations(r.Context(), service)
	if err != nil && !isNotFound(err) {
		fail(w, err)
		return
	}
	if ops == nil {
		ops = []string{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"operations": ops})
}

func (a *api) handleHealth(w http.ResponseWriter, r *http.Request) {
	if p := newParams(r.URL.RawQuery); p.err != nil {
		fail(w, p.err)
		return
	}
	if a.telemetry == nil {
		writeError(w, http.StatusNotFound, apiError{Error: "telemetry::endpoint is not set: the UI does not know where the collector's metrics are", Store: "telemetry"})
		return
	}
	h, err := a.telemetry.health(r.Context())
	if err != nil {
		fail(w, err)
		return
	}
	writeJSON(w, http.StatusOK, h)
}

// shortDuration writes 1h rather than Go's 1h0m0s.
func shortDuration(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}
