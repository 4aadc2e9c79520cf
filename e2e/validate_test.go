// Copyright The Hypha Authors
// SPDX-License-Identifier: Apache-2.0

package e2e

import (
	"crypto/rand"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hypha-obs/hypha/e2e/harness"
)

// TestValidateLeavesTheDiskAlone: `hypha validate` checks a configuration
// without running it, so the storage check reports a damaged file but
// leaves it where it is; starting the agent on the same folder moves it
// aside.
func TestValidateLeavesTheDiskAlone(t *testing.T) {
	bin := binary(t, "HYPHA_BIN")
	dir := t.TempDir()
	damaged := filepath.Join(dir, "receiver_filelog_")
	junk := make([]byte, 64<<10)
	_, _ = rand.Read(junk)
	if err := os.WriteFile(damaged, junk, 0o600); err != nil {
		t.Fatal(err)
	}
	env := []string{"HYPHA_AUTH=none", "HYPHA_STORAGE_DIR=" + dir, "HYPHA_LOG_INCLUDE=" + filepath.Join(dir, "*.log")}

	cmd := exec.Command(bin, "validate", "--config", "hypha:agent")
	cmd.Env = append(os.Environ(), env...)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("hypha validate: %v\n%s", err, out)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 1 || entries[0].Name() != filepath.Base(damaged) {
		t.Fatalf("hypha validate changed the storage folder: %v", entries)
	}
	if got, err := os.ReadFile(damaged); err != nil || string(got) != string(junk) {
		t.Fatalf("hypha validate changed %s (%v)", damaged, err)
	}

	var addrs [4]string
	for i := range addrs {
		if addrs[i], err = harness.FreeAddr(); err != nil {
			t.Fatal(err)
		}
	}
	_, metricsPort, _ := strings.Cut(addrs[3], ":")
	agent, err := harness.Start(t.TempDir(), "agent", bin, []string{"--config", "hypha:agent"}, append(env,
		"HYPHA_OTLP_GRPC_ENDPOINT="+addrs[0], "HYPHA_OTLP_HTTP_ENDPOINT="+addrs[1], "HYPHA_HEALTH_ENDPOINT="+addrs[2],
		"HYPHA_METRICS_PORT="+metricsPort, "HYPHA_GATEWAY_ENDPOINT=127.0.0.1:1"))
	if err != nil {
		t.Fatal(err)
	}
	defer agent.Stop(10 * time.Second)
	if err := harness.Eventually(30*time.Second, 100*time.Millisecond, func() error {
		aside, _ := filepath.Glob(damaged + ".damaged-*")
		if len(aside) != 1 {
			return os.ErrNotExist
		}
		return nil
	}); err != nil {
		t.Fatalf("starting the agent did not move %s aside: %v\n%s", damaged, err, agent.Tail(3000))
	}
}
