// Copyright The Hypha Authors
// SPDX-License-Identifier: Apache-2.0

// Grafana provisioning and dashboards: data sources, the log/trace links, escaped ${__...} variables, dashboard queries.

package deploy_test

import (
	"encoding/json"
	"io/fs"
	"net/url"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/hypha-obs/hypha/internal/yamltree"
)

type datasource struct {
	Name     string         `yaml:"name"`
	UID      string         `yaml:"uid"`
	Type     string         `yaml:"type"`
	URL      string         `yaml:"url"`
	JSONData map[string]any `yaml:"jsonData"`
}

func loadDatasources(t *testing.T) map[string]datasource {
	var f struct {
		APIVersion  int          `yaml:"apiVersion"`
		Datasources []datasource `yaml:"datasources"`
	}
	readYAML(t, "grafana/provisioning/datasources/datasources.yaml", &f)
	if f.APIVersion != 1 {
		t.Errorf("datasources apiVersion %d, want 1", f.APIVersion)
	}
	byUID := map[string]datasource{}
	for _, ds := range f.Datasources {
		if ds.UID == "" {
			t.Errorf("data source %s has no fixed uid", ds.Name)
		}
		if _, dup := byUID[ds.UID]; dup {
			t.Errorf("uid %s is used twice", ds.UID)
		}
		byUID[ds.UID] = ds
	}
	return byUID
}

// streamLabels returns the label names in a LogQL stream selector.
func streamLabels(query string) []string {
	sel := query
	if i := strings.Index(sel, "{"); i >= 0 {
		sel = sel[i+1:]
	}
	if i := strings.Index(sel, "}"); i >= 0 {
		sel = sel[:i]
	}
	var out []string
	for _, m := range regexp.MustCompile(`([A-Za-z_][A-Za-z0-9_]*)\s*(=~|!~|!=|=)`).FindAllStringSubmatch(sel, -1) {
		out = append(out, m[1])
	}
	return out
}

func TestGrafanaDatasources(t *testing.T) {
	ds := loadDatasources(t)
	loki, jaeger := ds["loki"], ds["jaeger"]
	if loki.Type != "loki" || jaeger.Type != "jaeger" {
		t.Fatalf("want uid loki of type loki and uid jaeger of type jaeger, got %+v", ds)
	}
	services := loadCompose(t).Services
	for _, d := range ds {
		u, err := url.Parse(d.URL)
		if err != nil {
			t.Errorf("%s: url %q: %v", d.UID, d.URL, err)
			continue
		}
		if _, ok := services[u.Hostname()]; !ok {
			t.Errorf("%s: url %s names no compose service", d.UID, d.URL)
		}
	}

	// Log line -> trace: the derived field reads the trace_id structured
	// metadata field and opens it in the Jaeger data source.
	var found bool
	for _, f := range yamltree.List(loki.JSONData, "derivedFields") {
		if yamltree.String(f, "matcherRegex") != "trace_id" {
			continue
		}
		found = true
		if yamltree.String(f, "matcherType") != "label" {
			t.Errorf("derived field %q: matcherType %q, want label (trace_id is structured metadata)", yamltree.String(f, "name"), yamltree.String(f, "matcherType"))
		}
		if target := ds[yamltree.String(f, "datasourceUid")]; target.Type != "jaeger" {
			t.Errorf("derived field %q links to uid %q, want the Jaeger data source", yamltree.String(f, "name"), yamltree.String(f, "datasourceUid"))
		}
		if yamltree.String(f, "url") != "$${__value.raw}" {
			t.Errorf("derived field url %q, want $${__value.raw} (the doubled $ survives provisioning)", yamltree.String(f, "url"))
		}
		if yamltree.String(f, "name") == "" {
			t.Error("derived field needs a name: it is the button's label")
		}
	}
	if !found {
		t.Error("the Loki data source has no derived field on trace_id")
	}

	// Span -> log lines.
	t2l := yamltree.Get(jaeger.JSONData, "tracesToLogsV2")
	if t2l == nil {
		t.Fatal("the Jaeger data source has no tracesToLogsV2")
	}
	if target := ds[yamltree.String(t2l, "datasourceUid")]; target.Type != "loki" {
		t.Errorf("tracesToLogsV2 points at uid %q, want the Loki data source", yamltree.String(t2l, "datasourceUid"))
	}
	if yamltree.Get(t2l, "customQuery") != true {
		t.Error("tracesToLogsV2.customQuery must be true, or Grafana ignores the query")
	}
	q := yamltree.String(t2l, "query")
	for _, want := range []string{`| trace_id="$${__span.traceId}"`, `| span_id="$${__span.spanId}"`} {
		if !strings.Contains(q, want) {
			t.Errorf("tracesToLogsV2 query %q lacks the filter %s", q, want)
		}
	}
	indexed, _ := indexLabels(loadLoki(t))
	for _, l := range streamLabels(q) {
		if !slices.Contains(indexed, l) {
			t.Errorf("tracesToLogsV2 query selects on %s, which Loki does not index", l)
		}
	}
	// Jaeger reports service.name as the process name, not as a tag, so a
	// query using it would be undefined and Grafana would hide the link.
	if strings.Contains(q, `__span.tags["service.name"]`) || strings.Contains(q, "__span.tags.service.name") {
		t.Errorf("tracesToLogsV2 query %q uses service.name as a span tag; Jaeger spans do not carry it", q)
	}
	for _, key := range []string{"spanStartTimeShift", "spanEndTimeShift"} {
		if yamltree.String(t2l, key) == "" {
			t.Errorf("tracesToLogsV2.%s is unset: the query would cover the span's time only", key)
		}
	}
}

// TestGrafanaProvisioningEscapes: Grafana expands ${VAR} in provisioning
// files, so its own ${__...} variables must be written $${__...}.
func TestGrafanaProvisioningEscapes(t *testing.T) {
	unescaped := regexp.MustCompile(`(^|[^$])\$\{__`)
	err := filepath.WalkDir("grafana/provisioning", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		for i, line := range strings.Split(string(readFile(t, path)), "\n") {
			if unescaped.MatchString(line) {
				t.Errorf("%s:%d: write $${__...}, or Grafana expands it at load time: %s", path, i+1, line)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestDashboards(t *testing.T) {
	ds := loadDatasources(t)
	indexed, _ := indexLabels(loadLoki(t))
	files, err := filepath.Glob("grafana/dashboards/*.json")
	if err != nil || len(files) == 0 {
		t.Fatalf("no dashboards: %v", err)
	}
	for _, file := range files {
		var dash map[string]any
		if err := json.Unmarshal(readFile(t, file), &dash); err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		if yamltree.String(dash, "uid") == "" || yamltree.String(dash, "title") == "" {
			t.Errorf("%s: a dashboard needs a uid and a title", file)
		}
		refs := 0
		// Every {"datasource": {"uid": ...}}, in panels, targets and variables.
		yamltree.Walk(dash, func(path []any, node any) bool {
			if ref := yamltree.Map(node, "datasource"); ref != nil {
				refs++
				uid := yamltree.String(ref, "uid")
				if _, ok := ds[uid]; !ok {
					t.Errorf("%s%s: data source uid %q is not provisioned", file, yamltree.Format(path), uid)
				}
			}
			return true
		})
		if refs == 0 {
			t.Errorf("%s: no panel names its data source", file)
		}
		for _, p := range yamltree.List(dash, "panels") {
			for _, target := range yamltree.List(p, "targets") {
				expr := yamltree.String(target, "expr")
				if expr == "" {
					continue
				}
				if strings.Count(expr, "(") != strings.Count(expr, ")") || strings.Count(expr, "{") != strings.Count(expr, "}") {
					t.Errorf("%s: panel %q: unbalanced query %s", file, yamltree.String(p, "title"), expr)
				}
				for _, l := range streamLabels(expr) {
					if !slices.Contains(indexed, l) {
						t.Errorf("%s: panel %q selects on %s, which Loki does not index", file, yamltree.String(p, "title"), l)
					}
				}
			}
		}
		for _, link := range yamltree.List(dash, "links") {
			u, err := url.Parse(yamltree.String(link, "url"))
			if err != nil || u.Path != "/explore" {
				t.Errorf("%s: link %q: want an Explore URL, got %q", file, yamltree.String(link, "title"), yamltree.String(link, "url"))
				continue
			}
			var panes map[string]map[string]any
			if err := json.Unmarshal([]byte(u.Query().Get("panes")), &panes); err != nil {
				t.Errorf("%s: link %q: panes: %v", file, yamltree.String(link, "title"), err)
				continue
			}
			for _, pane := range panes {
				if uid, _ := pane["datasource"].(string); ds[uid].UID == "" {
					t.Errorf("%s: link %q opens data source %q, which is not provisioned", file, yamltree.String(link, "title"), uid)
				}
			}
		}
	}

	var home map[string]any
	if err := json.Unmarshal(readFile(t, "grafana/dashboards/hypha-home.json"), &home); err != nil {
		t.Fatal(err)
	}
	types := map[string]bool{}
	for _, p := range yamltree.List(home, "panels") {
		types[yamltree.String(p, "type")] = true
	}
	if !types["timeseries"] || !types["logs"] || len(yamltree.List(home, "links")) == 0 {
		t.Errorf("the home dashboard wants an error graph, a logs panel and links into Explore; has panels %v", types)
	}
}
