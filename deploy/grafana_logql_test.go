// Copyright The Hypha Authors
// SPDX-License-Identifier: Apache-2.0

// Every LogQL query in deploy/grafana parsed with Grafana's own grammar
// (@grafana/lezer-logql, tools/logql), after the substitution of Grafana's
// variables that Grafana itself does before it sends a query.

package deploy_test

import (
	"bytes"
	"encoding/json"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
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
	results := parseLogQL(t, list)
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

// logqlResult is what tools/logql/check.mjs reports for one query.
type logqlResult struct {
	Query   string   `json:"query"`
	Errors  []string `json:"errors"`
	Strings []string `json:"strings"`
}

// parseLogQL parses queries with Grafana's own LogQL grammar, installed by
// `make logql-deps`. Without Node it skips, except in CI.
func parseLogQL(t *testing.T, queries []string) []logqlResult {
	t.Helper()
	node, err := exec.LookPath("node")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("node is not installed; CI must parse LogQL with Grafana's grammar")
		}
		t.Skip("node is not installed")
	}
	dir, err := filepath.Abs(filepath.Join("..", "tools", "logql"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "node_modules", "@grafana", "lezer-logql")); err != nil {
		t.Fatalf("Grafana's LogQL grammar is not installed: run `make logql-deps` (%v)", err)
	}
	in, err := json.Marshal(queries)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(node, filepath.Join(dir, "check.mjs"))
	cmd.Stdin = bytes.NewReader(in)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%s: %v\n%s", cmd, err, stderr.String())
	}
	var results []logqlResult
	if err := json.Unmarshal(out, &results); err != nil || len(results) != len(queries) {
		t.Fatalf("check.mjs answer: %v (%d results for %d queries)", err, len(results), len(queries))
	}
	return results
}
