// Copyright The Hypha Authors
// SPDX-License-Identifier: Apache-2.0

package e2e

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/hypha-obs/hypha/e2e/harness"
)

// TestSmokeModes starts the binary in each mode, as a user would, and checks
// that its health endpoint and its own metrics answer.
func TestSmokeModes(t *testing.T) {
	bin := binary(t, "HYPHA_BIN")
	for _, mode := range []string{"agent", "gateway"} {
		t.Run(mode, func(t *testing.T) {
			dir := t.TempDir()
			unused, err := harness.FreeAddr()
			if err != nil {
				t.Fatal(err)
			}
			h, err := harness.StartHypha(dir, bin, harness.HyphaOptions{
				Mode: mode,
				Env: []string{
					"HYPHA_STORAGE_DIR=" + filepath.Join(dir, "storage"),
					"HYPHA_LOG_INCLUDE=" + filepath.Join(dir, "logs", "*.log"),
					"HYPHA_GATEWAY_ENDPOINT=" + unused,
					"HYPHA_LOKI_ENDPOINT=http://" + unused + "/otlp",
					"HYPHA_JAEGER_ENDPOINT=" + unused,
				},
			})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { h.Stop(10 * time.Second) })
			if err := harness.Eventually(10*time.Second, 200*time.Millisecond, func() error {
				_, err := harness.Get(h.MetricsURL)
				return err
			}); err != nil {
				t.Fatalf("own metrics: %v", err)
			}
			if out := h.Tail(1 << 20); strings.Contains(out, "is deprecated") {
				t.Errorf("%s logs a deprecation warning:\n%s", mode, out)
			}
		})
	}
}

// TestValidateShippedConfigs runs `hypha validate` on the embedded configs,
// with and without a token, and on the sampling gateway of the gateway tier.
func TestValidateShippedConfigs(t *testing.T) {
	bin := binary(t, "HYPHA_BIN")
	root, err := harness.RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	sampling := "file:" + filepath.Join(root, "deploy/gateway-tier/sampling.yaml")
	for _, c := range []struct {
		configs []string
		env     []string
	}{
		{configs: []string{"hypha:agent"}},
		{configs: []string{"hypha:gateway"}},
		{configs: []string{"hypha:gateway", sampling}},
		{configs: []string{"hypha:loadbalancer"}},
		{configs: []string{"hypha:loadbalancer"}, env: []string{"HYPHA_SAMPLING_GATEWAYS=gw-1:4317,gw-2:4317"}},
		{configs: []string{"hypha:gateway"}, env: []string{"HYPHA_UI=on", "HYPHA_UI_USERNAME=admin", "HYPHA_UI_PASSWORD=pw"}},
		{configs: []string{"hypha:ui"}},
		{configs: []string{"hypha:ui"}, env: []string{"HYPHA_LOKI_ENDPOINT=http://vl:9428/insert/opentelemetry", "HYPHA_UI_TOKEN=t"}},
	} {
		for _, auth := range []string{"HYPHA_AUTH=none", "HYPHA_AUTH_TOKEN=validate-token"} {
			args := []string{"validate"}
			for _, c := range c.configs {
				args = append(args, "--config", c)
			}
			cmd := exec.Command(bin, args...)
			cmd.Env = append(append(os.Environ(), auth), c.env...)
			if out, err := cmd.CombinedOutput(); err != nil {
				t.Errorf("hypha %s with %s %s: %v\n%s", strings.Join(args, " "), auth, c.env, err, out)
			}
		}
	}
	out, err := exec.Command(bin, "validate", "--config", "hypha:nope").CombinedOutput()
	if err == nil || !strings.Contains(string(out), "unknown hypha mode") {
		t.Errorf("an unknown mode must fail with a clear message, got %v:\n%s", err, out)
	}
}

// TestComponents checks that the distribution bundles what docs/configuration.md lists.
func TestComponents(t *testing.T) {
	bin := binary(t, "HYPHA_BIN")
	out, err := exec.Command(bin, "components").Output()
	if err != nil {
		t.Fatalf("hypha components: %v\n%s", err, out)
	}
	type entry struct {
		Name   string `yaml:"name"`
		Scheme string `yaml:"scheme"`
	}
	// buildinfo is a map; the component kinds are lists.
	var got struct {
		Receivers  []entry `yaml:"receivers"`
		Processors []entry `yaml:"processors"`
		Exporters  []entry `yaml:"exporters"`
		Extensions []entry `yaml:"extensions"`
		Providers  []entry `yaml:"providers"`
	}
	if err := yaml.Unmarshal(out, &got); err != nil {
		t.Fatalf("parsing `hypha components`: %v", err)
	}
	lists := map[string][]entry{
		"receivers": got.Receivers, "processors": got.Processors, "exporters": got.Exporters,
		"extensions": got.Extensions, "providers": got.Providers,
	}
	want := map[string][]string{
		"receivers": {"otlp", "file_log", "kafka", "syslog"},
		"processors": {
			"hypha_correlation", "hypha_log_sampling", "memory_limiter", "batch", "resource", "transform", "filter",
			"tail_sampling", "attributes", "redaction", "k8s_attributes",
		},
		"exporters": {
			"otlp_grpc", "otlp_http", "debug", "file",
			"kafka", "elasticsearch", "clickhouse", "awss3", "googlecloud", "load_balancing",
		},
		"extensions": {"file_storage", "health_check", "zpages", "bearertokenauth"},
		"providers":  {"hypha", "env", "file", "yaml"},
	}
	for kind, names := range want {
		have := map[string]bool{}
		for _, e := range lists[kind] {
			have[e.Name+e.Scheme] = true
		}
		for _, name := range names {
			if !have[name] {
				t.Errorf("%s: %q missing from `hypha components`", kind, name)
			}
		}
	}
}

// TestStackStopsWhatItStartedOnFailure: when one part of the stack cannot
// start, StartStack reports it and stops the parts it had started.
func TestStackStopsWhatItStartedOnFailure(t *testing.T) {
	bins := harness.Binaries{
		Hypha:        binary(t, "HYPHA_BIN"),
		VictoriaLogs: binary(t, "VICTORIALOGS_BIN"),
		Jaeger:       "/bin/false", // exits at once: Jaeger "fails to start"
	}
	dir := t.TempDir()
	s, err := harness.StartStack(dir, bins, harness.StackOptions{})
	if err == nil {
		s.Stop()
		t.Fatal("StartStack succeeded with a Jaeger that cannot start")
	}
	if _, err := os.Stat(filepath.Join(dir, "victoria-logs.log")); err != nil {
		t.Fatalf("VictoriaLogs was not started before Jaeger: %v", err)
	}
	if err := harness.Eventually(10*time.Second, 100*time.Millisecond, func() error {
		if pids := processesMentioning(t, dir); len(pids) > 0 {
			return fmt.Errorf("processes of the failed stack still run: %v", pids)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
}

// processesMentioning returns the PIDs whose command line contains s.
func processesMentioning(t *testing.T, s string) []string {
	t.Helper()
	entries, err := os.ReadDir("/proc")
	if err != nil {
		t.Fatal(err)
	}
	var pids []string
	for _, e := range entries {
		cmdline, err := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
		if err == nil && strings.Contains(string(cmdline), s) {
			pids = append(pids, e.Name())
		}
	}
	return pids
}
