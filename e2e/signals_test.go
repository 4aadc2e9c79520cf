// Copyright The Hypha Authors
// SPDX-License-Identifier: Apache-2.0

package e2e

import (
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"golang.org/x/net/http2"
	"golang.org/x/net/http2/hpack"
	"google.golang.org/grpc/codes"

	"github.com/hypha-obs/hypha/e2e/harness"
	"github.com/hypha-obs/hypha/internal/certs"
)

// Faults of the hosts Hypha runs on, and what an operator is told about
// them: each test reproduces one against the real binary and store.

// seqJSONLogs is an OTLP/JSON request of one service with n records whose
// bodies are "<service> <seq>", seq from first on.
func seqJSONLogs(service string, first, n int) []byte {
	now := strconv.FormatInt(time.Now().UnixNano(), 10)
	recs := make([]string, 0, n)
	for i := first; i < first+n; i++ {
		recs = append(recs, fmt.Sprintf(`{"timeUnixNano":"%s","body":{"stringValue":"%s %d"}}`, now, service, i))
	}
	return []byte(`{"resourceLogs":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"` + service +
		`"}}]},"scopeLogs":[{"logRecords":[` + strings.Join(recs, ",") + `]}]}]}`)
}

// storedSeqs counts, per sequence number, the records of a service that
// seqJSONLogs made and the store holds.
func storedSeqs(t *testing.T, store *harness.VictoriaLogs, service string) map[int]int {
	t.Helper()
	recs, err := store.Query(`service.name:="` + service + `" | fields _msg`)
	if err != nil {
		t.Fatal(err)
	}
	pattern := regexp.MustCompile(`^` + regexp.QuoteMeta(service) + ` (\d+)$`)
	counts := map[int]int{}
	for _, rec := range recs {
		if m := pattern.FindStringSubmatch(rec["_msg"]); m != nil {
			n, _ := strconv.Atoi(m[1])
			counts[n]++
		}
	}
	return counts
}

// mountTmpfs mounts a tmpfs of size MiB on dir until the test ends.
func mountTmpfs(t *testing.T, dir string, mib int) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("mounts a small tmpfs to fill a disk: needs root, as CI runs")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", fmt.Sprintf("size=%dm", mib), "tmpfs", dir).CombinedOutput(); err != nil {
		t.Skipf("cannot mount a tmpfs here: %v %s", err, out)
	}
	t.Cleanup(func() { _ = exec.Command("umount", "-l", dir).Run() })
}

// fillDisk writes a file in dir until the disk has no space left.
func fillDisk(t *testing.T, path string) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	chunk := make([]byte, 64<<10)
	for {
		if _, err := f.Write(chunk); err != nil {
			if !errors.Is(err, syscall.ENOSPC) {
				t.Fatal(err)
			}
			return
		}
	}
}

// TestAgentDiskFullRefusesOTLP: the disk of the agent's sending queue fills
// up while an app sends logs over OTLP. A record the agent answered 200 for
// must reach the store once there is space again; one it cannot keep must
// be refused with a retryable status, so that the sender keeps it.
func TestAgentDiskFullRefusesOTLP(t *testing.T) {
	bins := stackBinaries(t)
	dir := t.TempDir()
	storage := filepath.Join(dir, "agent-storage")
	mountTmpfs(t, storage, 96) // more than the 64 MiB reserve
	store, gw := startLogBackend(t, bins, dir)
	agent := startHypha(t, bins, dir, harness.HyphaOptions{Mode: "agent", Env: []string{
		"HYPHA_GATEWAY_ENDPOINT=" + gw.OTLPGRPC,
		"HYPHA_LOG_INCLUDE=" + filepath.Join(dir, "no-logs", "*.log"),
		"HYPHA_STORAGE_DIR=" + storage,
	}})
	fillDisk(t, filepath.Join(storage, "filler"))

	const service, requests, perRequest = "diskfull", 50, 100
	url := "http://" + agent.OTLPHTTP + "/v1/logs"
	var accepted, refused []int // first sequence number of each request
	for i := range requests {
		code, msg, err := postJSON(url, seqJSONLogs(service, i*perRequest, perRequest))
		switch {
		case err != nil:
			t.Fatal(err)
		case code == http.StatusOK:
			accepted = append(accepted, i*perRequest)
		case code == http.StatusServiceUnavailable || code == http.StatusTooManyRequests:
			refused = append(refused, i*perRequest)
		default:
			t.Fatalf("request %d: %d %q, want 200 or a retryable refusal", i, code, msg)
		}
	}
	counted := metricSum(agent, "otelcol_extension_hypha_disk_reserve_refused_requests", "")
	logged := strings.Count(agent.Tail(1<<20), "disk of the sending queue is nearly full")

	// Space again: the sender sends what was refused once more, as OTLP
	// senders do with 503.
	if err := os.Remove(filepath.Join(storage, "filler")); err != nil {
		t.Fatal(err)
	}
	for _, first := range refused {
		if err := harness.Eventually(15*time.Second, 500*time.Millisecond, func() error {
			code, msg, err := postJSON(url, seqJSONLogs(service, first, perRequest))
			if err == nil && code != http.StatusOK {
				err = fmt.Errorf("%d %s", code, msg)
			}
			return err
		}); err != nil {
			t.Fatalf("refused again with space free: %v", err)
		}
	}
	_ = harness.Eventually(30*time.Second, time.Second, func() error {
		if n, err := store.Count(`service.name:="` + service + `"`); err != nil || n < requests*perRequest {
			return fmt.Errorf("%d stored (%w)", n, err)
		}
		return nil
	})
	counts := storedSeqs(t, store, service)
	lost, dups := 0, 0
	for seq := range requests * perRequest {
		switch c := counts[seq]; {
		case c == 0:
			lost++
		case c > 1:
			dups += c - 1
		}
	}
	t.Logf("e2e: disk full: %d requests answered 200, %d refused; refusals counted %v, logged %d times; of %d records lost %d, duplicated %d",
		len(accepted), len(refused), counted, logged, requests*perRequest, lost, dups)
	if lost > 0 {
		t.Fatalf("%d of %d records lost\nagent:\n%s", lost, requests*perRequest, agent.Tail(3000))
	}
	if len(refused) == 0 || counted < float64(len(refused)) || logged != 1 {
		t.Errorf("a full disk must refuse, count and log once: %d refused, %v counted, logged %d times", len(refused), counted, logged)
	}
	if n := metricSum(agent, "otelcol_processor_hypha_ack_lost_log_records", ""); n != 0 {
		t.Errorf("the lost-records metric is %v, want 0", n)
	}
}

// TestGatewayTLSOffersAEADOnly: the gateway's TLS listeners take TLS 1.2
// with AEAD suites and TLS 1.3, and refuse CBC suites and older versions.
func TestGatewayTLSOffersAEADOnly(t *testing.T) {
	bins := stackBinaries(t)
	dir := t.TempDir()
	certDir := loopbackCerts(t, dir)
	cf := func(name string) string { return filepath.Join(certDir, name) }
	_, gw := startLogBackend(t, bins, dir,
		"HYPHA_TLS_CERT_FILE="+cf(certs.Files.Server),
		"HYPHA_TLS_KEY_FILE="+cf(certs.Files.ServerKey),
	)
	pool := x509.NewCertPool()
	caPEM, err := os.ReadFile(cf(certs.Files.CA))
	if err != nil {
		t.Fatal(err)
	}
	pool.AppendCertsFromPEM(caPEM)

	cases := []struct {
		name   string
		min    uint16
		max    uint16
		suites []uint16
		want   bool
	}{
		{"TLS 1.3", tls.VersionTLS13, tls.VersionTLS13, nil, true},
		{"TLS 1.2 ECDHE-ECDSA-AES128-GCM", tls.VersionTLS12, tls.VersionTLS12, []uint16{tls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256}, true},
		{"TLS 1.2 ECDHE-ECDSA-CHACHA20-POLY1305", tls.VersionTLS12, tls.VersionTLS12, []uint16{tls.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305}, true},
		{"TLS 1.2 ECDHE-ECDSA-AES128-CBC-SHA", tls.VersionTLS12, tls.VersionTLS12, []uint16{tls.TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA}, false},
		{"TLS 1.2 ECDHE-ECDSA-AES256-CBC-SHA", tls.VersionTLS12, tls.VersionTLS12, []uint16{tls.TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA}, false},
		{"TLS 1.1", tls.VersionTLS10, tls.VersionTLS11, nil, false},
	}
	for _, port := range []struct{ name, addr string }{{"OTLP/HTTP", gw.OTLPHTTP}, {"OTLP/gRPC", gw.OTLPGRPC}} {
		for _, c := range cases {
			conn, err := tls.Dial("tcp", port.addr, &tls.Config{
				RootCAs: pool, ServerName: "localhost", MinVersion: c.min, MaxVersion: c.max, CipherSuites: c.suites,
				NextProtos: []string{"h2"},
			})
			if err == nil {
				conn.Close()
			}
			t.Logf("e2e: %s, %s: handshake error %v", port.name, c.name, err)
			if (err == nil) != c.want {
				t.Errorf("%s, %s: handshake error %v, want accepted %v", port.name, c.name, err, c.want)
			}
		}
	}
}

// slowProxy forwards to a store after a delay, like a store that takes
// that long to answer. The target is set once the store runs.
type slowProxy struct {
	srv    *httptest.Server
	target atomic.Pointer[url.URL]
	delay  time.Duration
}

func newSlowProxy(t *testing.T, delay time.Duration) *slowProxy {
	t.Helper()
	p := &slowProxy{delay: delay}
	rp := &httputil.ReverseProxy{Rewrite: func(r *httputil.ProxyRequest) { r.SetURL(p.target.Load()) }}
	p.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if p.target.Load() == nil {
			http.Error(w, "no store yet", http.StatusServiceUnavailable)
			return
		}
		// The store takes the request at once and answers late: what a
		// store does that is slow to acknowledge.
		rec := httptest.NewRecorder()
		rp.ServeHTTP(rec, r)
		time.Sleep(p.delay)
		for k, v := range rec.Header() {
			w.Header()[k] = v
		}
		w.WriteHeader(rec.Code)
		_, _ = w.Write(rec.Body.Bytes())
	}))
	t.Cleanup(p.srv.Close)
	return p
}

// TestSlowStoreBoundedDuplicates: the store answers every request after
// 6 s, longer than an agent's export once waited (5 s). The agent must wait
// for the gateway's answer rather than send the lines again: no copies.
func TestSlowStoreBoundedDuplicates(t *testing.T) {
	proxy := newSlowProxy(t, 6*time.Second)
	r := newSeqRigWith(t, "*.log", []string{"HYPHA_LOKI_ENDPOINT=" + proxy.srv.URL + "/insert/opentelemetry"}, nil, nil)
	target, err := url.Parse(r.store.URL)
	if err != nil {
		t.Fatal(err)
	}
	proxy.target.Store(target)
	for range 4 {
		if err := r.w.write(500); err != nil {
			t.Fatal(err)
		}
	}
	err = r.waitStored(90 * time.Second)
	// Retries of a request the store took would still come in: watch a
	// while longer.
	time.Sleep(20 * time.Second)
	lost, dups, stored := r.count(t)
	failed := metricSum(r.gw, "otelcol_exporter_send_failed_log_records", "")
	dropping := strings.Count(r.gw.Tail(1<<20), "Dropping data")
	t.Logf("e2e: store answering in 6 s: lines written %d, stored %d, lost %d, duplicated %d; gateway send_failed %v, \"Dropping data\" lines %d",
		r.written(), stored, lost, dups, failed, dropping)
	if err != nil || lost > 0 {
		t.Fatalf("%d of %d lines lost (%v)", lost, r.written(), err)
	}
	if dups > 0 {
		t.Errorf("%d copies of %d lines: the agent gave up on requests the store took", dups, r.written())
	}
	if n := metricSum(r.agent, "otelcol_processor_hypha_ack_lost_log_records", ""); n != 0 {
		t.Errorf("the lost-records metric is %v, want 0", n)
	}
}

// TestAgentNamesItsHost: every record and span an agent sends carries
// host.name, the host's name, and host.id, its machine id where it has one.
func TestAgentNamesItsHost(t *testing.T) {
	bins := stackBinaries(t)
	dir := t.TempDir()
	jaeger, err := harness.StartJaeger(dir, bins.Jaeger)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { jaeger.Stop(10 * time.Second) })
	r := newSeqRigWith(t, "*.log", []string{"HYPHA_JAEGER_ENDPOINT=" + jaeger.OTLPGRPC}, nil, nil)
	host, err := os.Hostname()
	if err != nil {
		t.Fatal(err)
	}
	machineID := ""
	if b, err := os.ReadFile("/etc/machine-id"); err == nil {
		machineID = strings.TrimSpace(string(b))
	}

	if err := r.w.write(10); err != nil {
		t.Fatal(err)
	}
	agentURL := "http://" + r.agent.OTLPHTTP
	if code, msg, err := postJSON(agentURL+"/v1/logs", seqJSONLogs("hostcheck", 0, 10)); err != nil || code != http.StatusOK {
		t.Fatalf("OTLP logs: %d %q (%v)", code, msg, err)
	}
	const traceID = "5b8efff798038103d269b633813fc60c"
	now := time.Now().UnixNano()
	span := fmt.Sprintf(`{"resourceSpans":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"hostcheck"}}]},"scopeSpans":[{"spans":[{"traceId":"%s","spanId":"eee19b7ec3c1b174","name":"checkout","kind":2,"startTimeUnixNano":"%d","endTimeUnixNano":"%d"}]}]}]}`,
		traceID, now-int64(time.Millisecond), now)
	if code, msg, err := postJSON(agentURL+"/v1/traces", []byte(span)); err != nil || code != http.StatusOK {
		t.Fatalf("OTLP traces: %d %q (%v)", code, msg, err)
	}
	if err := r.waitStored(60 * time.Second); err != nil {
		t.Fatal(err)
	}
	for _, service := range []string{"faulty", "hostcheck"} {
		var all, named int
		err := harness.Eventually(30*time.Second, time.Second, func() error {
			var err error
			if all, err = r.store.Count(`service.name:="` + service + `"`); err != nil {
				return err
			}
			named, err = r.store.Count(`service.name:="` + service + `" host.name:="` + host + `"`)
			if err == nil && machineID != "" {
				var withID int
				withID, err = r.store.Count(`service.name:="` + service + `" host.name:="` + host + `" host.id:="` + machineID + `"`)
				named = min(named, withID)
			}
			if err == nil && (all < 10 || named != all) {
				err = fmt.Errorf("%d of %d %s records name the host", named, all, service)
			}
			return err
		})
		t.Logf("e2e: %s records: %d, of which %d name the host %q (and its id %q)", service, all, named, host, machineID)
		if err != nil {
			t.Error(err)
		}
	}
	var spans []harness.Span
	if err := harness.Eventually(30*time.Second, time.Second, func() error {
		spans, err = jaeger.Trace(traceID)
		if err == nil && len(spans) != 1 {
			err = fmt.Errorf("%d spans in Jaeger", len(spans))
		}
		return err
	}); err != nil {
		t.Fatal(err)
	}
	t.Logf("e2e: the span's resource: %v", spans[0].Process)
	if spans[0].Process["host.name"] != host || (machineID != "" && spans[0].Process["host.id"] != machineID) {
		t.Errorf("the span's resource %v does not name the host %q (id %q)", spans[0].Process, host, machineID)
	}
}

// TestDeadLettersOnAFullDisk: the gateway's dead-letter disk fills up. No
// line of the file may be cut short, the sender of a record that could not
// be written must get a retryable error, the file must be 0640, removing
// it must free its space, and the replay script must report every line it
// could not send.
func TestDeadLettersOnAFullDisk(t *testing.T) {
	bins := stackBinaries(t)
	dir := t.TempDir()
	dlDir := filepath.Join(dir, "dead-letter")
	mountTmpfs(t, dlDir, 4)
	store, gw := startLogBackend(t, bins, dir, "HYPHA_DEAD_LETTER_DIR="+dlDir)
	url := "http://" + gw.OTLPHTTP + "/v1/logs"
	long := `{"stringValue":"` + strings.Repeat("x", 300_000) + `"}` // past max_body_bytes: dead-lettered

	accepted, code := 0, 0
	for range 30 { // 9 MB against a 4 MiB disk
		c, msg, err := postJSON(url, jsonLogs(long))
		if err != nil {
			t.Fatal(err)
		}
		if code = c; c != http.StatusOK {
			t.Logf("e2e: dead-letter disk full: the sender got %d %.120q", c, msg)
			break
		}
		accepted++
	}
	file := gw.DeadLetterFile()
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(string(b), "\n"), "\n")
	whole := 0
	for _, l := range lines {
		if strings.HasSuffix(l, "}") && json.Valid([]byte(l)) {
			whole++
		}
	}
	info, _ := os.Stat(file)
	t.Logf("e2e: dead letters on a full disk: %d requests answered 200, the next %d; the file holds %d lines, %d whole, mode %v",
		accepted, code, len(lines), whole, info.Mode().Perm())
	if code == http.StatusOK || whole != len(lines) || whole != accepted || !strings.HasSuffix(string(b), "\n") {
		t.Errorf("want every accepted record whole in the file and a retryable refusal when it is full: %d accepted, %d lines, %d whole, last status %d", accepted, len(lines), whole, code)
	}
	if info.Mode().Perm() != 0o640 {
		t.Errorf("dead-letter file mode %v, want 0640", info.Mode().Perm())
	}

	// Removed by an operator: its space comes back and the next record
	// starts a new file.
	if err := os.Remove(file); err != nil {
		t.Fatal(err)
	}
	if c, msg, err := postJSON(url, jsonLogs(long)); err != nil || c != http.StatusOK {
		t.Fatalf("after the file was removed: %d %.120q (%v)", c, msg, err)
	}
	var st syscall.Statfs_t
	if err := syscall.Statfs(dlDir, &st); err != nil {
		t.Fatal(err)
	}
	used := (st.Blocks - st.Bfree) * uint64(st.Bsize)
	n, _ := os.ReadFile(file)
	t.Logf("e2e: after rm logs.jsonl and one more record: %d KiB used on the disk, the new file %d KiB", used>>10, len(n)>>10)
	if used > 1<<20 {
		t.Errorf("%d KiB still used after the file was removed: the gateway keeps it open", used>>10)
	}

	// Replay: two good requests around a broken line.
	checkDeadLetterReplay(t, dir, url, store)
}

// checkDeadLetterReplay replays a dead-letter file of two good requests
// around a broken line with deploy/replay-dead-letters.sh: the script
// names the broken line and keeps it aside, and the good ones are stored.
func checkDeadLetterReplay(t *testing.T, dir, url string, store *harness.VictoriaLogs) {
	t.Helper()
	replay := filepath.Join(dir, "replay.jsonl")
	good := func(i int) string { return string(seqJSONLogs("replayed", i, 1)) }
	if err := os.WriteFile(replay, []byte(good(0)+"\n"+good(1)[:40]+"\n"+good(2)+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("sh", "../deploy/replay-dead-letters.sh", url, replay)
	out, err := cmd.CombinedOutput()
	t.Logf("e2e: replay: %v\n%s", err, out)
	if err == nil || !strings.Contains(string(out), replay+":2:") || strings.Contains(string(out), replay+":1:") {
		t.Errorf("the replay must fail and name line 2, and only it")
	}
	if failed, _ := os.ReadFile(replay + ".failed"); string(failed) != good(1)[:40]+"\n" {
		t.Errorf("replay.jsonl.failed holds %q, want the broken line", failed)
	}
	if err := harness.Eventually(30*time.Second, time.Second, func() error {
		if n, err := store.Count(`service.name:="replayed"`); err != nil || n != 2 {
			return fmt.Errorf("%d of 2 replayed records stored (%w)", n, err)
		}
		return nil
	}); err != nil {
		t.Error(err)
	}
}

// TestTimesOutsideTheStoresWindow: a record 10 days old and one 3 days
// ahead, sent beside a good one. The store (VictoriaLogs: 7 days back, 2
// ahead; Loki: a week back, 10 minutes ahead) drops or refuses them; the
// gateway's rule stores each at the time it was observed, its own time in
// hypha.original_time, and dead-letters none.
func TestTimesOutsideTheStoresWindow(t *testing.T) {
	bins := stackBinaries(t)
	dir := t.TempDir()
	store, gw := startLogBackend(t, bins, dir)
	now := time.Now()
	rec := func(at time.Time, body string) string {
		return fmt.Sprintf(`{"timeUnixNano":"%d","observedTimeUnixNano":"%d","body":{"stringValue":"%s"}}`, at.UnixNano(), now.UnixNano(), body)
	}
	req := `{"resourceLogs":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"window"}}]},"scopeLogs":[{"logRecords":[` +
		rec(now.Add(-10*24*time.Hour), "ten days old") + "," + rec(now.Add(72*time.Hour), "three days ahead") + "," + rec(now, "now") + `]}]}]}`
	if code, msg, err := postJSON("http://"+gw.OTLPHTTP+"/v1/logs", []byte(req)); err != nil || code != http.StatusOK {
		t.Fatalf("%d %q (%v)", code, msg, err)
	}
	var recs []harness.LogRecord
	_ = harness.Eventually(20*time.Second, time.Second, func() error {
		var err error
		recs, err = store.Query(`service.name:="window"`)
		if err == nil && len(recs) != 3 {
			err = fmt.Errorf("%d of 3 stored", len(recs))
		}
		return err
	})
	retimed := metricSum(gw, "otelcol_connector_hypha_dead_letter_retimed_log_records", "")
	t.Logf("e2e: times outside the store's window: %d of 3 stored, %d dead letters, retimed counted %v", len(recs), len(deadLetters(t, gw)), retimed)
	for _, r := range recs {
		t.Logf("e2e:   %q at %s, hypha.original_time %q", r["_msg"], r["_time"], r["hypha.original_time"])
	}
	if len(recs) != 3 || len(deadLetters(t, gw)) != 0 {
		t.Fatalf("want all 3 records stored and none dead-lettered")
	}
	for _, r := range recs {
		if (r["_msg"] != "now") != (r["hypha.original_time"] != "") {
			t.Errorf("%q: hypha.original_time %q", r["_msg"], r["hypha.original_time"])
		}
	}
	if retimed != 2 {
		t.Errorf("retimed records counted %v, want 2", retimed)
	}
}

// rapidReset opens one HTTP/2 connection to a gRPC port and, for d, opens
// streams and resets them at once (CVE-2023-44487). It returns how many
// streams it wrote (the socket takes some the server has not read yet) and
// whether the server sent GOAWAY.
func rapidReset(t *testing.T, addr string, d time.Duration) (streams int, goAway bool) {
	t.Helper()
	conn, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.Write([]byte(http2.ClientPreface)); err != nil {
		t.Fatal(err)
	}
	fr := http2.NewFramer(conn, conn)
	if err := fr.WriteSettings(); err != nil {
		t.Fatal(err)
	}
	var away atomic.Bool
	go func() { // read everything the server sends, so that it never blocks
		rf := http2.NewFramer(io.Discard, conn)
		for {
			f, err := rf.ReadFrame()
			if err != nil {
				return
			}
			if _, ok := f.(*http2.GoAwayFrame); ok {
				away.Store(true)
			}
		}
	}()
	var hb bytes.Buffer
	enc := hpack.NewEncoder(&hb)
	for _, f := range [][2]string{
		{":method", "POST"},
		{":scheme", "http"},
		{":authority", addr},
		{":path", "/opentelemetry.proto.collector.logs.v1.LogsService/Export"},
		{"content-type", "application/grpc"},
		{"te", "trailers"},
	} {
		_ = enc.WriteField(hpack.HeaderField{Name: f[0], Value: f[1]})
	}
	block := hb.Bytes()
	deadline := time.Now().Add(d)
	_ = conn.SetWriteDeadline(deadline.Add(2 * time.Second))
	for id := uint32(1); time.Now().Before(deadline) && !away.Load(); id += 2 {
		if fr.WriteHeaders(http2.HeadersFrameParam{StreamID: id, BlockFragment: block, EndHeaders: true}) != nil ||
			fr.WriteRSTStream(id, http2.ErrCodeCancel) != nil {
			break
		}
		streams++
	}
	time.Sleep(200 * time.Millisecond) // a GOAWAY on its way
	return streams, away.Load()
}

// TestRapidResetBounded: one client opens and resets HTTP/2 streams on the
// gateway's gRPC port, without a token, for 6 s; an agent's request meanwhile
// must still be answered quickly, and the gateway's memory stay bounded.
func TestRapidResetBounded(t *testing.T) {
	bins := stackBinaries(t)
	dir := t.TempDir()
	_, gw := startLogBackend(t, bins, dir, "HYPHA_AUTH_TOKEN="+testToken)
	if got := grpcExport(t, gw.OTLPGRPC, testToken); got != codes.OK {
		t.Fatalf("before: %v", got)
	}
	type result struct {
		streams int
		away    bool
	}
	cpuBefore := cpuSeconds(t, gw.PID())
	done := make(chan result, 1)
	go func() {
		s, a := rapidReset(t, gw.OTLPGRPC, 6*time.Second)
		done <- result{s, a}
	}()
	time.Sleep(time.Second) // the attack under way
	var worst time.Duration
	for range 8 {
		start := time.Now()
		if got := grpcExport(t, gw.OTLPGRPC, testToken); got != codes.OK {
			t.Errorf("an agent's request during the attack: %v", got)
		}
		worst = max(worst, time.Since(start))
		time.Sleep(300 * time.Millisecond)
	}
	r := <-done
	cpu := cpuSeconds(t, gw.PID()) - cpuBefore
	peak := peakRSSMiB(t, gw.PID())
	t.Logf("e2e: rapid reset for 6 s on one connection: %d streams opened and reset, GOAWAY %v; the gateway spent %.1f s of CPU; an agent's request took at worst %v; gateway peak RSS %d MiB",
		r.streams, r.away, cpu, worst.Round(time.Millisecond), peak)
	if cpu > 1 || worst > 50*time.Millisecond || peak > 300 {
		t.Errorf("one connection must not take the gateway's CPU (%.1f s in 6 s), slow an agent's request past 50 ms (%v) nor grow it past 300 MiB (%d MiB)", cpu, worst, peak)
	}
}

// cpuSeconds is the user and system CPU a process has used.
func cpuSeconds(t *testing.T, pid int) float64 {
	t.Helper()
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		t.Fatal(err)
	}
	// The fields after the command name, which is in parentheses.
	f := strings.Fields(string(b[bytes.LastIndexByte(b, ')')+2:]))
	utime, _ := strconv.ParseFloat(f[11], 64)
	stime, _ := strconv.ParseFloat(f[12], 64)
	return (utime + stime) / 100 // USER_HZ
}

// TestStoreOutageTellsTheTruth: the store goes away for a few seconds while
// lines flow. The agents keep and resend what the gateway hands back, so
// no line is lost, and no log line may say that data was dropped.
func TestStoreOutageTellsTheTruth(t *testing.T) {
	r := newSeqRig(t, "*.log", nil, nil)
	for range 4 {
		if err := r.w.write(250); err != nil {
			t.Fatal(err)
		}
	}
	r.store.Stop(10 * time.Second)
	for range 8 {
		if err := r.w.write(250); err != nil {
			t.Fatal(err)
		}
		time.Sleep(500 * time.Millisecond)
	}
	if err := r.store.Restart(); err != nil {
		t.Fatal(err)
	}
	err := r.waitStored(90 * time.Second)
	lost, dups, _ := r.count(t)
	var dropping, rejecting int
	for _, line := range strings.Split(r.gw.Tail(8<<20)+r.agent.Tail(8<<20), "\n") {
		switch {
		case strings.Contains(line, "Dropping data"):
			dropping++
		case strings.Contains(line, "Rejecting data"):
			rejecting++
		}
	}
	lostMetric := metricSum(r.agent, "otelcol_processor_hypha_ack_lost_log_records", "")
	t.Logf("e2e: store away for 4 s: lines written %d, lost %d, duplicated %d; \"Dropping data\" lines %d, \"Rejecting data\" lines %d; agent's lost-records metric %v",
		r.written(), lost, dups, dropping, rejecting, lostMetric)
	if err != nil || lost > 0 {
		t.Fatalf("%d of %d lines lost (%v)", lost, r.written(), err)
	}
	if dropping > 0 {
		t.Errorf("%d lines say data was dropped; none was", dropping)
	}
	if lostMetric != 0 {
		t.Errorf("the lost-records metric is %v, want 0", lostMetric)
	}
	// A clean stop, with everything delivered, logs no error.
	r.agent.Stop(15 * time.Second)
	errs := errorLines(r.agent.Tail(8 << 20))
	t.Logf("e2e: error lines from the agent in all, clean stop included: %d", len(errs))
	if len(errs) > 0 {
		t.Errorf("the agent logged errors where nothing was lost:\n%s", strings.Join(errs, "\n"))
	}
}

// TestStallReportedWhileAnAppWritesSteadily: the gateway goes away while an
// app writes a few lines at a time; the agent must say so within a minute.
// Before, it said nothing: the reader waited in its checkpoint, after 40
// lines, where hypha_stall_report does not look.
func TestStallReportedWhileAnAppWritesSteadily(t *testing.T) {
	r := newSeqRig(t, "*.log", nil, nil)
	r.gw.Stop(10 * time.Second)
	start := time.Now()
	// hypha_stall_report sees a wait inside the pipeline; hypha_ack, last
	// in it, the batches the gateway has not answered while the reader
	// waits in its checkpoint.
	const stallMessage, ackWaitMessage = "stopped accepting data", "The gateway has not acknowledged"
	reported := time.Duration(0)
	for time.Since(start) < 60*time.Second {
		if err := r.w.write(20); err != nil {
			t.Fatal(err)
		}
		if out := r.agent.Tail(1 << 20); strings.Contains(out, stallMessage) || strings.Contains(out, ackWaitMessage) {
			reported = time.Since(start)
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Logf("e2e: gateway away, 200 lines a second: the stall was reported after %v (0: not within 60 s)", reported.Round(time.Second))
	if reported == 0 {
		t.Errorf("no stall reported in 60 s\nagent:\n%s", r.agent.Tail(2000))
	}
	if err := r.gw.Restart(); err != nil {
		t.Fatal(err)
	}
	err := r.waitStored(120 * time.Second)
	lost, dups, _ := r.count(t)
	t.Logf("e2e: after the gateway came back: lines written %d, lost %d, duplicated %d", r.written(), lost, dups)
	if err != nil || lost > 0 {
		t.Fatalf("%d of %d lines lost (%v)", lost, r.written(), err)
	}
}

// errorLines returns the lines a collector logged at error.
func errorLines(log string) []string {
	var errs []string
	for line := range strings.SplitSeq(log, "\n") {
		if strings.Contains(line, "\terror\t") {
			errs = append(errs, line)
		}
	}
	return errs
}
