// Copyright The Hypha Authors
// SPDX-License-Identifier: Apache-2.0

package hyphauiextension // import "github.com/hypha-obs/hypha/extension/hyphauiextension"

import (
	"context"
	"time"
)

// LogLine is one log record as the API returns it.
type LogLine struct {
	Time     time.Time         `json:"time"`
	Body     string            `json:"body"`
	Severity string            `json:"severity"`
	Service  string            `json:"service"`
	TraceID  string            `json:"traceId"`
	SpanID   string            `json:"spanId"`
	Fields   map[string]string `json:"fields"`
	Links    map[string]string `json:"links"`
}

// logQuery is a search the log stores run. Every field has been validated:
// ids are hex of the right length, text is valid UTF-8, the range is
// bounded and the limit is positive.
type logQuery struct {
	Service  string
	Severity string // one of severities, or ""
	Text     string
	TraceID  string
	SpanID   string
	// ErrorsOnly keeps the error lines only: severity ERROR, FATAL or
	// CRITICAL, or a severity number of 17 and above.
	ErrorsOnly bool
	Start, End time.Time
	Limit      int
	// Oldest first instead of newest first.
	Ascending bool
}

// severities are the severity filters the API accepts, matched without
// regard to case.
var severities = []string{"TRACE", "DEBUG", "INFO", "WARN", "ERROR", "FATAL"}

// overview is the home page's data: per service, lines and error lines in
// each time bucket.
type overview struct {
	Buckets      []time.Time       `json:"buckets"`
	Services     []serviceOverview `json:"services"`
	RecentErrors []LogLine         `json:"recentErrors"`
	Truncated    bool              `json:"truncated"`
}

type serviceOverview struct {
	Name       string  `json:"name"`
	Total      []int64 `json:"total"`
	Errors     []int64 `json:"errors"`
	TotalCount int64   `json:"totalCount"`
	ErrorCount int64   `json:"errorCount"`
}

// logStore is one log store's adapter. Each builds its own query language
// from a logQuery; none takes a query from outside.
type logStore interface {
	// kind is "victorialogs" or "loki"; name is what a person reads.
	kind() string
	name() string
	// search returns up to q.Limit lines, and whether more matched.
	search(ctx context.Context, q logQuery) ([]LogLine, bool, error)
	// counts returns, per service, the lines and the error lines in each
	// bucket of width step starting at buckets[0].
	counts(ctx context.Context, buckets []time.Time, step time.Duration) (map[string]*serviceOverview, error)
	// services lists the services with lines in the range.
	services(ctx context.Context, start, end time.Time) ([]string, error)
}

// storeError is a failure of one store, named so the page can say which.
type storeError struct {
	store     string // "jaeger", "logs" or "telemetry"
	storeName string // "Jaeger", "VictoriaLogs", "Loki"
	timeout   bool
	err       error
}

func (e *storeError) Error() string { return e.storeName + ": " + e.err.Error() }

func (e *storeError) Unwrap() error { return e.err }
