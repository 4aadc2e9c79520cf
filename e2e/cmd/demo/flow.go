// Copyright The Hypha Authors
// SPDX-License-Identifier: Apache-2.0

package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sort"
	"time"

	"github.com/hypha-obs/hypha/e2e/harness"
)

// errorQuery finds the api-gateway's error lines: where a user would start,
// from the error the client saw.
const errorQuery = `service.name:="api-gateway" severity_text:~"(?i)error"`

// demo holds what the steps of the tour share.
type demo struct {
	ctx   context.Context
	out   io.Writer
	st    style
	stack *harness.Stack
	// allSpans shows express's middleware spans too.
	allSpans bool
	// wait bounds each wait for data in the stores.
	wait time.Duration
	// waited is how long the last poll took.
	waited time.Duration
}

// sent is one checkout request and what the api-gateway answered.
type sent struct {
	order, requestID, traceID string
	status                    int
}

func (d *demo) printf(format string, args ...any) { fmt.Fprintf(d.out, format, args...) }

func (d *demo) heading(text string) { d.printf("\n%s\n", d.st.paint(ansiBold, text)) }

// tour sends the traffic and shows the debugging flow for one failure. It
// returns the trace id it followed, for the exploring hints.
func (d *demo) tour(requests int) (string, error) {
	d.heading(fmt.Sprintf("1. Traffic: %d requests GET api-gateway/checkout/<order>; every fourth order is bad-…", requests))
	var failed []sent
	for i := 1; i <= requests; i++ {
		if d.ctx.Err() != nil {
			return "", d.ctx.Err()
		}
		order := fmt.Sprintf("ord-%d", 1000+i)
		if i%4 == 0 {
			order = fmt.Sprintf("bad-%d", 1000+i)
		}
		r, took, err := d.checkout(order, fmt.Sprintf("demo-%02d", i))
		if err != nil {
			return "", err
		}
		mark := d.st.paint("\x1b[32m", "✓")
		if r.status != http.StatusOK {
			mark = d.st.paint(ansiRed, "✗")
			failed = append(failed, r)
		}
		d.printf("  %s %d %-8s  x-request-id %s  x-trace-id %s %4d ms\n",
			mark, r.status, r.order, r.requestID, r.traceID, took.Milliseconds())
	}
	if len(failed) == 0 {
		return "", errors.New("no request failed, so there is no error to follow")
	}

	errLine, err := d.findError(len(failed))
	if err != nil {
		return "", err
	}
	traceID := errLine["trace_id"]
	d.heading("3. The trace from Jaeger, with the log lines each span wrote")
	return traceID, d.showTrace(traceID)
}

// showTrace prints the waterfall of one trace with each span's log lines.
func (d *demo) showTrace(traceID string) error {
	spans, err := d.trace(traceID)
	if err != nil {
		return err
	}
	return d.spanLogs(traceID, spans)
}

// checkout sends one request with our own request id, as a client may, and
// reads the ids the api-gateway echoes in its response headers.
func (d *demo) checkout(order, requestID string) (sent, time.Duration, error) {
	ctx, cancel := context.WithTimeout(d.ctx, 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, d.stack.ServiceURL("api-gateway")+"/checkout/"+order, http.NoBody)
	if err != nil {
		return sent{}, 0, err
	}
	req.Header.Set("x-request-id", requestID)
	began := time.Now()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return sent{}, 0, fmt.Errorf("checkout %s: %w", order, err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return sent{order: order, requestID: resp.Header.Get("x-request-id"), traceID: resp.Header.Get("x-trace-id"), status: resp.StatusCode},
		time.Since(began), nil
}

// findError waits until the log store holds the api-gateway's error line of
// every failed request, and shows the newest one.
func (d *demo) findError(failed int) (harness.LogRecord, error) {
	d.heading("2. The error log line, from the log store (VictoriaLogs, LogsQL)")
	d.printf("  query: %s\n", errorQuery)
	var recs []harness.LogRecord
	err := d.poll(d.wait, func() error {
		var err error
		recs, err = d.stack.Logs.Query(errorQuery)
		if err != nil {
			return err
		}
		if len(recs) < failed {
			return fmt.Errorf("log store has %d of the %d error lines of api-gateway", len(recs), failed)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	sort.SliceStable(recs, func(i, j int) bool { return recs[i]["_time"] < recs[j]["_time"] })
	last := recs[len(recs)-1]
	d.printf("  %d matching lines (found in %.1f s); the newest:\n", len(recs), d.waited.Seconds())
	for _, f := range []string{"_time", "service.name", "severity_text", "trace_id", "span_id", "_msg"} {
		// The raw line is long: wrap it under its own column.
		for i, part := range wrap(last[f], lineWidth-4-15) {
			name := f
			if i > 0 {
				name = ""
			}
			if f == "severity_text" || f == "_msg" {
				part = d.st.paint(ansiRed, part)
			}
			d.printf("    %-14s %s\n", name, part)
		}
	}
	if last["trace_id"] == "" {
		return nil, errors.New("the error line has no trace_id: hypha did not correlate it")
	}
	d.printf("  → hypha found trace_id and span_id in the line; the trace id leads to the trace.\n")
	return last, nil
}

// trace waits until Jaeger holds the whole trace and prints it. Spans come
// from four processes in separate batches, so "whole" means: all four
// services, every parent present, and no new span since the last look.
func (d *demo) trace(traceID string) ([]harness.Span, error) {
	var spans []harness.Span
	seen := -1
	err := d.poll(d.wait, func() error {
		var err error
		spans, err = d.stack.Jaeger.Trace(traceID)
		if err != nil {
			return err
		}
		prev := seen
		seen = len(spans)
		if missing := missingServices(spans); len(missing) > 0 {
			return fmt.Errorf("trace %s has no spans yet from %v", traceID, missing)
		}
		if n := orphanCount(spans); n > 0 {
			return fmt.Errorf("trace %s: %d spans wait for their parent", traceID, n)
		}
		if len(spans) != prev {
			return fmt.Errorf("trace %s still growing (%d spans)", traceID, len(spans))
		}
		return nil
	})
	if err = d.partial(err, len(spans)); err != nil {
		return nil, err
	}
	d.printf("  spans: GET %s/api/traces/%s → %d (%.1f s)\n", d.stack.Jaeger.QueryURL, traceID, len(spans), d.waited.Seconds())
	return spans, nil
}

// spanLogs fetches every log line of the trace with one query and prints the
// waterfall with each span's lines under it.
func (d *demo) spanLogs(traceID string, spans []harness.Span) error {
	query := `trace_id:="` + traceID + `"`
	var recs []harness.LogRecord
	seen := -1
	err := d.poll(d.wait, func() error {
		var err error
		recs, err = d.stack.Logs.Query(query)
		if err != nil {
			return err
		}
		prev := seen
		seen = len(recs)
		services := map[string]bool{}
		for _, r := range recs {
			services[r["service.name"]] = true
		}
		for _, s := range harness.DemoServices {
			if !services[s] {
				return fmt.Errorf("no log line of %s in trace %s yet", s, traceID)
			}
		}
		if len(recs) != prev {
			return fmt.Errorf("log lines of trace %s still arriving (%d)", traceID, len(recs))
		}
		return nil
	})
	if err = d.partial(err, len(recs)); err != nil {
		return err
	}
	d.printf("  logs:  LogsQL %s → %d (%.1f s), under their span_id\n", query, len(recs), d.waited.Seconds())
	logs := groupBySpan(recs)
	if !d.allSpans {
		var hidden int
		spans, hidden = hideMiddleware(spans, logs)
		d.printf("  (%d express middleware spans left out; -all-spans shows them)\n", hidden)
	}
	d.printf("\n")
	for _, line := range waterfall(spans, logs, d.st) {
		d.printf("%s\n", line)
	}
	if sameTime(logs) {
		d.printf("  %s\n", d.st.paint(ansiDim, "(the apps log whole milliseconds; lines of one span in the same ms are listed errors last)"))
	}
	return nil
}

// partial lets the tour go on with an incomplete trace or log set after a
// timeout, with a warning: what did arrive is still worth showing, and the
// warning names what is missing. With nothing at all, or after Ctrl-C, the
// error stands.
func (d *demo) partial(err error, got int) error {
	if err == nil || d.ctx.Err() != nil || got == 0 {
		return err
	}
	d.printf("  %s\n", d.st.paint(ansiRed, "! incomplete, showing what arrived: "+err.Error()))
	return nil
}

func missingServices(spans []harness.Span) []string {
	have := map[string]bool{}
	for _, s := range spans {
		have[s.Service] = true
	}
	var missing []string
	for _, name := range harness.DemoServices {
		if !have[name] {
			missing = append(missing, name)
		}
	}
	return missing
}

func orphanCount(spans []harness.Span) int {
	ids := map[string]bool{}
	for _, s := range spans {
		ids[s.SpanID] = true
	}
	n := 0
	for _, s := range spans {
		if s.ParentID != "" && !ids[s.ParentID] {
			n++
		}
	}
	return n
}

// poll calls check every half second until it succeeds, timeout passes or
// the demo is interrupted; unlike harness.Eventually it stops at Ctrl-C. It
// remembers how long the wait took: how fast data shows up in the stores is
// part of what the demo shows.
func (d *demo) poll(timeout time.Duration, check func() error) error {
	ctx, cancel := context.WithTimeout(d.ctx, timeout)
	defer cancel()
	tick := time.NewTicker(500 * time.Millisecond)
	defer tick.Stop()
	began := time.Now()
	for {
		err := check()
		if err == nil {
			d.waited = time.Since(began)
			return nil
		}
		select {
		case <-ctx.Done():
			if d.ctx.Err() != nil {
				return d.ctx.Err()
			}
			return fmt.Errorf("gave up after %s: %w", timeout, err)
		case <-tick.C:
		}
	}
}

// explore prints where everything runs and queries to try by hand.
func explore(out io.Writer, st style, s *harness.Stack, traceID string) {
	vl, q := s.Logs.URL, s.Jaeger.QueryURL
	gw := s.ServiceURL("api-gateway")
	fmt.Fprintf(out, "\n%s\n", st.paint(ansiBold, "4. Explore it yourself"))
	fmt.Fprintf(out, "  Hypha UI: %s\n", s.UIURL)
	fmt.Fprintf(out, "    the failing trace: %s/trace/%s\n", s.UIURL, traceID)
	fmt.Fprintf(out, "  Jaeger API (traces)\n")
	fmt.Fprintf(out, "    curl %s/api/services\n", q)
	fmt.Fprintf(out, "    curl %s/api/traces/%s\n", q, traceID)
	fmt.Fprintf(out, "  VictoriaLogs (logs; LogsQL, answers JSON lines; web UI at %s/select/vmui/)\n", vl)
	fmt.Fprintf(out, "    curl '%s/select/logsql/query' --data-urlencode 'query=trace_id:=\"%s\"'\n", vl, traceID)
	fmt.Fprintf(out, "    curl '%s/select/logsql/query' --data-urlencode 'query=%s'\n", vl, errorQuery)
	fmt.Fprintf(out, "  send more requests\n")
	fmt.Fprintf(out, "    curl -i %s/checkout/ord-42      curl -i %s/checkout/bad-42\n", gw, gw)
	fmt.Fprintf(out, "  services\n")
	for _, name := range harness.DemoServices {
		fmt.Fprintf(out, "    %-12s %s  (output: %s)\n", name, s.ServiceURL(name), s.Services[name].LogPath)
	}
	fmt.Fprintf(out, "  hypha gateway  health %s  metrics %s\n", s.Gateway.HealthURL, s.Gateway.MetricsURL)
	fmt.Fprintf(out, "  hypha agent    health %s  metrics %s\n", s.Agent.HealthURL, s.Agent.MetricsURL)
	fmt.Fprintf(out, "  app log files the agent tails: %s\n", s.LogDir)
}
