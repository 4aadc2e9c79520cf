// Copyright The Hypha Authors
// SPDX-License-Identifier: Apache-2.0

// The compose file: services, published ports, volumes, config mounts, and the files Grafana sees.

package deploy_test

import (
	"bytes"
	"encoding/json"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/hypha-obs/hypha/internal/yamltree"
)

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
	Services map[string]composeService `yaml:"services"`
	Volumes  map[string]any            `yaml:"volumes"`
}

type composeService struct {
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
	checkComposeReferences(t, c)
	checkComposeGateway(t, c.Services["gateway"])
	checkComposeConfigFiles(t, c)
}

// checkComposeReferences: images are pinned, mounts and volumes and
// dependencies exist, and only the gateway's OTLP ports and Grafana are
// published.
func checkComposeReferences(t *testing.T, c compose) {
	t.Helper()
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
	want := map[string][]string{"gateway": {"16680", "4317", "4318"}, "grafana": {"3000"}}
	for name, ports := range published {
		slices.Sort(ports)
		if !slices.Equal(ports, want[name]) {
			t.Errorf("%s publishes ports %v, want %v", name, ports, want[name])
		}
	}
}

// checkComposeGateway: the gateway is built from the Dockerfile, runs the
// gateway mode against Loki and Jaeger, and is open only where it is safe.
func checkComposeGateway(t *testing.T, gw composeService) {
	t.Helper()
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
		if strings.HasSuffix(p, ":16680") {
			// The UI has its own bind address: it shows every log line.
			if p != "${HYPHA_UI_BIND_ADDRESS:-127.0.0.1}:16680:16680" {
				t.Errorf("gateway UI port %q: publish it on ${HYPHA_UI_BIND_ADDRESS:-127.0.0.1}", p)
			}
			continue
		}
		if !strings.HasPrefix(p, "${HYPHA_BIND_ADDRESS:-127.0.0.1}:") {
			t.Errorf("gateway port %q: publish it on ${HYPHA_BIND_ADDRESS:-127.0.0.1}, the address HYPHA_AUTH's default relies on", p)
		}
	}
	// The UI is on, inside the container on every interface so that the
	// published port reaches it.
	if got := gw.Environment["HYPHA_UI_ENDPOINT"]; got != "0.0.0.0:16680" {
		t.Errorf("gateway HYPHA_UI_ENDPOINT = %q, want 0.0.0.0:16680", got)
	}
	// The metrics listen on loopback by default, out of other containers'
	// reach; the gateway opens them to the compose network, and 8888 stays
	// unpublished (the published ports are checked above).
	if got := gw.Environment["HYPHA_METRICS_HOST"]; got != "0.0.0.0" {
		t.Errorf("gateway HYPHA_METRICS_HOST = %q, want 0.0.0.0 inside the container", got)
	}
}

// checkComposeConfigFiles: each config file a service is told to read is
// the one mounted for it.
func checkComposeConfigFiles(t *testing.T, c compose) {
	t.Helper()
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
	provPath := yamltree.String(prov, "providers", 0, "options", "path")
	if provPath != filepath.ToSlash(filepath.Dir(home)) {
		t.Errorf("dashboards provider reads %q; the home dashboard is in %q", provPath, filepath.Dir(home))
	}
	if !strings.HasPrefix(home, "/etc/grafana/") && !strings.HasPrefix(home, "/var/lib/grafana/") {
		t.Errorf("home dashboard path %q is outside Grafana's directories", home)
	}
}
