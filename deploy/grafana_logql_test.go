// Copyright The Hypha Authors
// SPDX-License-Identifier: Apache-2.0

// Every LogQL query in deploy/grafana parsed with Grafana's own grammar
// (@grafana/lezer-logql, tools/logql), after the substitution of Grafana's
// variables that Grafana itself does before it sends a query.

package deploy_test

import (
	"encoding/json"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hypha-obs/hypha/tools/logql"
)

// grafanaVariables are sample values of the variables the queries use,
// as Grafana would substitute them.
var grafanaVariables = strings.NewReplacer(
	"$${__span.traceId}", "4bf92f3577b34da6a3ce929d0e0e4736", // provisioning: $$ is an escaped $
	"$${__span.spanId}", "00f067aa0ba902b7",
	"${__span.traceId}", "4bf92f3577b34da6a3ce929d0e0e4736",
	"${__span.spanId}", "00f067aa0ba902b7",
	"$__interval", "1m",
	"$__auto", "1m",
	"$service", "cart|web",
)

// grafanaLogQL collects every LogQL query in deploy/grafana, by where it is.
func grafanaLogQL(t *testing.T) map[string]string {
	t.Helper()
	out := map[string]string{}
	var ds struct {
		Datasources []datasource `yaml:"datasources"`
	}
	readYAML(t, "grafana/provisioning/datasources/datasources.yaml", &ds)
	for _, d := range ds.Datasources {
		if t2l, ok := d.JSONData["tracesToLogsV2"].(map[string]any); ok {
			if q, ok := t2l["query"].(string); ok {
				out["datasource "+d.Name+" tracesToLogsV2.query"] = q
			}
		}
	}
	files, err := filepath.Glob("grafana/dashboards/*.json")
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var d struct {
			Links []struct {
				Title, URL string
			} `json:"links"`
			Panels []struct {
				Title   string `json:"title"`
				Targets []struct {
					RefID      string         `json:"refId"`
					Expr       string         `json:"expr"`
					Datasource map[string]any `json:"datasource"`
				} `json:"targets"`
			} `json:"panels"`
		}
		if err := json.Unmarshal(raw, &d); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		for _, p := range d.Panels {
			for _, tg := range p.Targets {
				if tg.Expr != "" {
					out[f+" panel "+p.Title+" "+tg.RefID] = tg.Expr
				}
			}
		}
		// Explore links carry their queries in the panes parameter.
		for _, l := range d.Links {
			u, err := url.Parse(l.URL)
			if err != nil {
				t.Fatalf("%s link %s: %v", f, l.Title, err)
			}
			panes := u.Query().Get("panes")
			if panes == "" {
				continue
			}
			var pm map[string]struct {
				Queries []struct {
					Expr string `json:"expr"`
				} `json:"queries"`
			}
			if err := json.Unmarshal([]byte(panes), &pm); err != nil {
				t.Fatalf("%s link %s: panes: %v", f, l.Title, err)
			}
			for _, pane := range pm {
				for _, q := range pane.Queries {
					if q.Expr != "" {
						out[f+" link "+l.Title] = q.Expr
					}
				}
			}
		}
	}
	return out
}

func TestGrafanaLogQLParses(t *testing.T) {
	queries := grafanaLogQL(t)
	if len(queries) < 4 {
		t.Fatalf("found %d LogQL queries in deploy/grafana: %v", len(queries), queries)
	}
	var where, list []string
	for w, q := range queries {
		where = append(where, w)
		list = append(list, grafanaVariables.Replace(q))
	}
	// A query that is not LogQL must fail, or the check checks nothing.
	where = append(where, "a broken query")
	list = append(list, `{service_name="a" | trace_id=`)
	results := logql.Parse(t, list)
	for i, r := range results {
		if i == len(results)-1 {
			if len(r.Errors) == 0 {
				t.Errorf("the broken query parses: the grammar check is not working")
			}
			continue
		}
		if len(r.Errors) > 0 || strings.Contains(r.Query, "$") {
			t.Errorf("%s: %s: %v", where[i], r.Query, r.Errors)
		}
	}
}
