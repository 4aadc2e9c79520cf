// Copyright The Hypha Authors
// SPDX-License-Identifier: Apache-2.0

package e2e

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hypha-obs/hypha/e2e/harness"
)

// The tests in this file rotate, truncate and copy log files the ways real
// hosts do, with the include glob the README shows (*.log), and count every
// numbered line in the real log store.

// lines formats n numbered lines and counts them as written, without
// writing them: for files other than the writer's own.
func (w *seqWriter) lines(n int) []byte {
	w.mu.Lock()
	defer w.mu.Unlock()
	var b []byte
	ms := time.Now().UnixMilli()
	for range n {
		b = fmt.Appendf(b, `{"level":30,"time":%d,"service":"faulty","seq":%d,"msg":"line %d of the fault test, padded to look like a real request log line"}`+"\n", ms, w.next, w.next)
		w.next++
	}
	return b
}

// shift renames app.log.N to app.log.N+1, oldest first, as logrotate does
// before it makes a new app.log.1.
func (w *seqWriter) shift() error {
	for n := 9; n >= 1; n-- {
		from := fmt.Sprintf("%s.%d", w.path(), n)
		if _, err := os.Stat(from); err != nil {
			continue
		}
		if err := os.Rename(from, fmt.Sprintf("%s.%d", w.path(), n+1)); err != nil {
			return err
		}
	}
	return nil
}

// writeSteadily appends perTick lines every 50 ms until stop is closed.
func writeSteadily(w *seqWriter, perTick int, stop <-chan struct{}) <-chan error {
	done := make(chan error, 1)
	go func() {
		ticker := time.NewTicker(50 * time.Millisecond)
		defer ticker.Stop()
		for {
			select {
			case <-stop:
				done <- nil
				return
			case <-ticker.C:
				if err := w.write(perTick); err != nil {
					done <- err
					return
				}
			}
		}
	}()
	return done
}

// reportLoss waits for the lines, logs the tally and fails on any loss.
func reportLoss(t *testing.T, r *seqRig, what string) (lost, dups int) {
	t.Helper()
	err := r.waitStored(90 * time.Second)
	lost, dups, _ = r.count(t)
	out := r.agent.Tail(8 << 20)
	t.Logf("e2e: %s: lines written %d, lost %d, duplicated %d; the agent logged %d truncated-while-waiting, %d kept-copy, %d begin-alike lines",
		what, r.written(), lost, dups, strings.Count(out, "truncated and written again while its reader waited"),
		strings.Count(out, "deleted before all its lines were delivered"), strings.Count(out, "begin with the same bytes"))
	if err != nil || lost > 0 {
		t.Errorf("%d of %d lines lost (%v)\nagent:\n%s", lost, r.written(), err, r.agent.Tail(3000))
	}
	return lost, dups
}

// TestCopyTruncateFollowed rotates app.log by copytruncate twice while the
// gateway is up and once during an outage, with the README's glob *.log.
// The lines written since the agent's last read, and during the outage
// those after where reading waits, exist only in the copy app.log.1: the
// agent must follow it by itself.
func TestCopyTruncateFollowed(t *testing.T) {
	r := newSeqRig(t, "*.log", nil, nil)
	stop := make(chan struct{})
	writer := writeSteadily(r.w, 100, stop) // 2 000 lines a second
	start := time.Now()
	at := func(d time.Duration) { time.Sleep(time.Until(start.Add(d))) }
	rotate := func() {
		if err := r.w.shift(); err != nil {
			t.Fatal(err)
		}
		if err := r.w.rotateCopyTruncate(".1"); err != nil {
			t.Fatal(err)
		}
	}
	at(3 * time.Second)
	rotate()
	at(6 * time.Second)
	rotate()
	at(9 * time.Second)
	r.gw.Stop(10 * time.Second)
	// Reading waits 6 400 lines into the outage's backlog; the copy is made
	// after that and the new file stays shorter than where reading waits.
	at(16 * time.Second)
	rotate()
	at(17 * time.Second)
	close(stop)
	if err := <-writer; err != nil {
		t.Fatal(err)
	}
	if err := r.gw.Restart(); err != nil {
		t.Fatal(err)
	}
	reportLoss(t, r, "copytruncate twice with the gateway up, once during a 7 s outage")
}

// TestSeveralRotationsDuringAnOutage renames app.log away five times, the
// logrotate way (app.log.1 becomes app.log.2 and so on), while the gateway
// is away and reading waits inside the first file. The files rotated in
// between were never opened; they must be read once the gateway is back.
func TestSeveralRotationsDuringAnOutage(t *testing.T) {
	r := newSeqRig(t, "*.log", nil, nil)
	r.gw.Stop(10 * time.Second)
	stop := make(chan struct{})
	writer := writeSteadily(r.w, 100, stop)
	for range 5 {
		time.Sleep(3 * time.Second)
		if err := r.w.shift(); err != nil {
			t.Fatal(err)
		}
		if err := r.w.rotateRename(".1"); err != nil {
			t.Fatal(err)
		}
	}
	time.Sleep(time.Second)
	close(stop)
	if err := <-writer; err != nil {
		t.Fatal(err)
	}
	if err := r.gw.Restart(); err != nil {
		t.Fatal(err)
	}
	reportLoss(t, r, "five rename rotations during an outage")
}

// banner is what some apps write at the top of every log file they start:
// the same bytes each time, longer than file_log's fingerprint.
func banner(size int) []byte {
	var b strings.Builder
	for b.Len() < size {
		b.WriteString("# myapp 4.2.1 starting; config /etc/myapp/myapp.conf; this banner is the same in every file it writes\n")
	}
	return []byte(b.String())
}

// writeBannerFiles writes each named file as the same banner of
// bannerSize bytes followed by 150 lines of its own. Each is written whole
// under another name, then renamed: the agent never sees a file that holds
// only the banner.
func writeBannerFiles(t *testing.T, r *seqRig, bannerSize int, names ...string) {
	t.Helper()
	top := banner(bannerSize)
	for _, name := range names {
		body := append(append([]byte{}, top...), r.w.lines(150)...)
		tmp := filepath.Join(r.w.dir, name+".tmp")
		if err := os.WriteFile(tmp, body, 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.Rename(tmp, filepath.Join(r.w.dir, name)); err != nil {
			t.Fatal(err)
		}
	}
}

// TestTruncatedAndRewrittenWhileStopped: the agent is stopped, the app is
// restarted with `> app.log` and writes its banner and fewer lines than
// before. The file is shorter than its saved offset and begins with the
// same bytes: the agent must read it from its start.
func TestTruncatedAndRewrittenWhileStopped(t *testing.T) {
	r := newSeqRig(t, "*.log", nil, nil)
	top := banner(5000) // longer than the fingerprint, so the file looks the same
	write := func(b []byte) {
		if _, err := r.w.f.Write(b); err != nil {
			t.Fatal(err)
		}
	}
	// The file begins with the banner, as the app's every file does.
	if err := r.w.f.Truncate(0); err != nil {
		t.Fatal(err)
	}
	write(top)
	write(r.w.lines(16000))
	if err := r.waitStored(60 * time.Second); err != nil {
		t.Fatal(err)
	}
	r.agent.Stop(10 * time.Second)
	if err := r.w.f.Truncate(0); err != nil {
		t.Fatal(err)
	}
	write(top)
	write(r.w.lines(8000))
	if err := r.agent.Restart(); err != nil {
		t.Fatal(err)
	}
	reportLoss(t, r, "file truncated and written again while the agent was stopped")
}

// TestFilesWithEqualFirstBytes writes four files that begin with the same
// 1 500-byte banner, each followed by its own lines: four files, not one.
func TestFilesWithEqualFirstBytes(t *testing.T) {
	r := newSeqRig(t, "*.log", nil, nil)
	writeBannerFiles(t, r, 1500, "a.log", "b.log", "c.log", "d.log")
	reportLoss(t, r, "four files whose first 1 500 bytes are equal")
}

// TestDeletedFileRestartDuringOutage: with the gateway away, reading waits
// inside app.log; the file is rotated away and deleted, and the agent is
// restarted before the gateway is back. The deleted file's lines, those
// held in memory and those never read, exist nowhere else.
func TestDeletedFileRestartDuringOutage(t *testing.T) {
	r := newSeqRig(t, "*.log", nil, nil)
	r.gw.Stop(10 * time.Second)
	for range 60 { // 30 000 lines, more than the 6 400 in flight
		if err := r.w.write(500); err != nil {
			t.Fatal(err)
		}
	}
	waitHandedOn(t, r, 64*100)
	if err := r.w.rotateRename(".1"); err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(r.w.path() + ".1"); err != nil {
		t.Fatal(err)
	}
	if err := r.w.write(1000); err != nil {
		t.Fatal(err)
	}
	r.agent.Stop(20 * time.Second)
	if err := r.agent.Restart(); err != nil {
		t.Fatal(err)
	}
	if err := r.gw.Restart(); err != nil {
		t.Fatal(err)
	}
	reportLoss(t, r, "file deleted, agent restarted, during an outage")
}

// waitHandedOn waits until file_log has handed on n lines.
func waitHandedOn(t *testing.T, r *seqRig, n float64) {
	t.Helper()
	if err := harness.Eventually(30*time.Second, 200*time.Millisecond, func() error {
		if got := metricSum(r.agent, "otelcol_receiver_accepted_log_records", `receiver="file_log"`); got < n {
			return fmt.Errorf("file_log handed on %v lines, waiting for %v", got, n)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
}

// TestCopyTruncateWhileReadingWaits: the gateway is away and file_log waits
// 6 400 lines into a 30 000-line backlog; the file is copied to app.log.1
// and truncated, and the app writes 12 000 more lines, past where reading
// waits but fewer than the copy holds. The reader must not read on at its
// old offset inside the new content: the agent starts reading again from
// the saved offsets, the copy from where the reader was and the new content
// from its start. Nothing is lost; what is read twice is bounded by the
// batches in hand at the restart, and the restart is said and counted.
func TestCopyTruncateWhileReadingWaits(t *testing.T) {
	r := newSeqRig(t, "*.log", nil, nil)
	r.gw.Stop(10 * time.Second)
	for range 60 {
		if err := r.w.write(500); err != nil {
			t.Fatal(err)
		}
	}
	waitHandedOn(t, r, 64*100)
	time.Sleep(2 * time.Second) // the reader has waited for a place for long
	if err := r.w.rotateCopyTruncate(".1"); err != nil {
		t.Fatal(err)
	}
	for range 24 {
		if err := r.w.write(500); err != nil {
			t.Fatal(err)
		}
	}
	if err := r.gw.Restart(); err != nil {
		t.Fatal(err)
	}
	err := r.waitStored(90 * time.Second)
	lost, dups, _ := r.count(t)
	said := strings.Count(r.agent.Tail(8<<20), "truncated and written again while its reader waited")
	counted := metricSum(r.agent, "otelcol_file_log_truncated_while_reading", "")
	t.Logf("e2e: copytruncate while reading waits: lines written %d, lost %d, duplicated %d; logged %d, counted %v", r.written(), lost, dups, said, counted)
	if err != nil || lost > 0 {
		t.Errorf("%d of %d lines lost (%v)", lost, r.written(), err)
	}
	if said == 0 || counted < 1 {
		t.Errorf("the restart was logged %d times and counted %v, want both", said, counted)
	}
	// Nothing was lost, so nothing may be logged at error.
	if errs := errorLines(r.agent.Tail(8 << 20)); len(errs) > 0 {
		t.Errorf("the agent logged errors where nothing was lost:\n%s", strings.Join(errs, "\n"))
	}
	// Read twice: the batches in flight when the reading restarted (the
	// agent's hypha_ack max_in_flight of 64 batches of 100 lines), never
	// the copy or the new content as a whole.
	if dups > 64*100 {
		t.Errorf("%d lines read twice, more than the %d in flight", dups, 64*100)
	}
}

// TestFilesWithEqualFirst4KiBAreReported writes two files that begin with
// the same 5 000-byte banner, longer than the agent's fingerprint: file_log
// reads one and takes the other for it. The test asserts that this is
// logged and counted (otelcol_extension_hypha_ack_storage_indistinct_files)
// and reports how many lines it cost.
func TestFilesWithEqualFirst4KiBAreReported(t *testing.T) {
	r := newSeqRig(t, "*.log", nil, nil)
	writeBannerFiles(t, r, 5000, "a.log", "b.log")
	const gauge = "otelcol_extension_hypha_ack_storage_indistinct_files"
	if err := harness.Eventually(45*time.Second, time.Second, func() error {
		if n := metricSum(r.agent, gauge, ""); n != 1 {
			return fmt.Errorf("%s = %v, want 1", gauge, n)
		}
		return nil
	}); err != nil {
		t.Error(err)
	}
	said := strings.Count(r.agent.Tail(8<<20), "begin with the same bytes")
	_ = r.waitStored(5 * time.Second)
	lost, dups, _ := r.count(t)
	t.Logf("e2e: two files whose first 5 000 bytes are equal: lines written %d, lost %d, duplicated %d; logged %d", r.written(), lost, dups, said)
	if said != 1 {
		t.Errorf("logged %d times, want once", said)
	}
	if lost > 150 {
		t.Errorf("%d lines lost, more than the one file file_log cannot tell apart", lost)
	}
}
