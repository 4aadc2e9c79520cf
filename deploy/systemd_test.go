// Copyright The Hypha Authors
// SPDX-License-Identifier: Apache-2.0

// The systemd unit hypha-agent.service: its settings against the install script, and systemd-analyze verify.

package deploy_test

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

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
	if got, least := unitMemoryMax(t, unit), int64(defaultMemoryLimitMiB)*3/2<<20; got < least {
		t.Errorf("MemoryMax is %d MiB; with the default memory limit of %d MiB it needs at least %d MiB", got>>20, defaultMemoryLimitMiB, least>>20)
	}
	// The agent config's default is the one this test assumes.
	agentConfig := string(readFile(t, "../provider/hyphaprovider/agent-config/config.yaml"))
	if m := regexp.MustCompile(`HYPHA_MEMORY_LIMIT_MIB:-(\d+)`).FindStringSubmatch(agentConfig); m != nil && m[1] != strconv.Itoa(defaultMemoryLimitMiB) {
		t.Errorf("provider/hyphaprovider/agent-config/config.yaml defaults HYPHA_MEMORY_LIMIT_MIB to %s; the unit's MemoryMax assumes %d", m[1], defaultMemoryLimitMiB)
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
	if err := os.WriteFile(path, []byte(strings.ReplaceAll(unit, "/usr/local/bin/hypha", bin)), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(sa, "verify", path).CombinedOutput()
	// verify exits 0 on unknown keys and only warns: any output is a finding.
	if err != nil || len(bytes.TrimSpace(out)) != 0 {
		t.Fatalf("systemd-analyze verify: %v\n%s", err, out)
	}
}
