// Copyright The Hypha Authors
// SPDX-License-Identifier: Apache-2.0

// Package hyphauiextension serves the Hypha UI: a small web application and
// the JSON API behind it, from inside the collector, the way Jaeger v2
// serves its UI from the jaeger_query extension.
//
// The API reads traces from Jaeger's HTTP API (/api/v3), logs from
// VictoriaLogs (LogsQL) or Loki (LogQL), and the pipeline's health from the
// collector's own Prometheus metrics. The browser never names a URL or a
// query: every store query is built here from validated parameters, with a
// time range and a limit, so the UI cannot be used as a proxy to the stores,
// and the stores' credentials stay on the server.
//
//go:generate go tool -modfile=../../tools/go.mod mdatagen metadata.yaml
package hyphauiextension // import "github.com/hypha-obs/hypha/extension/hyphauiextension"
