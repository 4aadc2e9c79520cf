// Copyright The Hypha Authors
// SPDX-License-Identifier: Apache-2.0

package e2e

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hypha-obs/hypha/e2e/harness"
)

// startLogBackend starts VictoriaLogs and a gateway that exports logs to it;
// the gateway's traces go to an address where nothing listens. Both stop at
// the end of the test.
func startLogBackend(t *testing.T, bins harness.Binaries, dir string, gatewayEnv ...string) (*harness.VictoriaLogs, *harness.Hypha) {
	t.Helper()
	store, err := harness.StartVictoriaLogs(dir, bins.VictoriaLogs)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Stop(10 * time.Second) })
	unused, err := harness.FreeAddr()
	if err != nil {
		t.Fatal(err)
	}
	gw := startHypha(t, bins, dir, harness.HyphaOptions{Mode: "gateway", Env: append([]string{
		"HYPHA_LOKI_ENDPOINT=" + store.OTLPEndpoint(),
		"HYPHA_JAEGER_ENDPOINT=" + unused,
	}, gatewayEnv...)})
	return store, gw
}

// startHypha starts a collector that stops at the end of the test.
func startHypha(t *testing.T, bins harness.Binaries, dir string, opts harness.HyphaOptions) *harness.Hypha {
	t.Helper()
	h, err := harness.StartHypha(dir, bins.Hypha, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { h.Stop(10 * time.Second) })
	return h
}

// seqRig is an agent tailing a file of numbered lines, sending through a
// gateway to VictoriaLogs: the set-up of every delivery test.
type seqRig struct {
	store *harness.VictoriaLogs
	gw    *harness.Hypha
	agent *harness.Hypha
	w     *seqWriter
	first int // the first sequence number the agent must deliver

	storageDir string // the agent's file_storage
}

// newSeqRig starts the rig. include is the agent's glob inside the log
// folder; agentEnv and agentArgs are added to the agent's settings.
func newSeqRig(t *testing.T, include string, agentEnv, agentArgs []string) *seqRig {
	t.Helper()
	return newSeqRigWith(t, include, nil, agentEnv, agentArgs)
}

// newSeqRigWith is newSeqRig with settings for the gateway too.
func newSeqRigWith(t *testing.T, include string, gatewayEnv, agentEnv, agentArgs []string) *seqRig {
	t.Helper()
	bins := stackBinaries(t)
	dir := t.TempDir()
	logDir := filepath.Join(dir, "app-logs")
	if err := os.MkdirAll(logDir, 0o755); err != nil {
		t.Fatal(err)
	}
	r := &seqRig{w: &seqWriter{dir: logDir}}
	r.store, r.gw = startLogBackend(t, bins, dir, gatewayEnv...)
	if err := r.w.open(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.w.f.Close() })
	// One line before the agent starts: its first look starts at the end
	// (start_at: end), so this line is skipped and every later one is read.
	if err := r.w.write(1); err != nil {
		t.Fatal(err)
	}
	r.storageDir = filepath.Join(dir, "agent-storage")
	r.agent = startHypha(t, bins, dir, harness.HyphaOptions{Mode: "agent", Args: agentArgs, Env: append([]string{
		"HYPHA_GATEWAY_ENDPOINT=" + r.gw.OTLPGRPC,
		"HYPHA_LOG_INCLUDE=" + filepath.Join(logDir, include),
		"HYPHA_STORAGE_DIR=" + r.storageDir,
	}, agentEnv...)})
	waitForOutput(t, r.agent.Process, "Started watching file", 30*time.Second)
	r.first = r.w.next
	return r
}

// written is how many lines the agent must deliver.
func (r *seqRig) written() int { return r.w.next - r.first }

// waitStored waits until the store holds every written line. It first
// waits for as many records as lines, which is cheap to ask; duplicates
// (a batch sent again after a restart) can make that true while lines are
// still on their way, so it then waits until no sequence number is missing.
func (r *seqRig) waitStored(timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	if err := harness.Eventually(timeout, time.Second, func() error {
		n, err := r.store.Count(`service.name:="faulty"`)
		if err != nil {
			return err
		}
		if n < r.written() {
			return fmt.Errorf("%d of %d lines in the store", n, r.written())
		}
		return nil
	}); err != nil {
		return err
	}
	return harness.Eventually(time.Until(deadline), 2*time.Second, func() error {
		lost, _, _, err := r.tally()
		if err != nil {
			return err
		}
		if lost > 0 {
			return fmt.Errorf("%d of %d lines not in the store yet", lost, r.written())
		}
		return nil
	})
}

// count reads every stored line and returns how many sequence numbers are
// missing, how many extra copies there are, and how many records in all.
func (r *seqRig) count(t *testing.T) (lost, dups, stored int) {
	t.Helper()
	lost, dups, stored, err := r.tally()
	if err != nil {
		t.Fatal(err)
	}
	return lost, dups, stored
}

// tally is count without a test to fail.
func (r *seqRig) tally() (lost, dups, stored int, err error) {
	recs, err := r.store.Query(`service.name:="faulty" | fields _msg`)
	if err != nil {
		return 0, 0, 0, err
	}
	counts := map[int]int{}
	for _, rec := range recs {
		if m := seqPattern.FindStringSubmatch(rec["_msg"]); m != nil {
			n, _ := strconv.Atoi(m[1])
			counts[n]++
		}
	}
	for seq := r.first; seq < r.w.next; seq++ {
		switch c := counts[seq]; {
		case c == 0:
			lost++
		case c > 1:
			dups += c - 1
		}
	}
	return lost, dups, len(recs), nil
}

// metricSum adds up every sample of one of a collector's own metrics whose
// labels contain match ("" for all); -1 when there is none.
func metricSum(h *harness.Hypha, name, match string) float64 {
	body, err := harness.Get(h.MetricsURL)
	if err != nil {
		return -1
	}
	sum, found := 0.0, false
	for _, m := range regexp.MustCompile(`(?m)^`+regexp.QuoteMeta(name)+`(\{[^}]*\})? (\S+)$`).FindAllStringSubmatch(string(body), -1) {
		if !strings.Contains(m[1], match) {
			continue
		}
		v, err := strconv.ParseFloat(m[2], 64)
		if err == nil {
			sum, found = sum+v, true
		}
	}
	if !found {
		return -1
	}
	return sum
}
