// Copyright The Hypha Authors
// SPDX-License-Identifier: Apache-2.0

package e2e

import (
	"bufio"
	"bytes"
	"crypto/rand"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/collector/pdata/plog/plogotlp"

	"github.com/hypha-obs/hypha/e2e/harness"
)

// The faults a hostile but fair tester would try: each test reproduces
// one, and checks that nothing is lost and nothing opens up.

// TestTokenMismatchLosesNothing: an agent without the gateway's token, then
// with a wrong one, keeps every line queued and says so; once it has the
// right token every line arrives.
func TestTokenMismatchLosesNothing(t *testing.T) {
	r := newSeqRigWith(t, "*.log", []string{"HYPHA_AUTH_TOKEN=" + testToken}, nil, nil)
	const refusal = "refused this collector's credentials"

	for phase, token := range []string{"", wrongToken} {
		if token != "" {
			r.agent.Stop(15 * time.Second)
			r.agent.Setenv("HYPHA_AUTH_TOKEN=" + token)
			if err := r.agent.Restart(); err != nil {
				t.Fatal(err)
			}
		}
		for range 3 {
			if err := r.w.write(100); err != nil {
				t.Fatal(err)
			}
		}
		if err := harness.Eventually(30*time.Second, 500*time.Millisecond, func() error {
			if n := strings.Count(r.agent.Tail(1<<20), refusal); n < phase+1 {
				return fmt.Errorf("%d refusals logged", n)
			}
			if metricSum(r.agent, "otelcol_extension_hypha_auth_retry_refusals", "") <= 0 {
				return fmt.Errorf("no refusal counted")
			}
			return nil
		}); err != nil {
			t.Fatalf("phase %d: the refusal was not reported: %v\nagent:\n%s", phase, err, r.agent.Tail(3000))
		}
	}
	if n, _ := r.store.Count(`service.name:="faulty"`); n != 0 {
		t.Fatalf("%d lines stored without the right token", n)
	}
	for _, line := range strings.Split(r.agent.Tail(1<<20), "\n") {
		// At shutdown the exporter says "Dropping data" for the request in
		// flight, which the disk queue keeps for the next start.
		if strings.Contains(line, "Dropping data") && !strings.Contains(line, "interrupted due to shutdown") {
			t.Fatalf("the agent dropped data: %.600s", line)
		}
	}

	r.agent.Stop(15 * time.Second)
	r.agent.Setenv("HYPHA_AUTH_TOKEN=" + testToken)
	if err := r.agent.Restart(); err != nil {
		t.Fatal(err)
	}
	err := r.waitStored(60 * time.Second)
	lost, dups, _ := r.count(t)
	t.Logf("e2e: no token, then a wrong one, then the right one: lines written %d, lost %d, duplicated %d", r.written(), lost, dups)
	if err != nil || lost > 0 {
		t.Fatalf("%d of %d lines lost (%v)\nagent:\n%s", lost, r.written(), err, r.agent.Tail(3000))
	}
}

// TestDamagedStorageRecovers damages the agent's storage while it is down,
// with lines read but not yet acknowledged: the agent must start, say what
// it moved aside, read its files again and deliver every line.
func TestDamagedStorageRecovers(t *testing.T) {
	damage := []struct {
		name  string
		glob  string // the file to damage, in the storage folder
		apply func(path string) error
	}{
		{"queue truncated to half", "exporter_*_logs", truncateHalf},
		{"checkpoints cut after their meta pages", "receiver_*", truncateToMeta},
		{"queue overwritten with random bytes", "exporter_*_logs", randomBytes},
		{"checkpoints overwritten with random bytes", "receiver_*", randomBytes},
	}
	for _, d := range damage {
		t.Run(d.name, func(t *testing.T) {
			r := newSeqRig(t, "*.log", nil, nil)
			// Some lines delivered, so that offsets are saved; then the
			// gateway goes away and the next lines wait in their file,
			// read but not acknowledged. The OTLP disk queue is there,
			// empty: only what apps send over OTLP goes to it.
			if err := r.w.write(100); err != nil {
				t.Fatal(err)
			}
			if err := r.waitStored(60 * time.Second); err != nil {
				t.Fatal(err)
			}
			r.gw.Stop(10 * time.Second)
			for range 5 {
				if err := r.w.write(100); err != nil {
					t.Fatal(err)
				}
			}
			if err := harness.Eventually(30*time.Second, 200*time.Millisecond, func() error {
				if n := metricSum(r.agent, "otelcol_receiver_accepted_log_records", "file_log"); n < 600 {
					return fmt.Errorf("%v of 600 lines read", n)
				}
				return nil
			}); err != nil {
				t.Fatal(err)
			}
			r.agent.Kill()
			files, _ := filepath.Glob(filepath.Join(r.storageDir, d.glob))
			if len(files) != 1 {
				t.Fatalf("storage files matching %s: %v", d.glob, files)
			}
			if err := d.apply(files[0]); err != nil {
				t.Fatal(err)
			}

			if err := r.agent.Restart(); err != nil {
				t.Fatalf("the agent does not start on damaged storage: %v\n%s", err, r.agent.Tail(3000))
			}
			if err := r.w.write(100); err != nil {
				t.Fatal(err)
			}
			if err := r.gw.Restart(); err != nil {
				t.Fatal(err)
			}
			err := r.waitStored(90 * time.Second)
			lost, dups, _ := r.count(t)
			t.Logf("e2e: %s: lines written %d, lost %d, duplicated %d", d.name, r.written(), lost, dups)
			if err != nil || lost > 0 {
				t.Fatalf("%d of %d lines lost (%v)\nagent:\n%s", lost, r.written(), err, r.agent.Tail(4000))
			}
			aside, _ := filepath.Glob(files[0] + ".damaged-*")
			if len(aside) != 1 || !strings.Contains(r.agent.Tail(1<<20), "moved aside") {
				t.Errorf("the damaged file was not moved aside and logged: %v", aside)
			}
		})
	}
}

func randomBytes(path string) error {
	b := make([]byte, 256<<10)
	_, _ = rand.Read(b)
	return os.WriteFile(path, b, 0o600)
}

func truncateHalf(path string) error {
	info, err := os.Stat(path)
	if err != nil {
		return err
	}
	return os.Truncate(path, info.Size()/2)
}

// truncateToMeta keeps only a bbolt file's two meta pages. Half of the
// checkpoints' file may still hold every page in use (bbolt grows its file
// ahead of its data, and with 4 KiB fingerprints it grows further), and
// such a file is rightly not moved aside; without the pages after the meta
// ones the file is always damaged.
func truncateToMeta(path string) error {
	return os.Truncate(path, int64(2*os.Getpagesize()))
}

// deepBody is an OTLP/JSON log record whose body nests levels of maps.
func deepBody(levels int) string {
	var b strings.Builder
	for range levels {
		b.WriteString(`{"kvlistValue":{"values":[{"key":"k","value":`)
	}
	b.WriteString(`{"stringValue":"leaf"}`)
	for range levels {
		b.WriteString(`}]}}`)
	}
	return b.String()
}

// jsonLogs is an OTLP/JSON request of service "deep" with one record per
// body, each with a message naming it.
func jsonLogs(bodies ...string) []byte {
	var recs []string
	now := strconv.FormatInt(time.Now().UnixNano(), 10)
	for _, body := range bodies {
		recs = append(recs, `{"timeUnixNano":"`+now+`","body":`+body+`}`)
	}
	return []byte(`{"resourceLogs":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"deep"}}]},"scopeLogs":[{"logRecords":[` + strings.Join(recs, ",") + `]}]}]}`)
}

func postJSON(url string, body []byte) (int, string, error) {
	resp, err := http.Post(url, "application/json", bytes.NewReader(body))
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	var msg bytes.Buffer
	_, _ = msg.ReadFrom(resp.Body)
	return resp.StatusCode, msg.String(), nil
}

// TestDeepJSONRefused: OTLP/JSON nested deeper than protobuf decoding
// allows is refused with 400 by the agent and the gateway, before anything
// is accepted; at the limit it goes all the way to the store.
func TestDeepJSONRefused(t *testing.T) {
	r := newSeqRig(t, "*.log", nil, nil)
	agentURL := "http://" + r.agent.OTLPHTTP + "/v1/logs"
	shallow := `{"stringValue":"next to a deep one"}`

	// One record too deep, beside an ordinary one: before, both were
	// accepted with 200 and then never arrived.
	code, msg, err := postJSON(agentURL, jsonLogs(shallow, deepBody(34)))
	if err != nil || code != http.StatusBadRequest {
		t.Fatalf("agent, 34 levels: %d %q (%v), want 400", code, msg, err)
	}
	t.Logf("e2e: agent, 34 levels of maps: %d %s", code, strings.TrimSpace(msg))
	// At the limit: accepted and stored, through the disk queue and the
	// gateway, both of which decode protobuf.
	if code, msg, err := postJSON(agentURL, jsonLogs(shallow, deepBody(33))); err != nil || code != http.StatusOK {
		t.Fatalf("agent, 33 levels: %d %q (%v), want 200", code, msg, err)
	}
	if err := harness.Eventually(30*time.Second, time.Second, func() error {
		n, err := r.store.Count(`service.name:="deep"`)
		if err == nil && n != 2 {
			err = fmt.Errorf("%d of 2 records stored", n)
		}
		return err
	}); err != nil {
		t.Fatal(err)
	}

	// The gateway, 100 000 levels in a 4.9 MB request: refused at once, and
	// its memory stays small.
	huge := jsonLogs(deepBody(100_000))
	start := time.Now()
	code, _, err = postJSON("http://"+r.gw.OTLPHTTP+"/v1/logs", huge)
	took := time.Since(start)
	peak := peakRSSMiB(t, r.gw.PID())
	t.Logf("e2e: gateway, 100 000 levels (%.1f MB): %d in %v, gateway peak RSS %d MiB", float64(len(huge))/1e6, code, took.Round(time.Millisecond), peak)
	if err != nil || code != http.StatusBadRequest {
		t.Fatalf("gateway, 100 000 levels: %d (%v), want 400", code, err)
	}
	if peak > 300 {
		t.Errorf("gateway peak RSS %d MiB after a refused request", peak)
	}
	if n, _ := r.store.Count(`service.name:="deep"`); n != 2 {
		t.Errorf("the store holds %d records of service deep, want the 2 accepted ones", n)
	}
}

// peakRSSMiB is a process's peak resident memory (VmHWM).
func peakRSSMiB(t *testing.T, pid int) int {
	t.Helper()
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "VmHWM:"); ok {
			kb, _ := strconv.Atoi(strings.TrimSuffix(strings.TrimSpace(v), " kB"))
			return kb / 1024
		}
	}
	return -1
}

// deadLetters reads a gateway's dead-letter file: the bodies of its
// records, in order.
func deadLetters(t *testing.T, gw *harness.Hypha) []string {
	t.Helper()
	f, err := os.Open(gw.DeadLetterFile())
	if os.IsNotExist(err) {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var bodies []string
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 64<<20)
	for sc.Scan() {
		req := plogotlp.NewExportRequest()
		if err := req.UnmarshalJSON(sc.Bytes()); err != nil {
			t.Fatalf("dead-letter line: %v", err)
		}
		for _, rl := range req.Logs().ResourceLogs().All() {
			for _, sl := range rl.ScopeLogs().All() {
				for _, lr := range sl.LogRecords().All() {
					bodies = append(bodies, lr.Body().Str())
				}
			}
		}
	}
	return bodies
}

// TestStoreRefusalsDeadLettered: a body longer than the store takes, and a
// request the store refuses for good, end in the gateway's dead-letter
// file, counted and logged, instead of being dropped.
func TestStoreRefusalsDeadLettered(t *testing.T) {
	bins := stackBinaries(t)
	dir := t.TempDir()
	store, gw := startLogBackend(t, bins, dir)
	url := "http://" + gw.OTLPHTTP + "/v1/logs"

	long := strings.Repeat("a line longer than Loki's max_line_size ", 7000) // 287 000 bytes
	at := `{"stringValue":"` + long[:262144] + `"}`
	code, msg, err := postJSON(url, jsonLogs(`{"stringValue":"short"}`, `{"stringValue":"`+long+`"}`, at))
	if err != nil || code != http.StatusOK {
		t.Fatalf("%d %q (%v)", code, msg, err)
	}
	if err := harness.Eventually(30*time.Second, time.Second, func() error {
		n, err := store.Count(`service.name:="deep"`)
		if err == nil && n != 2 {
			err = fmt.Errorf("%d of 2 records stored", n)
		}
		return err
	}); err != nil {
		t.Fatalf("the short record and the one at the limit must be stored: %v", err)
	}
	if got := deadLetters(t, gw); len(got) != 1 || got[0] != long {
		t.Fatalf("dead letters: %d records, want the one long record", len(got))
	}

	// A store that refuses everything (here a wrong path: 400 or 404, which
	// the exporter takes as permanent).
	gw.Stop(10 * time.Second)
	gw.Setenv("HYPHA_LOKI_ENDPOINT=" + store.URL + "/no-such-path")
	if err := gw.Restart(); err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		if code, msg, err := postJSON(url, jsonLogs(fmt.Sprintf(`{"stringValue":"refused %d"}`, i))); err != nil || code != http.StatusOK {
			t.Fatalf("refused by the store: the sender got %d %q (%v), want 200 once dead-lettered", code, msg, err)
		}
	}
	if err := harness.Eventually(10*time.Second, 200*time.Millisecond, func() error {
		if got := deadLetters(t, gw); len(got) != 4 {
			return fmt.Errorf("%d dead letters", len(got))
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	refused := metricSum(gw, "otelcol_connector_hypha_dead_letter_log_records", `reason="refused"`)
	logged := 0
	for _, line := range strings.Split(gw.Tail(1<<20), "\n") {
		if strings.Contains(line, "written to the dead letters") && strings.Contains(line, `"reason": "refused"`) {
			logged++
		}
	}
	t.Logf("e2e: dead letters: 1 too long, %v refused; the refusal logged %d times", refused, logged)
	if refused != 3 || logged != 1 {
		t.Errorf("refused records counted %v (want 3), the refusal logged %d times (want once)", refused, logged)
	}
}
