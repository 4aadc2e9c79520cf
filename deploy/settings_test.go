// Copyright The Hypha Authors
// SPDX-License-Identifier: Apache-2.0

package deploy_test

import (
	"maps"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

var hyphaVar = regexp.MustCompile(`\bHYPHA_[A-Z_]*[A-Z]\b`)

// settingsUsers is which modes read each HYPHA_ variable, from the files that
// name it: a mode's embedded configs and the sampling gateways' override.
// A variable only the provider's code reads (HYPHA_AUTH, which decides
// authentication in every mode) is read by all three modes.
func settingsUsers(t *testing.T) map[string]map[string]bool {
	t.Helper()
	users := map[string]map[string]bool{}
	add := func(name string, modes ...string) {
		if users[name] == nil {
			users[name] = map[string]bool{}
		}
		for _, m := range modes {
			users[name][m] = true
		}
	}
	sources := map[string][]string{
		"../provider/hyphaprovider/agent-config/*.yaml":        {"agent"},
		"../provider/hyphaprovider/gateway-config/*.yaml":      {"gateway"},
		"../provider/hyphaprovider/loadbalancer-config/*.yaml": {"load balancer"},
		"gateway-tier/*.yaml":                                  {"sampling gateway"},
	}
	// The provider merges these of the gateway's files into the load
	// balancer's configuration too.
	alsoLoadBalancer := []string{"tls.yaml", "shared.yaml"}
	for pattern, modes := range sources {
		files, err := filepath.Glob(pattern)
		if err != nil || len(files) == 0 {
			t.Fatalf("%s: no files (%v)", pattern, err)
		}
		for _, f := range files {
			fileModes := modes
			if strings.Contains(pattern, "/gateway-config/") && slices.Contains(alsoLoadBalancer, filepath.Base(f)) {
				fileModes = append(slices.Clone(modes), "load balancer")
			}
			for _, name := range hyphaVar.FindAllString(string(readFile(t, f)), -1) {
				add(name, fileModes...)
			}
		}
	}
	for _, name := range hyphaVar.FindAllString(string(readFile(t, "../provider/hyphaprovider/provider.go")), -1) {
		if users[name] == nil {
			add(name, "agent", "gateway", "load balancer")
		}
	}
	// The UI's settings are read by the provider's ui.go, for the gateway's
	// UI and for hypha:ui; it also reads the gateway's own settings, for
	// their defaults, which are listed above.
	for _, name := range hyphaVar.FindAllString(string(readFile(t, "../provider/hyphaprovider/ui.go")), -1) {
		if strings.HasPrefix(name, "HYPHA_UI") {
			add(name, "gateway", "ui")
		}
	}
	return users
}

// readmeSettings is the README's Settings table: each variable with the
// modes its "used by" column names ("all modes" is the three modes).
func readmeSettings(t *testing.T) map[string]map[string]bool {
	t.Helper()
	readme := string(readFile(t, "../README.md"))
	start := strings.Index(readme, "\n## Settings\n")
	if start < 0 {
		t.Fatal("README.md has no Settings section")
	}
	section := readme[start+1:]
	if end := strings.Index(section, "\n## "); end >= 0 {
		section = section[:end]
	}
	rows := map[string]map[string]bool{}
	for _, line := range strings.Split(section, "\n") {
		cells := strings.Split(line, "|")
		if len(cells) < 4 || !strings.Contains(cells[1], "`HYPHA_") {
			continue
		}
		modes := map[string]bool{}
		for _, m := range strings.Split(strings.TrimSpace(cells[2]), ",") {
			m = strings.TrimSpace(m)
			if m == "all modes" {
				modes["agent"], modes["gateway"], modes["load balancer"] = true, true, true
				continue
			}
			modes[m] = true
		}
		for _, name := range hyphaVar.FindAllString(cells[1], -1) {
			rows[name] = modes
		}
	}
	return rows
}

// TestSettingsTable: the README's Settings table lists every HYPHA_
// variable a shipped configuration or the provider reads, with the modes
// that read it, and nothing they do not read.
func TestSettingsTable(t *testing.T) {
	users := settingsUsers(t)
	rows := readmeSettings(t)
	for _, name := range slices.Sorted(maps.Keys(users)) {
		modes, ok := rows[name]
		if !ok {
			t.Errorf("README Settings table lacks %s (used by %v)", name, slices.Sorted(maps.Keys(users[name])))
			continue
		}
		if !maps.Equal(modes, users[name]) {
			t.Errorf("README Settings table: %s used by %v, want %v", name, slices.Sorted(maps.Keys(modes)), slices.Sorted(maps.Keys(users[name])))
		}
	}
	for name := range rows {
		if _, ok := users[name]; !ok {
			t.Errorf("README Settings table lists %s, which no shipped configuration reads", name)
		}
	}
}
