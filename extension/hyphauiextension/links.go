// Copyright The Hypha Authors
// SPDX-License-Identifier: Apache-2.0

package hyphauiextension // import "github.com/hypha-obs/hypha/extension/hyphauiextension"

import (
	"encoding/json"
	"net/url"
	"strings"
)

// withLinks adds the Grafana and Jaeger UI links to lines with a trace id,
// when their base URLs are configured.
func (a *api) withLinks(ls []LogLine) []LogLine {
	if ls == nil {
		return []LogLine{}
	}
	for i := range ls {
		ls[i].Links = map[string]string{}
		if ls[i].TraceID != "" {
			ls[i].Links = a.traceLinks(ls[i].TraceID)
		}
	}
	return ls
}

// traceLinks are the links for one trace: the Jaeger UI's trace page, and
// Grafana Explore showing the trace's log lines.
func (a *api) traceLinks(traceID string) map[string]string {
	links := map[string]string{}
	if a.cfg.JaegerUIURL != "" {
		links["jaeger"] = strings.TrimSuffix(a.cfg.JaegerUIURL, "/") + "/trace/" + url.PathEscape(traceID)
	}
	if a.cfg.GrafanaURL != "" {
		links["grafana"] = a.grafanaExplore(traceID)
	}
	return links
}

// grafanaExplore builds an Explore URL for the trace's lines in the log
// data source, in the query language of the configured store.
func (a *api) grafanaExplore(traceID string) string {
	expr := lokiQuery(logQuery{TraceID: traceID})
	if a.logs.kind() == storeVictoriaLogs {
		expr = vlFilter(logQuery{TraceID: traceID})
	}
	query := map[string]any{"refId": "A", "expr": expr}
	if a.cfg.GrafanaLogsDatasource != "" {
		query["datasource"] = map[string]string{"uid": a.cfg.GrafanaLogsDatasource}
	}
	pane := map[string]any{
		"datasource": a.cfg.GrafanaLogsDatasource,
		"queries":    []any{query},
		"range":      map[string]string{"from": "now-1h", "to": "now"},
	}
	panes, _ := json.Marshal(map[string]any{"hypha": pane})
	v := url.Values{"schemaVersion": {"1"}, "panes": {string(panes)}}
	return strings.TrimSuffix(a.cfg.GrafanaURL, "/") + "/explore?" + v.Encode()
}
