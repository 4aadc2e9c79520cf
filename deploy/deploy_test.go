// Package deploy_test checks the deployment files statically: no Docker
// engine, Grafana, Loki or Kubernetes cluster runs here, so the tests parse
// the compose file, the Grafana provisioning, the Loki config and the
// Kubernetes manifests and check that they refer to each other correctly.
// They also run the host install script into a temporary root. External
// validators (docker-compose, shellcheck, systemd-analyze) are skipped when
// missing, except in CI (CI set), where a missing tool fails the test.
package deploy_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// requireTool returns the path of an external program, skipping the test
// when it is missing, or failing it in CI, where .ci/run installs it.
func requireTool(t *testing.T, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err == nil {
		return p
	}
	if os.Getenv("CI") != "" {
		t.Fatalf("%s is not installed; .ci/run must install it", name)
	}
	t.Skipf("%s is not installed", name)
	return ""
}

func readFile(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func readYAML(t *testing.T, path string, v any) {
	t.Helper()
	if err := yaml.Unmarshal(readFile(t, path), v); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}

// readDocs decodes every document of a multi-document YAML file.
func readDocs(t *testing.T, path string) []map[string]any {
	t.Helper()
	dec := yaml.NewDecoder(bytes.NewReader(readFile(t, path)))
	var docs []map[string]any
	for {
		var doc map[string]any
		err := dec.Decode(&doc)
		if errors.Is(err, io.EOF) {
			return docs
		}
		if err != nil {
			t.Fatalf("%s: document %d: %v", path, len(docs)+1, err)
		}
		if doc != nil {
			docs = append(docs, doc)
		}
	}
}

// get walks a decoded YAML tree along keys (map keys or list indexes given
// as ints) and returns nil where the path does not exist.
func get(v any, path ...any) any {
	for _, p := range path {
		switch k := p.(type) {
		case string:
			m, ok := v.(map[string]any)
			if !ok {
				return nil
			}
			v = m[k]
		case int:
			l, ok := v.([]any)
			if !ok || k >= len(l) {
				return nil
			}
			v = l[k]
		}
	}
	return v
}

func str(v any, path ...any) string {
	s, _ := get(v, path...).(string)
	return s
}

func list(v any, path ...any) []any {
	l, _ := get(v, path...).([]any)
	return l
}

func strList(v any, path ...any) []string {
	var out []string
	for _, e := range list(v, path...) {
		if s, ok := e.(string); ok {
			out = append(out, s)
		}
	}
	return out
}

// pinnedImage reports whether an image reference names a fixed version: a
// tag other than latest, or a digest.
func pinnedImage(ref string) bool {
	if strings.Contains(ref, "@sha256:") {
		return true
	}
	name := ref[strings.LastIndex(ref, "/")+1:]
	_, tag, ok := strings.Cut(name, ":")
	return ok && tag != "" && tag != "latest"
}

func TestPinnedImage(t *testing.T) {
	for ref, want := range map[string]bool{
		"grafana/loki:3.7.2":            true,
		"grafana/loki":                  false,
		"grafana/loki:latest":           false,
		"localhost:5000/hypha":          false,
		"localhost:5000/hypha:1.0":      true,
		"gcr.io/x/static@sha256:abcdef": true,
	} {
		if got := pinnedImage(ref); got != want {
			t.Errorf("pinnedImage(%q) = %v, want %v", ref, got, want)
		}
	}
}

// --- container image ---

func TestDockerfile(t *testing.T) {
	df := string(readFile(t, "../Dockerfile"))
	var froms []string
	for _, line := range strings.Split(df, "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == "FROM" {
			froms = append(froms, f[1])
		}
	}
	if len(froms) != 2 {
		t.Fatalf("want a build stage and a final stage, got FROM %v", froms)
	}
	for _, img := range froms {
		if !pinnedImage(img) {
			t.Errorf("FROM %s: pin a version", img)
		}
	}
	if !strings.HasPrefix(froms[0], "golang:1.26") {
		t.Errorf("build stage %s: want golang:1.26.x", froms[0])
	}
	if !strings.Contains(froms[1], "distroless/static") || !strings.Contains(froms[1], "@sha256:") {
		t.Errorf("final stage %s: want distroless static, pinned by digest", froms[1])
	}
	final := df[strings.LastIndex(df, "\nFROM "):]
	for _, want := range []string{
		"ENV CGO_ENABLED=0",
		"make build",
		`ENTRYPOINT ["/hypha"]`,
		`CMD ["--config", "hypha:gateway"]`,
	} {
		if !strings.Contains(df, want) {
			t.Errorf("Dockerfile lacks %q", want)
		}
	}
	m := regexp.MustCompile(`(?m)^USER (\S+)`).FindStringSubmatch(final)
	if m == nil || m[1] == "root" || strings.HasPrefix(m[1], "0:") || m[1] == "0" {
		t.Errorf("final stage must run as a non-root user, got USER %v", m)
	}
	if !strings.Contains(final, "COPY --from=build /src/bin/hypha /hypha") {
		t.Error("final stage must copy the binary `make build` wrote (bin/hypha) to /hypha")
	}

	ignore := strings.Fields(string(readFile(t, "../.dockerignore")))
	for _, want := range []string{"bin/", ".cache/", "**/node_modules"} {
		if !slices.Contains(ignore, want) {
			t.Errorf(".dockerignore lacks %s", want)
		}
	}
}

// --- compose ---

func TestComposeConfig(t *testing.T) {
	dc := requireTool(t, "docker-compose")
	out, err := exec.Command(dc, "-f", "compose.yaml", "config", "-q").CombinedOutput()
	if err != nil {
		t.Fatalf("docker-compose config -q: %v\n%s", err, out)
	}

	// With nothing set (no shell variables, no deploy/.env), the gateway runs
	// without auth, and is reachable from this machine only.
	empty := filepath.Join(t.TempDir(), ".env")
	if err := os.WriteFile(empty, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(dc, "--env-file", empty, "-f", "compose.yaml", "config")
	for _, e := range os.Environ() {
		if !strings.HasPrefix(e, "HYPHA_") && !strings.HasPrefix(e, "GRAFANA_") {
			cmd.Env = append(cmd.Env, e)
		}
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err = cmd.Output()
	if err != nil {
		t.Fatalf("docker-compose config: %v\n%s", err, stderr.Bytes())
	}
	var resolved struct {
		Services map[string]struct {
			Environment map[string]string `yaml:"environment"`
			Ports       []string          `yaml:"ports"`
		} `yaml:"services"`
	}
	if err := yaml.Unmarshal(out, &resolved); err != nil {
		t.Fatalf("docker-compose config output: %v", err)
	}
	gw := resolved.Services["gateway"]
	if got := gw.Environment["HYPHA_AUTH"]; got != "none" {
		t.Errorf("gateway HYPHA_AUTH resolves to %q, want none", got)
	}
	for _, p := range gw.Ports {
		if !strings.HasPrefix(p, "127.0.0.1:") {
			t.Errorf("gateway publishes %s; without HYPHA_BIND_ADDRESS it must bind 127.0.0.1 only", p)
		}
	}
}

type compose struct {
	Services map[string]struct {
		Image       string            `yaml:"image"`
		Build       map[string]string `yaml:"build"`
		Command     []string          `yaml:"command"`
		Environment map[string]string `yaml:"environment"`
		Ports       []string          `yaml:"ports"`
		Volumes     []string          `yaml:"volumes"`
		Healthcheck map[string]any    `yaml:"healthcheck"`
		DependsOn   map[string]struct {
			Condition string `yaml:"condition"`
		} `yaml:"depends_on"`
	} `yaml:"services"`
	Volumes map[string]any `yaml:"volumes"`
}

// mount is a bind mount of a repo path (relative to deploy/) into a container.
type mount struct{ src, dst string }

func binds(volumes []string) []mount {
	var out []mount
	for _, v := range volumes {
		f := strings.Split(v, ":")
		if strings.HasPrefix(f[0], ".") {
			out = append(out, mount{filepath.Clean(f[0]), f[1]})
		}
	}
	return out
}

// containerPath maps a file under deploy/ to its path inside the container.
func containerPath(ms []mount, file string) (string, bool) {
	for _, m := range ms {
		if rel, err := filepath.Rel(m.src, file); err == nil && !strings.HasPrefix(rel, "..") {
			return filepath.ToSlash(filepath.Join(m.dst, rel)), true
		}
	}
	return "", false
}

func loadCompose(t *testing.T) compose {
	var c compose
	readYAML(t, "compose.yaml", &c)
	return c
}

func TestComposeServices(t *testing.T) {
	c := loadCompose(t)
	for _, name := range []string{"gateway", "loki", "jaeger", "grafana"} {
		if _, ok := c.Services[name]; !ok {
			t.Errorf("service %s is missing", name)
		}
	}
	published := map[string][]string{}
	for name, s := range c.Services {
		if !pinnedImage(s.Image) && name != "gateway" {
			t.Errorf("%s: image %q is not pinned", name, s.Image)
		}
		for _, p := range s.Ports {
			f := strings.Split(p, ":")
			published[name] = append(published[name], f[len(f)-1])
		}
		for _, v := range s.Volumes {
			src := strings.Split(v, ":")[0]
			if strings.HasPrefix(src, ".") {
				if _, err := os.Stat(src); err != nil {
					t.Errorf("%s mounts %s: %v", name, src, err)
				}
			} else if _, ok := c.Volumes[src]; !ok {
				t.Errorf("%s uses volume %s, which volumes: does not declare", name, src)
			}
		}
		for dep := range s.DependsOn {
			if _, ok := c.Services[dep]; !ok {
				t.Errorf("%s depends on unknown service %s", name, dep)
			}
		}
	}
	want := map[string][]string{"gateway": {"4317", "4318"}, "grafana": {"3000"}}
	for name, ports := range published {
		slices.Sort(ports)
		if !slices.Equal(ports, want[name]) {
			t.Errorf("%s publishes ports %v, want %v", name, ports, want[name])
		}
	}

	gw := c.Services["gateway"]
	if gw.Image == "" || gw.Build["context"] == "" {
		t.Error("gateway needs both build: (from the Dockerfile) and image: (the name it is tagged with)")
	}
	if _, err := os.Stat(filepath.Join(gw.Build["context"], gw.Build["dockerfile"])); err != nil {
		t.Errorf("gateway build: %v", err)
	}
	if !slices.Equal(gw.Command, []string{"--config", "hypha:gateway"}) {
		t.Errorf("gateway command %v, want --config hypha:gateway", gw.Command)
	}
	if got := gw.Environment["HYPHA_LOKI_ENDPOINT"]; got != "http://loki:3100/otlp" {
		t.Errorf("HYPHA_LOKI_ENDPOINT = %q, want Loki's OTLP endpoint http://loki:3100/otlp", got)
	}
	if got := gw.Environment["HYPHA_JAEGER_ENDPOINT"]; got != "jaeger:4317" {
		t.Errorf("HYPHA_JAEGER_ENDPOINT = %q, want jaeger:4317 (OTLP/gRPC)", got)
	}

	// An empty token is a startup error unless auth is off, and off is safe
	// only while the ports are on loopback: HYPHA_AUTH defaults to none
	// exactly where HYPHA_BIND_ADDRESS defaults to 127.0.0.1.
	if got := gw.Environment["HYPHA_AUTH"]; got != "${HYPHA_AUTH:-none}" {
		t.Errorf("gateway HYPHA_AUTH = %q, want ${HYPHA_AUTH:-none}", got)
	}
	for _, p := range gw.Ports {
		if !strings.HasPrefix(p, "${HYPHA_BIND_ADDRESS:-127.0.0.1}:") {
			t.Errorf("gateway port %q: publish it on ${HYPHA_BIND_ADDRESS:-127.0.0.1}, the address HYPHA_AUTH's default relies on", p)
		}
	}
	// The metrics listen on loopback by default, out of other containers'
	// reach; the gateway opens them to the compose network, and 8888 stays
	// unpublished (the published ports are checked above).
	if got := gw.Environment["HYPHA_METRICS_HOST"]; got != "0.0.0.0" {
		t.Errorf("gateway HYPHA_METRICS_HOST = %q, want 0.0.0.0 inside the container", got)
	}

	// Each config file a service is told to read is the one mounted for it.
	for name, flag := range map[string]string{"loki": "-config.file=", "jaeger": "--config"} {
		s := c.Services[name]
		cmd := strings.Join(s.Command, " ")
		ok := false
		for _, m := range binds(s.Volumes) {
			if strings.Contains(cmd, m.dst) && strings.Contains(cmd, flag) {
				ok = true
			}
		}
		if !ok {
			t.Errorf("%s: command %q reads no mounted config file", name, cmd)
		}
	}
}

// TestComposeGrafanaMounts checks that Grafana sees every provisioning file
// and dashboard in the repo, and that its home dashboard is one of them.
func TestComposeGrafanaMounts(t *testing.T) {
	g := loadCompose(t).Services["grafana"]
	ms := binds(g.Volumes)
	inContainer := map[string]string{} // container path -> repo path
	err := filepath.WalkDir("grafana", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		cp, ok := containerPath(ms, path)
		if !ok {
			t.Errorf("%s is not mounted into the grafana service", path)
		}
		inContainer[cp] = path
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}

	home := g.Environment["GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH"]
	src, ok := inContainer[home]
	if !ok {
		t.Fatalf("GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH=%q is not a mounted file", home)
	}
	var dash map[string]any
	if err := json.Unmarshal(readFile(t, src), &dash); err != nil {
		t.Fatalf("%s: %v", src, err)
	}
	if dash["uid"] != "hypha-home" {
		t.Errorf("home dashboard %s has uid %v, want hypha-home", src, dash["uid"])
	}

	// The dashboards provider reads the directory that holds the dashboards.
	var prov map[string]any
	readYAML(t, "grafana/provisioning/dashboards/dashboards.yaml", &prov)
	provPath := str(prov, "providers", 0, "options", "path")
	if provPath != filepath.ToSlash(filepath.Dir(home)) {
		t.Errorf("dashboards provider reads %q; the home dashboard is in %q", provPath, filepath.Dir(home))
	}
	if !strings.HasPrefix(home, "/etc/grafana/") && !strings.HasPrefix(home, "/var/lib/grafana/") {
		t.Errorf("home dashboard path %q is outside Grafana's directories", home)
	}
}

// --- Loki ---

func loadLoki(t *testing.T) map[string]any {
	var c map[string]any
	readYAML(t, "loki/config.yaml", &c)
	return c
}

// indexLabels returns the Loki stream labels the config creates from OTLP
// resource attributes (dots become underscores), and the regexes of any
// index_label rules.
func indexLabels(c map[string]any) (labels []string, regexes []string) {
	attrs := strList(c, "distributor", "otlp_config", "default_resource_attributes_as_index_labels")
	for _, rule := range list(c, "limits_config", "otlp_config", "resource_attributes", "attributes_config") {
		if str(rule, "action") == "index_label" {
			attrs = append(attrs, strList(rule, "attributes")...)
			if re := str(rule, "regex"); re != "" {
				regexes = append(regexes, re)
			}
		}
	}
	for _, a := range attrs {
		labels = append(labels, strings.ReplaceAll(a, ".", "_"))
	}
	return labels, regexes
}

func TestLokiConfig(t *testing.T) {
	c := loadLoki(t)
	if get(c, "limits_config", "allow_structured_metadata") != true {
		t.Error("limits_config.allow_structured_metadata must be true: OTLP ingestion and the trace ids need it")
	}
	configs := list(c, "schema_config", "configs")
	if len(configs) == 0 {
		t.Fatal("schema_config.configs is empty")
	}
	last := configs[len(configs)-1]
	if str(last, "schema") != "v13" || str(last, "store") != "tsdb" {
		t.Errorf("the current schema must be v13 on tsdb (structured metadata), got %v", last)
	}

	labels, regexes := indexLabels(c)
	if !slices.Contains(labels, "service_name") {
		t.Errorf("service.name must be an index label; index labels: %v", labels)
	}
	for _, l := range labels {
		n := strings.ToLower(strings.NewReplacer("_", "", "-", "").Replace(l))
		if n == "traceid" || n == "spanid" {
			t.Errorf("%s is an index label: trace and span ids must stay structured metadata", l)
		}
	}
	for _, re := range regexes {
		r, err := regexp.Compile("^(?:" + re + ")$")
		if err != nil {
			t.Errorf("index_label regex %q: %v", re, err)
			continue
		}
		for _, id := range []string{"trace_id", "span_id", "trace.id", "span.id"} {
			if r.MatchString(id) {
				t.Errorf("index_label regex %q matches %s", re, id)
			}
		}
	}
	for _, kind := range []string{"log_attributes", "scope_attributes"} {
		for _, rule := range list(c, "limits_config", "otlp_config", kind) {
			if str(rule, "action") == "index_label" {
				t.Errorf("%s: index_label is only valid for resource attributes", kind)
			}
		}
	}
}

// --- Grafana ---

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
	for _, f := range list(loki.JSONData, "derivedFields") {
		if str(f, "matcherRegex") != "trace_id" {
			continue
		}
		found = true
		if str(f, "matcherType") != "label" {
			t.Errorf("derived field %q: matcherType %q, want label (trace_id is structured metadata)", str(f, "name"), str(f, "matcherType"))
		}
		if target := ds[str(f, "datasourceUid")]; target.Type != "jaeger" {
			t.Errorf("derived field %q links to uid %q, want the Jaeger data source", str(f, "name"), str(f, "datasourceUid"))
		}
		if str(f, "url") != "$${__value.raw}" {
			t.Errorf("derived field url %q, want $${__value.raw} (the doubled $ survives provisioning)", str(f, "url"))
		}
		if str(f, "name") == "" {
			t.Error("derived field needs a name: it is the button's label")
		}
	}
	if !found {
		t.Error("the Loki data source has no derived field on trace_id")
	}

	// Span -> log lines.
	t2l := get(jaeger.JSONData, "tracesToLogsV2")
	if t2l == nil {
		t.Fatal("the Jaeger data source has no tracesToLogsV2")
	}
	if target := ds[str(t2l, "datasourceUid")]; target.Type != "loki" {
		t.Errorf("tracesToLogsV2 points at uid %q, want the Loki data source", str(t2l, "datasourceUid"))
	}
	if get(t2l, "customQuery") != true {
		t.Error("tracesToLogsV2.customQuery must be true, or Grafana ignores the query")
	}
	q := str(t2l, "query")
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
		if str(t2l, key) == "" {
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

// walkDatasourceRefs calls fn for every {"datasource": {"uid": ...}} in a
// dashboard.
func walkDatasourceRefs(v any, where string, fn func(where, uid string)) {
	switch x := v.(type) {
	case map[string]any:
		if ref, ok := x["datasource"].(map[string]any); ok {
			uid, _ := ref["uid"].(string)
			fn(where, uid)
		}
		for k, e := range x {
			walkDatasourceRefs(e, where+"."+k, fn)
		}
	case []any:
		for _, e := range x {
			walkDatasourceRefs(e, where, fn)
		}
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
		if str(dash, "uid") == "" || str(dash, "title") == "" {
			t.Errorf("%s: a dashboard needs a uid and a title", file)
		}
		refs := 0
		walkDatasourceRefs(dash, file, func(where, uid string) {
			refs++
			if _, ok := ds[uid]; !ok {
				t.Errorf("%s: data source uid %q is not provisioned", where, uid)
			}
		})
		if refs == 0 {
			t.Errorf("%s: no panel names its data source", file)
		}
		for _, p := range list(dash, "panels") {
			for _, target := range list(p, "targets") {
				expr := str(target, "expr")
				if expr == "" {
					continue
				}
				if strings.Count(expr, "(") != strings.Count(expr, ")") || strings.Count(expr, "{") != strings.Count(expr, "}") {
					t.Errorf("%s: panel %q: unbalanced query %s", file, str(p, "title"), expr)
				}
				for _, l := range streamLabels(expr) {
					if !slices.Contains(indexed, l) {
						t.Errorf("%s: panel %q selects on %s, which Loki does not index", file, str(p, "title"), l)
					}
				}
			}
		}
		for _, link := range list(dash, "links") {
			u, err := url.Parse(str(link, "url"))
			if err != nil || u.Path != "/explore" {
				t.Errorf("%s: link %q: want an Explore URL, got %q", file, str(link, "title"), str(link, "url"))
				continue
			}
			var panes map[string]map[string]any
			if err := json.Unmarshal([]byte(u.Query().Get("panes")), &panes); err != nil {
				t.Errorf("%s: link %q: panes: %v", file, str(link, "title"), err)
				continue
			}
			for _, pane := range panes {
				if uid, _ := pane["datasource"].(string); ds[uid].UID == "" {
					t.Errorf("%s: link %q opens data source %q, which is not provisioned", file, str(link, "title"), uid)
				}
			}
		}
	}

	var home map[string]any
	if err := json.Unmarshal(readFile(t, "grafana/dashboards/hypha-home.json"), &home); err != nil {
		t.Fatal(err)
	}
	types := map[string]bool{}
	for _, p := range list(home, "panels") {
		types[str(p, "type")] = true
	}
	if !types["timeseries"] || !types["logs"] || len(list(home, "links")) == 0 {
		t.Errorf("the home dashboard wants an error graph, a logs panel and links into Explore; has panels %v", types)
	}
}

// --- Kubernetes ---

type object = map[string]any

func loadKubernetes(t *testing.T) (map[string]object, object) {
	var kust object
	readYAML(t, "kubernetes/kustomization.yaml", &kust)
	resources := strList(kust, "resources")
	files, _ := filepath.Glob("kubernetes/*.yaml")
	for _, f := range files {
		if base := filepath.Base(f); base != "kustomization.yaml" && !slices.Contains(resources, base) {
			t.Errorf("%s is not listed in kustomization.yaml resources", f)
		}
	}
	objs := map[string]object{}
	for _, r := range resources {
		for i, doc := range readDocs(t, filepath.Join("kubernetes", r)) {
			kind, name := str(doc, "kind"), str(doc, "metadata", "name")
			if str(doc, "apiVersion") == "" || kind == "" || name == "" {
				t.Errorf("%s document %d lacks apiVersion, kind or metadata.name", r, i+1)
				continue
			}
			key := kind + "/" + name
			if _, dup := objs[key]; dup {
				t.Errorf("%s is defined twice", key)
			}
			objs[key] = doc
		}
	}
	return objs, kust
}

func labelsMatch(selector, labels any) bool {
	sel, _ := selector.(map[string]any)
	lab, _ := labels.(map[string]any)
	if len(sel) == 0 {
		return false
	}
	for k, v := range sel {
		if lab[k] != v {
			return false
		}
	}
	return true
}

func namedPorts(container any) map[string]int {
	ports := map[string]int{}
	for _, p := range list(container, "ports") {
		n, _ := get(p, "containerPort").(int)
		ports[str(p, "name")] = n
	}
	return ports
}

func envValue(container any, name string) (any, bool) {
	for _, e := range list(container, "env") {
		if str(e, "name") == name {
			if v := get(e, "value"); v != nil {
				return v, true
			}
			return get(e, "valueFrom"), true
		}
	}
	return nil, false
}

func TestKubernetesManifests(t *testing.T) {
	objs, kust := loadKubernetes(t)
	want := map[string]string{
		"Namespace/hypha":                       "v1",
		"Deployment/hypha-gateway":              "apps/v1",
		"Service/hypha-gateway":                 "v1",
		"HorizontalPodAutoscaler/hypha-gateway": "autoscaling/v2",
		"PodDisruptionBudget/hypha-gateway":     "policy/v1",
		"DaemonSet/hypha-agent":                 "apps/v1",
		"ConfigMap/hypha-gateway-config":        "v1",
		"ConfigMap/hypha-agent-config":          "v1",
		"Service/hypha-agent":                   "v1",
		"NetworkPolicy/hypha-gateway":           "networking.k8s.io/v1",
		"NetworkPolicy/hypha-agent":             "networking.k8s.io/v1",
	}
	for key, api := range want {
		if o, ok := objs[key]; !ok {
			t.Errorf("%s is missing", key)
		} else if got := str(o, "apiVersion"); got != api {
			t.Errorf("%s: apiVersion %s, want %s", key, got, api)
		}
	}
	if t.Failed() {
		t.FailNow()
	}
	if str(kust, "namespace") != str(objs["Namespace/hypha"], "metadata", "name") {
		t.Errorf("kustomization namespace %q is not the Namespace it creates", str(kust, "namespace"))
	}
	imageName := str(kust, "images", 0, "name")

	workloads := map[string]string{"Deployment/hypha-gateway": "gateway", "DaemonSet/hypha-agent": "agent"}
	for key, mode := range workloads {
		w := objs[key]
		tmplLabels := get(w, "spec", "template", "metadata", "labels")
		if !labelsMatch(get(w, "spec", "selector", "matchLabels"), tmplLabels) {
			t.Errorf("%s: selector does not match the pod template's labels", key)
		}
		pod := get(w, "spec", "template", "spec")
		if get(pod, "securityContext", "runAsNonRoot") != true {
			t.Errorf("%s: pod securityContext.runAsNonRoot must be true", key)
		}
		if uid, _ := get(pod, "securityContext", "runAsUser").(int); uid == 0 {
			t.Errorf("%s: runAsUser must be a non-root uid", key)
		}
		volumes := map[string]any{}
		for _, v := range list(pod, "volumes") {
			volumes[str(v, "name")] = v
		}
		c := get(pod, "containers", 0)
		if img := str(c, "image"); !pinnedImage(img) || !strings.HasPrefix(img, imageName+":") {
			t.Errorf("%s: image %q: want %s with a version tag (kustomization images:)", key, img, imageName)
		}
		args := strings.Join(strList(c, "args"), " ")
		if wantArgs := "--config hypha:" + mode + " --config file:/etc/hypha/override.yaml"; args != wantArgs {
			t.Errorf("%s: args %q, want %q", key, args, wantArgs)
		}
		// The override file comes from a ConfigMap that exists and parses.
		var cmName string
		for _, vm := range list(c, "volumeMounts") {
			if str(vm, "mountPath") == "/etc/hypha" {
				cmName = str(volumes[str(vm, "name")], "configMap", "name")
			}
		}
		cm, ok := objs["ConfigMap/"+cmName]
		if !ok {
			t.Errorf("%s: /etc/hypha is not a mounted ConfigMap (got %q)", key, cmName)
		} else {
			var override map[string]any
			if err := yaml.Unmarshal([]byte(str(cm, "data", "override.yaml")), &override); err != nil || override == nil {
				t.Errorf("ConfigMap/%s: override.yaml does not parse as a YAML map: %v", cmName, err)
			}
		}

		ports := namedPorts(c)
		if ports["health"] != 13133 {
			t.Errorf("%s: want container port health=13133, got %v", key, ports)
		}
		if ep, _ := envValue(c, "HYPHA_HEALTH_ENDPOINT"); !strings.HasSuffix(ep.(string), ":13133") {
			t.Errorf("%s: HYPHA_HEALTH_ENDPOINT %v does not listen on 13133", key, ep)
		}
		for _, probe := range []string{"startupProbe", "readinessProbe", "livenessProbe"} {
			p := get(c, probe, "httpGet", "port")
			if p == nil {
				t.Errorf("%s: %s is missing", key, probe)
			} else if p != "health" && p != 13133 {
				t.Errorf("%s: %s probes port %v, want the health endpoint 13133", key, probe, p)
			}
		}
		for _, r := range []string{"requests", "limits"} {
			for _, res := range []string{"cpu", "memory"} {
				if get(c, "resources", r, res) == nil {
					t.Errorf("%s: resources.%s.%s is unset", key, r, res)
				}
			}
		}
		sc := get(c, "securityContext")
		if get(sc, "readOnlyRootFilesystem") != true || get(sc, "allowPrivilegeEscalation") != false {
			t.Errorf("%s: container needs readOnlyRootFilesystem: true and allowPrivilegeEscalation: false", key)
		}
		tok, _ := envValue(c, "HYPHA_AUTH_TOKEN")
		if str(tok, "secretKeyRef", "name") != "hypha-auth" || str(tok, "secretKeyRef", "key") != "token" {
			t.Errorf("%s: HYPHA_AUTH_TOKEN must come from Secret hypha-auth, key token; got %v", key, tok)
		}
	}

	// Gateway: Service, PDB and HPA all aim at the Deployment.
	dep := objs["Deployment/hypha-gateway"]
	podLabels := get(dep, "spec", "template", "metadata", "labels")
	svc := objs["Service/hypha-gateway"]
	if !labelsMatch(get(svc, "spec", "selector"), podLabels) {
		t.Error("Service/hypha-gateway does not select the gateway pods")
	}
	gwPorts := namedPorts(get(dep, "spec", "template", "spec", "containers", 0))
	for _, p := range list(svc, "spec", "ports") {
		if _, ok := gwPorts[str(p, "targetPort")]; !ok {
			t.Errorf("Service/hypha-gateway port %s targets %v, which the container does not name", str(p, "name"), get(p, "targetPort"))
		}
	}
	if !labelsMatch(get(objs["PodDisruptionBudget/hypha-gateway"], "spec", "selector", "matchLabels"), podLabels) {
		t.Error("PodDisruptionBudget/hypha-gateway does not select the gateway pods")
	}
	hpa := objs["HorizontalPodAutoscaler/hypha-gateway"]
	ref := get(hpa, "spec", "scaleTargetRef")
	if str(ref, "kind") != "Deployment" || str(ref, "name") != "hypha-gateway" || str(ref, "apiVersion") != "apps/v1" {
		t.Errorf("HPA scaleTargetRef %v is not Deployment/hypha-gateway", ref)
	}
	minR, _ := get(hpa, "spec", "minReplicas").(int)
	minAvail, _ := get(objs["PodDisruptionBudget/hypha-gateway"], "spec", "minAvailable").(int)
	if minR <= minAvail {
		t.Errorf("HPA minReplicas %d must exceed the PDB's minAvailable %d, or no node can ever drain", minR, minAvail)
	}

	// Agent: reads pod logs, keeps its state on the host, sends to the
	// gateway Service.
	ds := objs["DaemonSet/hypha-agent"]
	c := get(ds, "spec", "template", "spec", "containers", 0)
	if v, _ := envValue(c, "HYPHA_LOG_INCLUDE"); v != "/var/log/pods/*/*/*.log" {
		t.Errorf("agent HYPHA_LOG_INCLUDE = %v, want /var/log/pods/*/*/*.log", v)
	}
	hostPaths := map[string]string{} // mountPath -> host path
	volumes := map[string]any{}
	for _, v := range list(ds, "spec", "template", "spec", "volumes") {
		volumes[str(v, "name")] = v
	}
	for _, vm := range list(c, "volumeMounts") {
		if hp := str(volumes[str(vm, "name")], "hostPath", "path"); hp != "" {
			hostPaths[str(vm, "mountPath")] = hp
		}
	}
	if hostPaths["/var/log/pods"] != "/var/log/pods" {
		t.Errorf("agent must mount the host's /var/log/pods, has %v", hostPaths)
	}
	storage, _ := envValue(c, "HYPHA_STORAGE_DIR")
	if s, _ := storage.(string); hostPaths[s] != "/var/lib/hypha" {
		t.Errorf("agent HYPHA_STORAGE_DIR %v is not the hostPath /var/lib/hypha (mounts %v)", storage, hostPaths)
	}
	gwEndpoint, _ := envValue(c, "HYPHA_GATEWAY_ENDPOINT")
	var grpcPort int
	for _, p := range list(svc, "spec", "ports") {
		if str(p, "name") == "otlp-grpc" {
			grpcPort, _ = get(p, "port").(int)
		}
	}
	if gwEndpoint != "hypha-gateway:"+strconv.Itoa(grpcPort) {
		t.Errorf("agent HYPHA_GATEWAY_ENDPOINT %v, want the gateway Service's OTLP/gRPC port hypha-gateway:%d", gwEndpoint, grpcPort)
	}
	if !labelsMatch(get(objs["Service/hypha-agent"], "spec", "selector"), get(ds, "spec", "template", "metadata", "labels")) {
		t.Error("Service/hypha-agent does not select the agent pods")
	}
}

// workloadPods returns the pod template spec of each workload, by mode.
func workloadPods(objs map[string]object) map[string]any {
	return map[string]any{
		"gateway": get(objs["Deployment/hypha-gateway"], "spec", "template", "spec"),
		"agent":   get(objs["DaemonSet/hypha-agent"], "spec", "template", "spec"),
	}
}

// TestKubernetesSecretsRequired: a missing Secret must keep a pod from
// starting. With an optional reference the gateway would start without a
// token (open, on 0.0.0.0) or the agent without its CA.
func TestKubernetesSecretsRequired(t *testing.T) {
	objs, _ := loadKubernetes(t)
	for mode, pod := range workloadPods(objs) {
		for _, c := range append(list(pod, "initContainers"), list(pod, "containers")...) {
			for _, e := range list(c, "env") {
				if ref := get(e, "valueFrom", "secretKeyRef"); ref != nil && get(ref, "optional") == true {
					t.Errorf("%s: env %s: Secret %s must not be optional", mode, str(e, "name"), str(ref, "name"))
				}
			}
			for _, e := range list(c, "envFrom") {
				if get(e, "secretRef", "optional") == true {
					t.Errorf("%s: envFrom Secret %s must not be optional", mode, str(e, "secretRef", "name"))
				}
			}
			if v, ok := envValue(c, "HYPHA_AUTH"); ok && v != "bearer" {
				t.Errorf("%s: HYPHA_AUTH = %v; in Kubernetes the token is required (bearer)", mode, v)
			}
		}
		for _, v := range list(pod, "volumes") {
			if get(v, "secret", "optional") == true {
				t.Errorf("%s: volume %s: Secret %s must not be optional", mode, str(v, "name"), str(v, "secret", "secretName"))
			}
		}
	}
}

// parseQuantity reads a Kubernetes memory quantity such as 512Mi or 1G.
func parseQuantity(q string) (int64, error) {
	units := []struct {
		suffix string
		factor int64
	}{{"Ki", 1 << 10}, {"Mi", 1 << 20}, {"Gi", 1 << 30}, {"Ti", 1 << 40}, {"k", 1e3}, {"M", 1e6}, {"G", 1e9}, {"T", 1e12}}
	for _, u := range units {
		if n, ok := strings.CutSuffix(q, u.suffix); ok {
			v, err := strconv.ParseInt(n, 10, 64)
			return v * u.factor, err
		}
	}
	return strconv.ParseInt(q, 10, 64)
}

// parseGoMemLimit reads GOMEMLIMIT as the Go runtime does: a number of bytes
// with an optional B, KiB, MiB, GiB or TiB suffix.
func parseGoMemLimit(s string) (int64, error) {
	for i, suffix := range []string{"TiB", "GiB", "MiB", "KiB"} {
		if n, ok := strings.CutSuffix(s, suffix); ok {
			v, err := strconv.ParseInt(n, 10, 64)
			return v << (10 * (4 - i)), err
		}
	}
	return strconv.ParseInt(strings.TrimSuffix(s, "B"), 10, 64)
}

func TestParseMemory(t *testing.T) {
	for in, want := range map[string]int64{"512Mi": 512 << 20, "1Gi": 1 << 30, "1G": 1e9, "1000": 1000} {
		if got, err := parseQuantity(in); err != nil || got != want {
			t.Errorf("parseQuantity(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for in, want := range map[string]int64{"410MiB": 410 << 20, "1GiB": 1 << 30, "2048": 2048, "2048B": 2048} {
		if got, err := parseGoMemLimit(in); err != nil || got != want {
			t.Errorf("parseGoMemLimit(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
}

// TestKubernetesMemoryLimits: GOMEMLIMIT at about 80% of the container's
// limit (the memory_limiter README's advice), so that the Go runtime
// collects garbage harder before the kernel kills the container; and the
// agent's memory_limiter at or below GOMEMLIMIT, so that it refuses data
// before the runtime is reduced to collecting all the time.
func TestKubernetesMemoryLimits(t *testing.T) {
	objs, _ := loadKubernetes(t)
	for mode, pod := range workloadPods(objs) {
		c := get(pod, "containers", 0)
		limit, err := parseQuantity(str(c, "resources", "limits", "memory"))
		if err != nil {
			t.Errorf("%s: resources.limits.memory: %v", mode, err)
			continue
		}
		v, _ := envValue(c, "GOMEMLIMIT")
		s, ok := v.(string)
		if !ok {
			t.Errorf("%s: GOMEMLIMIT must be a literal value below the container limit, got %v", mode, v)
			continue
		}
		goLimit, err := parseGoMemLimit(s)
		if err != nil {
			t.Errorf("%s: GOMEMLIMIT %q: %v", mode, s, err)
			continue
		}
		if pct := goLimit * 100 / limit; pct < 70 || pct > 85 {
			t.Errorf("%s: GOMEMLIMIT %s is %d%% of the container limit %s, want about 80%%", mode, s, pct, str(c, "resources", "limits", "memory"))
		}
		if mode != "agent" {
			continue
		}
		v, _ = envValue(c, "HYPHA_MEMORY_LIMIT_MIB")
		mib, err := strconv.ParseInt(fmt.Sprint(v), 10, 64)
		if err != nil {
			t.Errorf("agent: HYPHA_MEMORY_LIMIT_MIB = %v, want a number of MiB: %v", v, err)
		} else if mib<<20 > goLimit {
			t.Errorf("agent: HYPHA_MEMORY_LIMIT_MIB %d is above GOMEMLIMIT %s", mib, s)
		}
	}
}

// pod is a connection's source, as a NetworkPolicy sees it.
type pod struct {
	labels   map[string]any
	nsLabels map[string]any
	sameNS   bool // in the policy's namespace
}

// selects reports whether a label selector with only matchLabels selects
// labels; a selector with matchExpressions never does here, so that a test
// meeting one fails rather than passes.
func selects(sel any, labels map[string]any) bool {
	if get(sel, "matchExpressions") != nil {
		return false
	}
	want, _ := get(sel, "matchLabels").(map[string]any)
	for k, v := range want {
		if labels[k] != v {
			return false
		}
	}
	return true
}

// rulePorts returns the port numbers an ingress rule names (named ports
// resolved through the container's), or nil when it names none and so
// covers every port.
func rulePorts(t *testing.T, rule any, ports map[string]int) []int {
	var out []int
	for _, p := range list(rule, "ports") {
		switch v := get(p, "port").(type) {
		case int:
			out = append(out, v)
		case string:
			n, ok := ports[v]
			if !ok {
				t.Errorf("NetworkPolicy names port %q, which the container does not", v)
			}
			out = append(out, n)
		default:
			t.Errorf("NetworkPolicy port entry %v names no port", p)
		}
		if get(p, "endPort") != nil {
			t.Errorf("NetworkPolicy port entry %v: ranges are not checked here; name the ports", p)
		}
	}
	return out
}

// admits reports whether a NetworkPolicy's ingress rules let src reach port.
func admits(t *testing.T, np any, ports map[string]int, port int, src pod) bool {
	for _, rule := range list(np, "spec", "ingress") {
		if rp := rulePorts(t, rule, ports); rp != nil && !slices.Contains(rp, port) {
			continue
		}
		from := list(rule, "from")
		if len(from) == 0 {
			return true
		}
		for _, peer := range from {
			ns, podSel := get(peer, "namespaceSelector"), get(peer, "podSelector")
			switch {
			case get(peer, "ipBlock") != nil:
				// Addresses, not pods: TestKubernetesNetworkPolicies refuses
				// them on the metrics port.
			case ns == nil:
				if src.sameNS && podSel != nil && selects(podSel, src.labels) {
					return true
				}
			case selects(ns, src.nsLabels) && (podSel == nil || selects(podSel, src.labels)):
				return true
			}
		}
	}
	return false
}

// TestKubernetesNetworkPolicies: the collectors' own metrics (8888) name the
// backends and the queue sizes, so only the hypha namespace and the
// monitoring namespace reach them; OTLP stays open to those who send it. The
// kubelet's probes need no rule: NetworkPolicy always admits the node.
func TestKubernetesNetworkPolicies(t *testing.T) {
	objs, _ := loadKubernetes(t)
	agentLabels, _ := get(objs["DaemonSet/hypha-agent"], "spec", "template", "metadata", "labels").(map[string]any)
	var (
		agent      = pod{labels: agentLabels, nsLabels: map[string]any{"kubernetes.io/metadata.name": "hypha"}, sameNS: true}
		neighbour  = pod{labels: map[string]any{"app": "debug"}, nsLabels: agent.nsLabels, sameNS: true}
		app        = pod{labels: map[string]any{"app": "cart"}, nsLabels: map[string]any{"kubernetes.io/metadata.name": "shop"}}
		prometheus = pod{labels: map[string]any{"app": "prometheus"}, nsLabels: map[string]any{"kubernetes.io/metadata.name": "monitoring"}}
	)
	type want struct {
		port int
		src  pod
		name string
		ok   bool
	}
	for key, cases := range map[string][]want{
		"Deployment/hypha-gateway": {
			{4317, agent, "an agent", true},
			{4318, agent, "an agent", true},
			{8888, neighbour, "a pod in the namespace", true},
			{8888, prometheus, "Prometheus in the monitoring namespace", true},
			{8888, app, "an app in another namespace", false},
		},
		"DaemonSet/hypha-agent": {
			{4317, app, "an app in another namespace", true},
			{4318, app, "an app in another namespace", true},
			{8888, neighbour, "a pod in the namespace", true},
			{8888, prometheus, "Prometheus in the monitoring namespace", true},
			{8888, app, "an app in another namespace", false},
		},
	} {
		w := objs[key]
		labels, _ := get(w, "spec", "template", "metadata", "labels").(map[string]any)
		var np any
		for k, o := range objs {
			if str(o, "kind") == "NetworkPolicy" && get(o, "spec", "podSelector") != nil && selects(get(o, "spec", "podSelector"), labels) {
				if np != nil {
					t.Errorf("%s: more than one NetworkPolicy selects it (%s too); keep one per workload", key, k)
				}
				np = o
			}
		}
		if np == nil {
			t.Errorf("%s: no NetworkPolicy selects its pods", key)
			continue
		}
		if !slices.Contains(strList(np, "spec", "policyTypes"), "Ingress") {
			t.Errorf("%s: its NetworkPolicy must list policyTypes Ingress", key)
		}
		ports := namedPorts(get(w, "spec", "template", "spec", "containers", 0))
		if ports["metrics"] != 8888 {
			t.Errorf("%s: want container port metrics=8888, got %v", key, ports)
		}
		for _, c := range cases {
			if got := admits(t, np, ports, c.port, c.src); got != c.ok {
				t.Errorf("%s: NetworkPolicy admits %s to port %d: %v, want %v", key, c.name, c.port, got, c.ok)
			}
		}
		for _, rule := range list(np, "spec", "ingress") {
			rp := rulePorts(t, rule, ports)
			for _, p := range rp {
				if !slices.Contains(slices.Collect(maps.Values(ports)), p) {
					t.Errorf("%s: NetworkPolicy opens port %d, which the container does not serve", key, p)
				}
			}
			if rp != nil && !slices.Contains(rp, 8888) {
				continue
			}
			for _, peer := range list(rule, "from") {
				if get(peer, "ipBlock") != nil {
					t.Errorf("%s: an ipBlock reaches the metrics port: %v", key, peer)
				}
			}
		}
	}
}

// secretFile returns the Secret, and the key in it, that a container reads
// as the file path: through a secret volume mounted above path.
func secretFile(podSpec, c any, path string) (secret, key string) {
	volumes := map[string]any{}
	for _, v := range list(podSpec, "volumes") {
		volumes[str(v, "name")] = v
	}
	for _, vm := range list(c, "volumeMounts") {
		rel, err := filepath.Rel(str(vm, "mountPath"), path)
		if err != nil || strings.HasPrefix(rel, "..") {
			continue
		}
		v := volumes[str(vm, "name")]
		secret = str(v, "secret", "secretName")
		items := list(v, "secret", "items")
		if len(items) == 0 {
			return secret, rel
		}
		for _, it := range items {
			if str(it, "path") == rel {
				return secret, str(it, "key")
			}
		}
		return secret, ""
	}
	return "", ""
}

// TestKubernetesTLS: the token never crosses the pod network in clear. The
// gateway serves the certificate of a kubernetes.io/tls Secret; the agent
// trusts only that Secret's ca.crt, never sees its key, and checks the name
// both ways of making the Secret (make certs, cert-manager) put in it.
func TestKubernetesTLS(t *testing.T) {
	objs, kust := loadKubernetes(t)
	pods := workloadPods(objs)
	gw, ag := get(pods["gateway"], "containers", 0), get(pods["agent"], "containers", 0)

	want := map[string]string{"HYPHA_TLS_CERT_FILE": "tls.crt", "HYPHA_TLS_KEY_FILE": "tls.key"}
	if _, ok := envValue(gw, "HYPHA_TLS_CA_FILE"); ok {
		want["HYPHA_TLS_CA_FILE"] = "ca.crt" // mutual TLS
	}
	var tlsSecret string
	for env, wantKey := range want {
		v, _ := envValue(gw, env)
		path, _ := v.(string)
		secret, key := secretFile(pods["gateway"], gw, path)
		if secret == "" || key != wantKey {
			t.Errorf("gateway: %s=%q is not key %s of a mounted Secret (got Secret %q, key %q)", env, path, wantKey, secret, key)
		}
		if tlsSecret != "" && secret != tlsSecret {
			t.Errorf("gateway: %s comes from Secret %s, the others from %s", env, secret, tlsSecret)
		}
		tlsSecret = secret
	}
	if tlsSecret != "hypha-gateway-tls" {
		t.Errorf("gateway: TLS Secret %q, want hypha-gateway-tls (docs/deploy.md creates it)", tlsSecret)
	}

	if v, _ := envValue(ag, "HYPHA_TLS_ENABLED"); v != "true" {
		t.Errorf("agent: HYPHA_TLS_ENABLED = %v, want \"true\"", v)
	}
	v, _ := envValue(ag, "HYPHA_TLS_CA_FILE")
	caPath, _ := v.(string)
	if secret, key := secretFile(pods["agent"], ag, caPath); secret != tlsSecret || key != "ca.crt" {
		t.Errorf("agent: HYPHA_TLS_CA_FILE=%q is Secret %q key %q, want %s key ca.crt", caPath, secret, key, tlsSecret)
	}
	for _, vol := range list(pods["agent"], "volumes") {
		if str(vol, "secret", "secretName") != tlsSecret {
			continue
		}
		items := list(vol, "secret", "items")
		for _, it := range items {
			if str(it, "key") != "ca.crt" {
				t.Errorf("agent: volume %s exposes %s of the gateway's Secret; it needs only ca.crt", str(vol, "name"), str(it, "key"))
			}
		}
		if len(items) == 0 {
			t.Errorf("agent: volume %s mounts the whole gateway Secret, key included; project only ca.crt (items)", str(vol, "name"))
		}
	}

	// The names the agent connects to and verifies.
	endpoint, _ := envValue(ag, "HYPHA_GATEWAY_ENDPOINT")
	host, _, _ := strings.Cut(fmt.Sprint(endpoint), ":")
	serverName, _ := envValue(ag, "HYPHA_TLS_SERVER_NAME")
	if want := host + "." + str(kust, "namespace") + ".svc"; serverName != want {
		t.Errorf("agent: HYPHA_TLS_SERVER_NAME = %v, want the gateway Service's DNS name %s", serverName, want)
	}
	names := []string{host, fmt.Sprint(serverName)}

	// cert-manager: the example issues that Secret, for those names, from
	// an issuer the same file defines.
	docs := readDocs(t, "kubernetes/cert-manager/certificate.yaml")
	byKey := map[string]object{}
	for _, d := range docs {
		byKey[str(d, "kind")+"/"+str(d, "metadata", "name")] = d
	}
	var cert object
	for _, d := range docs {
		if str(d, "kind") == "Certificate" && str(d, "spec", "secretName") == tlsSecret {
			cert = d
		}
	}
	if cert == nil {
		t.Fatalf("cert-manager/certificate.yaml has no Certificate for Secret %s", tlsSecret)
	}
	for _, n := range names {
		if !slices.Contains(strList(cert, "spec", "dnsNames"), n) {
			t.Errorf("cert-manager Certificate: dnsNames %v lack %s, which the agent verifies", strList(cert, "spec", "dnsNames"), n)
		}
	}
	if u := strList(cert, "spec", "usages"); u != nil && !slices.Contains(u, "server auth") {
		t.Errorf("cert-manager Certificate: usages %v lack server auth", u)
	}
	issuer := byKey[str(cert, "spec", "issuerRef", "kind")+"/"+str(cert, "spec", "issuerRef", "name")]
	caSecret := str(issuer, "spec", "ca", "secretName")
	var caCert object
	for _, d := range docs {
		if str(d, "kind") == "Certificate" && str(d, "spec", "secretName") == caSecret && caSecret != "" {
			caCert = d
		}
	}
	// Only a CA issuer fills in ca.crt, which the agent reads.
	if caCert == nil || get(caCert, "spec", "isCA") != true {
		t.Errorf("cert-manager Certificate: issuer %v is not a CA Issuer backed by an isCA Certificate in the same file", get(cert, "spec", "issuerRef"))
	}

	// make certs: docs/deploy.md asks for the same names.
	var hosts []string
	for _, m := range regexp.MustCompile(`CERT_HOSTS=(\S+)`).FindAllStringSubmatch(string(readFile(t, "../docs/deploy.md")), -1) {
		if h := strings.Split(m[1], ","); slices.Contains(h, host) {
			hosts = h
		}
	}
	for _, n := range names {
		if !slices.Contains(hosts, n) {
			t.Errorf("docs/deploy.md: the Kubernetes make certs CERT_HOSTS=%s lacks %s", strings.Join(hosts, ","), n)
		}
	}
}

// TestKubernetesOverridesValidate runs `hypha validate` on each mode's
// built-in config with the ConfigMap's override layered on top, as the pods
// do. It needs bin/hypha (make build; `make test` builds it first).
func TestKubernetesOverridesValidate(t *testing.T) {
	bin, err := filepath.Abs("../bin/hypha")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(bin); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("%s is missing: run make build first", bin)
		}
		t.Skipf("%s is missing: run make build first", bin)
	}
	objs, _ := loadKubernetes(t)
	for mode, cm := range map[string]string{"agent": "hypha-agent-config", "gateway": "hypha-gateway-config"} {
		override := filepath.Join(t.TempDir(), "override.yaml")
		if err := os.WriteFile(override, []byte(str(objs["ConfigMap/"+cm], "data", "override.yaml")), 0o644); err != nil {
			t.Fatal(err)
		}
		cmd := exec.Command(bin, "validate", "--config", "hypha:"+mode, "--config", "file:"+override)
		// The pods get their token from a required Secret.
		cmd.Env = append(os.Environ(), "HYPHA_AUTH=bearer", "HYPHA_AUTH_TOKEN=token-from-the-secret")
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Errorf("ConfigMap/%s over hypha:%s: %v\n%s", cm, mode, err, out)
		}
	}
	agentOverride := str(objs["ConfigMap/hypha-agent-config"], "data", "override.yaml")
	if !strings.Contains(agentOverride, "type: container") {
		t.Error("the agent reads /var/log/pods: its override needs file_log's container operator for the CRI format")
	}
}

// --- host agent install ---

func TestInstallAgentShellcheck(t *testing.T) {
	sc := requireTool(t, "shellcheck")
	out, err := exec.Command(sc, "install-agent.sh").CombinedOutput()
	if err != nil {
		t.Fatalf("shellcheck install-agent.sh: %v\n%s", err, out)
	}
}

// fakeBinary writes an executable that records its arguments in calls.
func fakeBinary(t *testing.T) (bin, calls string) {
	dir := t.TempDir()
	bin, calls = filepath.Join(dir, "hypha"), filepath.Join(dir, "calls")
	script := "#!/bin/sh\nprintf '%s\\n' \"$*\" >> '" + calls + "'\n"
	if err := os.WriteFile(bin, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	return bin, calls
}

func runInstall(t *testing.T, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	cmd := exec.Command("bash", append([]string{"install-agent.sh"}, args...)...)
	var o, e bytes.Buffer
	cmd.Stdout, cmd.Stderr = &o, &e
	err = cmd.Run()
	return o.String(), e.String(), err
}

// tree returns every regular file under root with its mode and content.
func tree(t *testing.T, root string) map[string]string {
	t.Helper()
	files := map[string]string{}
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, path)
		files["/"+filepath.ToSlash(rel)] = info.Mode().Perm().String() + "\n" + string(readFile(t, path))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

func TestInstallAgent(t *testing.T) {
	bin, calls := fakeBinary(t)
	dir := t.TempDir()
	token := filepath.Join(dir, "token")
	override := filepath.Join(dir, "agent.yaml")
	os.WriteFile(token, []byte("s3cr3t.t0ken\n"), 0o600)
	os.WriteFile(override, []byte("service:\n  telemetry:\n    logs:\n      level: debug\n"), 0o644)
	root := t.TempDir()
	args := []string{
		"--binary", bin, "--gateway", "gateway.example.com:4317",
		"--logs", "/var/log/shop/*.log,/srv/cart/logs/*.json", "--logs", "/var/log/extra.log",
		"--service-name", "shop", "--token-file", token, "--config", override, "--destdir", root,
	}
	if _, stderr, err := runInstall(t, args...); err != nil {
		t.Fatalf("install: %v\n%s", err, stderr)
	}

	files := tree(t, root)
	template := string(readFile(t, "systemd/hypha-agent.service"))
	wantFiles := map[string]string{
		"/usr/local/bin/hypha": "-rwxr-xr-x\n" + string(readFile(t, bin)),
		"/etc/hypha/agent.env": "-rw-------\n" +
			"# Written by install-agent.sh; running it again rewrites this file.\n" +
			"HYPHA_GATEWAY_ENDPOINT=gateway.example.com:4317\n" +
			`HYPHA_LOG_INCLUDE='["/var/log/shop/*.log", "/srv/cart/logs/*.json", "/var/log/extra.log"]'` + "\n" +
			"HYPHA_STORAGE_DIR=/var/lib/hypha\n" +
			"HYPHA_SERVICE_NAME=shop\n" +
			"HYPHA_AUTH_TOKEN=s3cr3t.t0ken\n",
		"/etc/hypha/agent.yaml":                   "-rw-r--r--\n" + string(readFile(t, override)),
		"/etc/systemd/system/hypha-agent.service": "-rw-r--r--\n" + template,
	}
	for path, want := range wantFiles {
		if got, ok := files[path]; !ok {
			t.Errorf("install did not write %s", path)
		} else if got != want {
			t.Errorf("%s:\n got %q\nwant %q", path, got, want)
		}
	}
	for path := range files {
		if _, ok := wantFiles[path]; !ok {
			t.Errorf("install wrote an unexpected file %s", path)
		}
	}
	if got := string(readFile(t, calls)); got != "validate --config hypha:agent --config file:"+override+"\n" {
		t.Errorf("install should validate the config with the new binary first; binary calls: %q", got)
	}

	// Idempotent: the same options give the same files.
	if _, stderr, err := runInstall(t, args...); err != nil {
		t.Fatalf("second install: %v\n%s", err, stderr)
	}
	if again := tree(t, root); !maps.Equal(again, files) {
		t.Error("a second install with the same options changed the files")
	}

	// Without an override the unit runs the built-in config alone, and the
	// old override goes.
	if _, stderr, err := runInstall(t, "--binary", bin, "--gateway", "10.0.0.5:4317", "--logs", "/var/log/a.log", "--destdir", root); err != nil {
		t.Fatalf("install without --config: %v\n%s", err, stderr)
	}
	files = tree(t, root)
	if _, ok := files["/etc/hypha/agent.yaml"]; ok {
		t.Error("agent.yaml from the previous install is still there")
	}
	unit := files["/etc/systemd/system/hypha-agent.service"]
	if !strings.Contains(unit, "\nExecStart=/usr/local/bin/hypha --config hypha:agent\n") {
		t.Errorf("unit without override: ExecStart is not the plain agent config:\n%s", unit)
	}
	if env := files["/etc/hypha/agent.env"]; !strings.Contains(env, "\nHYPHA_LOG_INCLUDE='/var/log/a.log'\n") ||
		strings.Contains(env, "HYPHA_AUTH_TOKEN") || strings.Contains(env, "HYPHA_SERVICE_NAME") {
		t.Errorf("agent.env for a single glob, no token, no service name:\n%s", env)
	}

	// --memory-limit-mib goes to agent.env, and twice it to MemoryMax; the
	// default gives the template's MemoryMax.
	for limit, wantMax := range map[string]int64{"1024": 2048 << 20, strconv.Itoa(defaultMemoryLimitMiB): unitMemoryMax(t, template)} {
		if _, stderr, err := runInstall(t, "--binary", bin, "--gateway", "10.0.0.5:4317", "--logs", "/var/log/a.log",
			"--memory-limit-mib", limit, "--destdir", root); err != nil {
			t.Fatalf("install --memory-limit-mib %s: %v\n%s", limit, err, stderr)
		}
		files = tree(t, root)
		if env := files["/etc/hypha/agent.env"]; !strings.Contains(env, "\nHYPHA_MEMORY_LIMIT_MIB="+limit+"\n") {
			t.Errorf("--memory-limit-mib %s: agent.env lacks HYPHA_MEMORY_LIMIT_MIB=%s:\n%s", limit, limit, env)
		}
		if got := unitMemoryMax(t, files["/etc/systemd/system/hypha-agent.service"]); got != wantMax {
			t.Errorf("--memory-limit-mib %s: MemoryMax is %d bytes, want %d", limit, got, wantMax)
		}
	}

	// Uninstall removes every file install wrote.
	if _, stderr, err := runInstall(t, "--uninstall", "--destdir", root); err != nil {
		t.Fatalf("uninstall: %v\n%s", err, stderr)
	}
	if left := tree(t, root); len(left) != 0 {
		t.Errorf("uninstall left %v", slices.Collect(maps.Keys(left)))
	}
}

func TestInstallAgentDryRun(t *testing.T) {
	bin, calls := fakeBinary(t)
	dir := t.TempDir()
	token := filepath.Join(dir, "token")
	os.WriteFile(token, []byte("hidden-token"), 0o600)
	root := t.TempDir()
	stdout, stderr, err := runInstall(t, "--dry-run", "--binary", bin, "--gateway", "gw:4317",
		"--logs", "/var/log/app/*.log", "--token-file", token, "--destdir", root)
	if err != nil {
		t.Fatalf("dry run: %v\n%s", err, stderr)
	}
	if left := tree(t, root); len(left) != 0 {
		t.Errorf("dry run wrote %v", slices.Collect(maps.Keys(left)))
	}
	if _, err := os.Stat(calls); err == nil {
		t.Error("dry run ran the binary")
	}
	for _, want := range []string{"/etc/hypha/agent.env", "/usr/local/bin/hypha", "hypha-agent.service", "nothing was changed"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("dry run output does not mention %s:\n%s", want, stdout)
		}
	}
	if strings.Contains(stdout, "hidden-token") {
		t.Error("dry run printed the token")
	}
}

func TestInstallAgentRejectsBadInput(t *testing.T) {
	bin, _ := fakeBinary(t)
	base := func(extra ...string) []string {
		return append([]string{"--binary", bin, "--destdir", t.TempDir()}, extra...)
	}
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"no gateway", base("--logs", "/var/log/a.log"), "--gateway"},
		{"gateway without port", base("--gateway", "gw.example.com", "--logs", "/var/log/a.log"), "--gateway"},
		{"gateway port out of range", base("--gateway", "gw:70000", "--logs", "/var/log/a.log"), "--gateway"},
		{"no logs", base("--gateway", "gw:4317"), "--logs"},
		{"relative glob", base("--gateway", "gw:4317", "--logs", "logs/*.log"), "--logs"},
		{"quote in glob", base("--gateway", "gw:4317", "--logs", "/var/log/it's.log"), "--logs"},
		{"bad service name", base("--gateway", "gw:4317", "--logs", "/var/log/a.log", "--service-name", "my app"), "--service-name"},
		{"missing token file", base("--gateway", "gw:4317", "--logs", "/var/log/a.log", "--token-file", "/nonexistent"), "--token-file"},
		{"missing override", base("--gateway", "gw:4317", "--logs", "/var/log/a.log", "--config", "/nonexistent.yaml"), "--config"},
		{"memory limit too small", base("--gateway", "gw:4317", "--logs", "/var/log/a.log", "--memory-limit-mib", "32"), "--memory-limit-mib"},
		{"memory limit not a number", base("--gateway", "gw:4317", "--logs", "/var/log/a.log", "--memory-limit-mib", "1G"), "--memory-limit-mib"},
		{"memory limit as arithmetic", base("--gateway", "gw:4317", "--logs", "/var/log/a.log", "--memory-limit-mib", "a[$(id)]"), "--memory-limit-mib"},
		{"missing binary", []string{"--binary", "/nonexistent/hypha", "--gateway", "gw:4317", "--logs", "/var/log/a.log", "--destdir", t.TempDir()}, "--binary"},
		{"option without value", base("--gateway"), "--gateway"},
		{"unknown option", base("--frobnicate"), "--frobnicate"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, stderr, err := runInstall(t, tc.args...)
			if err == nil {
				t.Fatal("install accepted bad input")
			}
			if !strings.Contains(stderr, tc.want) {
				t.Errorf("the error should name %s: %q", tc.want, stderr)
			}
		})
	}
}

// defaultMemoryLimitMiB is HYPHA_MEMORY_LIMIT_MIB's default: the agent's
// memory_limiter limit when the setting is unset.
const defaultMemoryLimitMiB = 512

// unitMemoryMax returns a unit's MemoryMax= in bytes (systemd's K, M, G and
// T are powers of 1024), failing the test when it is missing or relative.
func unitMemoryMax(t *testing.T, unit string) int64 {
	t.Helper()
	m := regexp.MustCompile(`(?m)^MemoryMax=(\d+)([KMGT]?)$`).FindStringSubmatch(unit)
	if m == nil {
		t.Fatal("the unit needs MemoryMax= as an absolute size, so that the kernel bounds the agent")
	}
	n, _ := strconv.ParseInt(m[1], 10, 64)
	return n << map[string]int{"": 0, "K": 10, "M": 20, "G": 30, "T": 40}[m[2]]
}

// TestSystemdUnit checks the unit against what the install script writes,
// then has systemd-analyze verify it.
func TestSystemdUnit(t *testing.T) {
	unit := string(readFile(t, "systemd/hypha-agent.service"))

	// MemoryMax leaves the process room above the memory_limiter's limit
	// (the runtime, the page cache of what it reads), so that the kernel
	// kills the agent only when the limiter has failed.
	if got, min := unitMemoryMax(t, unit), int64(defaultMemoryLimitMiB)*3/2<<20; got < min {
		t.Errorf("MemoryMax is %d MiB; with the default memory limit of %d MiB it needs at least %d MiB", got>>20, defaultMemoryLimitMiB, min>>20)
	}
	// The agent config's default is the one this test assumes.
	agentConfig := string(readFile(t, "../agent-config/config.yaml"))
	if m := regexp.MustCompile(`HYPHA_MEMORY_LIMIT_MIB:-(\d+)`).FindStringSubmatch(agentConfig); m != nil && m[1] != strconv.Itoa(defaultMemoryLimitMiB) {
		t.Errorf("agent-config/config.yaml defaults HYPHA_MEMORY_LIMIT_MIB to %s; the unit's MemoryMax assumes %d", m[1], defaultMemoryLimitMiB)
	}
	script := string(readFile(t, "install-agent.sh"))
	for _, want := range []string{
		"User=hypha", "EnvironmentFile=/etc/hypha/agent.env", "Restart=on-failure",
		"StateDirectory=hypha", "NoNewPrivileges=yes", "ProtectSystem=strict", "ReadWritePaths=/var/lib/hypha",
		"ExecStart=/usr/local/bin/hypha --config hypha:agent --config file:/etc/hypha/agent.yaml",
	} {
		if !strings.Contains(unit, "\n"+want+"\n") {
			t.Errorf("unit lacks %q", want)
		}
	}
	for _, want := range []string{
		"SERVICE_USER=hypha", "STATE_DIR=/var/lib/hypha", "ENV_PATH=$CONF_DIR/agent.env", "CONF_DIR=/etc/hypha",
		"BIN_PATH=/usr/local/bin/hypha", "OVERRIDE_PATH=$CONF_DIR/agent.yaml",
	} {
		if !strings.Contains(script, want) {
			t.Errorf("install-agent.sh and the unit disagree: the script lacks %q", want)
		}
	}

	sa := requireTool(t, "systemd-analyze")
	// verify insists that ExecStart's binary exists: point it at a stand-in.
	dir := t.TempDir()
	bin, _ := fakeBinary(t)
	path := filepath.Join(dir, "hypha-agent.service")
	os.WriteFile(path, []byte(strings.ReplaceAll(unit, "/usr/local/bin/hypha", bin)), 0o644)
	out, err := exec.Command(sa, "verify", path).CombinedOutput()
	// verify exits 0 on unknown keys and only warns: any output is a finding.
	if err != nil || len(bytes.TrimSpace(out)) != 0 {
		t.Fatalf("systemd-analyze verify: %v\n%s", err, out)
	}
}
