// Copyright The Hypha Authors
// SPDX-License-Identifier: Apache-2.0

package e2e

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hypha-obs/hypha/e2e/harness"
)

// TestBadInput feeds the agent the files real hosts have: huge lines,
// binary garbage, broken JSON, files that vanish or shrink, a folder that
// appears later and a file it may not read. The agent must keep running,
// deliver every line that can be delivered and log each problem once.
func TestBadInput(t *testing.T) {
	bins := stackBinaries(t)
	dir := t.TempDir()
	logDir := filepath.Join(dir, "logs")
	laterDir := filepath.Join(dir, "created-later")
	storage := filepath.Join(dir, "agent-storage")
	for _, d := range []string{logDir, storage} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	store, gw := startLogBackend(t, bins, dir)
	wrapper := unprivilegedWrapper(t, dir, storage)
	// A file present at the agent's first look is read from its end
	// (start_at: end); once the agent watches it, every new file is read
	// from its start.
	if err := os.WriteFile(filepath.Join(logDir, "present.log"), []byte(`{"msg":"before the agent"}`+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	agent := startHypha(t, bins, dir, harness.HyphaOptions{Mode: "agent", Wrapper: wrapper, Env: []string{
		"HYPHA_GATEWAY_ENDPOINT=" + gw.OTLPGRPC,
		"HYPHA_LOG_INCLUDE=[" + filepath.Join(logDir, "*.log") + ", " + filepath.Join(laterDir, "*.log") + "]",
		"HYPHA_STORAGE_DIR=" + storage,
		"HYPHA_SERVICE_NAME=bad-input",
	}})
	waitForOutput(t, agent.Process, "present.log", 30*time.Second)

	for _, c := range badInputCases {
		writeLogFile(t, logDir, c.name+".log", append(c.bad, markerLine(c.marker)...), 0o644)
	}
	writeLogFile(t, laterDir, "app.log", []byte(markerLine("markerlaterdir")), 0o644)
	writeLogFile(t, logDir, "unreadable.log", []byte(markerLine("markerunreadable")), 0o000)
	deleteAndTruncateWhileRead(t, agent, logDir)

	markers := []string{"markerlaterdir", "markeraftertruncate"}
	for _, c := range badInputCases {
		markers = append(markers, c.marker)
	}
	for _, m := range markers {
		if err := harness.Eventually(60*time.Second, 500*time.Millisecond, func() error {
			n, err := store.Count(m)
			if err != nil {
				return err
			}
			if n == 0 {
				return fmt.Errorf("%s has not arrived", m)
			}
			return nil
		}); err != nil {
			t.Errorf("%v\nagent:\n%s", err, agent.Tail(3000))
		}
	}
	if n, err := store.Count("markerunreadable"); err != nil || n != 0 {
		t.Errorf("the unreadable file was read (%d, %v)", n, err)
	}
	// The huge line arrives in pieces of at most the receiver's
	// max_log_size (HYPHA_MAX_LINE_BYTES, 256 KiB); its start is delivered.
	if n, err := store.Count(`"huge"`); err != nil || n == 0 {
		t.Errorf("no piece of the 1.5 MiB line arrived (%d, %v)", n, err)
	}
	checkAgentSurvivedBadInput(t, agent)
}

// badInputCases: every file ends with a well-formed line carrying a marker
// that must arrive; what comes before it is the bad input.
var badInputCases = []struct {
	name, marker string
	bad          []byte
}{
	{"huge-line", "markerhuge", []byte(`{"msg":"huge","pad":"` + strings.Repeat("x", 1536<<10) + `"}` + "\n")},
	{"nul-and-binary", "markerbinary", append([]byte("\x00\x00\x01\x02\xff\xfe\x00binary\x00"), '\n')},
	{"invalid-utf8", "markerutf8", []byte("{\"msg\":\"bad \xc3\x28 \xa0\xa1 \xf0\x28\x8c\xbc\",\"trace_id\":\"4bf92f3577b34da6a3ce929d0e0e4736\"}\n")},
	{"truncated-json", "markertruncated", []byte(`{"level":50,"msg":"cut off","trace_id":"4bf92f35` + "\n")},
	{"deep-json", "markerdeep", []byte(`{"a":` + strings.Repeat("[", 10000) + strings.Repeat("]", 10000) + `,"trace_id":"4bf92f3577b34da6a3ce929d0e0e4736"}` + "\n")},
	{"long-key", "markerlongkey", []byte(`{"` + strings.Repeat("k", 100000) + `":1,"msg":"long key"}` + "\n")},
}

// markerLine is a pino line whose message is marker, timed now.
func markerLine(marker string) string {
	return fmt.Sprintf(`{"level":30,"time":%d,"msg":"%s"}`+"\n", time.Now().UnixMilli(), marker)
}

// writeLogFile writes dir/name with the mode given, making dir if needed.
func writeLogFile(t *testing.T, dir, name string, content []byte, mode os.FileMode) {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, name), content, mode); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(filepath.Join(dir, name), mode); err != nil {
		t.Fatal(err)
	}
}

// unprivilegedWrapper runs the agent as nobody when the test runs as root,
// where every file is readable, the way a packaged agent runs as its own
// user; it opens dir and storage to nobody.
func unprivilegedWrapper(t *testing.T, dir, storage string) []string {
	t.Helper()
	if os.Geteuid() != 0 {
		return nil
	}
	setpriv, err := exec.LookPath("setpriv")
	if err != nil {
		t.Fatalf("running as root needs setpriv to drop to an unprivileged user: %v", err)
	}
	// t.TempDir's folders are private to root; nobody must reach them.
	for _, d := range []string{filepath.Dir(dir), dir} {
		if err := os.Chmod(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Chown(storage, 65534, 65534); err != nil {
		t.Fatal(err)
	}
	return []string{setpriv, "--reuid=65534", "--regid=65534", "--clear-groups"}
}

// deleteAndTruncateWhileRead writes two large files, and once the agent
// reads them deletes one and truncates the other, then writes the marker
// markeraftertruncate to it.
func deleteAndTruncateWhileRead(t *testing.T, agent *harness.Hypha, logDir string) {
	t.Helper()
	bulk := func(name string) []byte {
		var b bytes.Buffer
		for i := range 50000 {
			fmt.Fprintf(&b, `{"level":30,"msg":"%s bulk line %d"}`+"\n", name, i)
		}
		return b.Bytes()
	}
	writeLogFile(t, logDir, "deleted.log", bulk("deleted"), 0o644)
	writeLogFile(t, logDir, "truncated.log", bulk("truncated"), 0o644)
	waitForOutput(t, agent.Process, "truncated.log", 30*time.Second)
	if err := os.Remove(filepath.Join(logDir, "deleted.log")); err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(filepath.Join(logDir, "truncated.log"), 0); err != nil {
		t.Fatal(err)
	}
	f, err := os.OpenFile(filepath.Join(logDir, "truncated.log"), os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = f.WriteString(markerLine("markeraftertruncate"))
	f.Close()
}

// checkAgentSurvivedBadInput: the agent still runs and is healthy, and
// logged each problem once, not once per line or per poll.
func checkAgentSurvivedBadInput(t *testing.T, agent *harness.Hypha) {
	t.Helper()
	if exited, err := agent.Exited(); exited {
		t.Fatalf("the agent died: %v\n%s", err, agent.Tail(4000))
	}
	if _, err := harness.Get(agent.HealthURL); err != nil {
		t.Errorf("agent health after bad input: %v", err)
	}
	out := agent.Tail(8 << 20)
	if n := strings.Count(out, "Failed to open file"); n != 1 {
		t.Errorf("the unreadable file was reported %d times, want once", n)
	}
	for _, l := range strings.Split(out, "\n") {
		if strings.Contains(l, "\terror\t") || strings.Contains(l, "\twarn\t") {
			t.Logf("e2e: agent said: %.200s", l)
		}
	}
	if n := strings.Count(out, "\terror\t"); n > 5 {
		t.Errorf("the agent logged %d errors for 9 bad inputs; want each at most once:\n%s", n, out)
	}
}
