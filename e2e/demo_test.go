// Copyright The Hypha Authors
// SPDX-License-Identifier: Apache-2.0

package e2e

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/hypha-obs/hypha/e2e/harness"
)

// TestDemo runs `make demo`'s program as a user would and checks what it
// shows: the error line, a waterfall with every service, log lines under
// their spans, and that it leaves no process behind, both with -once and
// when stopped by Ctrl-C.
func TestDemo(t *testing.T) {
	env := append(os.Environ(),
		"HYPHA_BIN="+binary(t, "HYPHA_BIN"),
		"JAEGER_BIN="+binary(t, "JAEGER_BIN"),
		"VICTORIALOGS_BIN="+binary(t, "VICTORIALOGS_BIN"),
		"ANALYSIS_BIN="+binary(t, "ANALYSIS_BIN"),
		// The demo's temporary folder then goes where the test cleans up.
		"TMPDIR="+t.TempDir(),
		"HYPHA_DEMO_ONCE=",
	)
	// Build once, so that the run's time is the demo's and not the
	// compiler's, and so that signals reach the demo itself rather than
	// `go run`.
	bin := filepath.Join(t.TempDir(), "demo")
	build := exec.Command("go", "build", "-o", bin, "./cmd/demo")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build ./cmd/demo: %v\n%s", err, out)
	}

	t.Run("once", func(t *testing.T) {
		out := runDemo(t, bin, env, "-once")
		checkFlow(t, out)
		checkStopped(t, out)
	})

	t.Run("until Ctrl-C", func(t *testing.T) {
		out := runDemo(t, bin, env, "interrupt")
		checkFlow(t, out)
		// The trace of a successful request, asked for by pasting its id.
		m := regexp.MustCompile(`✓ 200 .* x-trace-id ([0-9a-f]{32})`).FindStringSubmatch(out)
		if m == nil {
			t.Fatal("no successful request in the output")
		}
		_, asked, found := strings.Cut(out, "\nTrace "+m[1]+"\n")
		if !found {
			t.Fatalf("no waterfall for the pasted trace id %s", m[1])
		}
		for _, s := range harness.DemoServices {
			if !regexp.MustCompile(`(?m)^\s+` + s + ` .*│$`).MatchString(asked) {
				t.Errorf("the pasted trace's waterfall has no row for %s", s)
			}
		}
		if !strings.Contains(asked, "checkout completed") || strings.Contains(asked, "ERROR") {
			t.Error("the pasted (successful) trace should show `checkout completed` and no error line")
		}
		if !strings.Contains(out, "■ interrupt: stopping") {
			t.Error("the demo did not say that Ctrl-C stops it")
		}
		checkStopped(t, out)
	})
}

// runDemo runs the demo with a bounded time and returns its output. In mode
// "interrupt" it answers the demo's prompt with the trace id of the first
// successful request, waits for the answer, then sends SIGINT as Ctrl-C
// would.
func runDemo(t *testing.T, bin string, env []string, mode string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	var args []string
	if mode == "-once" {
		args = []string{"-once"}
	}
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Env = env
	// On timeout, interrupt rather than kill: the demo then still stops the
	// processes it started. Only if that hangs is it killed.
	cmd.Cancel = func() error { return cmd.Process.Signal(os.Interrupt) }
	cmd.WaitDelay = time.Minute
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}

	// Read the output as it comes, so that the prompts can be answered.
	output := readDemoOutput(stdout)
	if mode == "interrupt" && output.next(ctx) {
		m := regexp.MustCompile(`✓ 200 .* x-trace-id ([0-9a-f]{32})`).FindStringSubmatch(output.String())
		if m != nil {
			_, _ = io.WriteString(stdin, m[1]+"\n")
		}
		if output.next(ctx) {
			if err := cmd.Process.Signal(os.Interrupt); err != nil {
				t.Error(err)
			}
		}
	}
	stdin.Close()
	<-output.done
	err = cmd.Wait()
	out := output.String()
	if err != nil || ctx.Err() != nil {
		t.Fatalf("demo: %v (timeout: %v)\nstdout:\n%s\nstderr:\n%s", err, ctx.Err(), out, stderr.String())
	}
	// Where the time went, for slow runs in CI.
	for line := range strings.Lines(out) {
		if strings.Contains(line, "ready in") || strings.Contains(line, "found in") || strings.Contains(line, "stopped all") {
			t.Log(strings.TrimSpace(line))
		}
	}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("demo output:\n%s\nstderr:\n%s", out, stderr.String())
		}
	})
	return out
}

// demoOutput is the demo's output as it comes, with a signal at each of its
// prompts for a trace id.
type demoOutput struct {
	mu      sync.Mutex
	buf     strings.Builder
	prompts chan struct{}
	done    chan struct{} // closed at the output's end
}

func readDemoOutput(stdout io.Reader) *demoOutput {
	o := &demoOutput{prompts: make(chan struct{}, 2), done: make(chan struct{})}
	go func() {
		defer close(o.done)
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			o.mu.Lock()
			o.buf.WriteString(sc.Text() + "\n")
			o.mu.Unlock()
			if strings.HasPrefix(sc.Text(), "Paste a trace id") {
				select {
				case o.prompts <- struct{}{}:
				default:
				}
			}
		}
	}()
	return o
}

// next waits for the next prompt: false if the output ends, or ctx does,
// first.
func (o *demoOutput) next(ctx context.Context) bool {
	select {
	case <-o.prompts:
		return true
	case <-o.done:
	case <-ctx.Done():
	}
	return false
}

func (o *demoOutput) String() string {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.buf.String()
}

// checkFlow checks the three steps of the debugging flow in the output.
func checkFlow(t *testing.T, out string) {
	t.Helper()
	// Step 2, with the raw line's wrapping undone.
	step2, _, _ := strings.Cut(out[strings.Index(out, "2. The error log line"):], "3. The trace")
	step2 = regexp.MustCompile(`\n\s+`).ReplaceAllString(step2, "")
	if !regexp.MustCompile(`severity_text\s+ERROR`).MatchString(step2) || !strings.Contains(step2, `"msg":"downstream 502"`) {
		t.Errorf("no api-gateway error line from the log store in step 2:\n%s", step2)
	}
	// Waterfall rows end in a time bar between │…│; each service has one.
	bar := regexp.MustCompile(`^\s+(\S+) .* ms  │[ █]+│$`)
	services := map[string]bool{}
	logged := 0
	for line := range strings.Lines(out) {
		line = strings.TrimRight(line, "\n")
		if m := bar.FindStringSubmatch(line); m != nil {
			services[m[1]] = true
		}
		if strings.Contains(line, "↳ ") {
			logged++
		}
	}
	for _, s := range harness.DemoServices {
		if !services[s] {
			t.Errorf("no waterfall row for %s (rows for %v)", s, services)
		}
	}
	if logged == 0 {
		t.Error("no log line under any span")
	}
	if !regexp.MustCompile(`(?m)^  Hypha UI: http://127\.0\.0\.1:\d+\n    the failing trace: http://127\.0\.0\.1:\d+/trace/[0-9a-f]{32}$`).MatchString(out) {
		t.Error("the demo does not print the UI's address and the failing trace's page")
	}
	// The Go service's rows and its lines under them (slog writes INFO).
	// The server span's name, GET /analysis/{orderId}, may be cut short.
	goRows := regexp.MustCompile(`(?m)^\s+analysis GET /analysis/.*│\n\s+↳ \S+ INFO  request received\n\s+analysis screen order .*│\n\s+↳ \S+ INFO  order screened$`)
	if !goRows.MatchString(out) {
		t.Error("the waterfall lacks the Go service's spans, each with its log line under it")
	}
	for _, msg := range []string{"ERROR lab test not found", "ERROR downstream 500", "ERROR downstream 502", "INFO  request received"} {
		if !strings.Contains(out, msg) {
			t.Errorf("no log line %q under a span", msg)
		}
	}
}

// checkStopped reads the pids the demo printed and checks that none of
// those processes still runs.
func checkStopped(t *testing.T, out string) {
	t.Helper()
	start := strings.Index(out, "✓ stack ready")
	stop := strings.Index(out, "✓ stopped all")
	if start < 0 || stop < 0 {
		t.Fatal("the output lacks the started or stopped process list")
	}
	pids := map[string]int{}
	for _, m := range regexp.MustCompile(`([a-z-]+)=(\d+)`).FindAllStringSubmatch(out[start:stop], -1) {
		pids[m[1]], _ = strconv.Atoi(m[2])
	}
	if want := 4 + len(harness.DemoServices); len(pids) != want {
		t.Errorf("the demo listed %d processes %v, want %d", len(pids), pids, want)
	}
	for name, pid := range pids {
		// The demo has reaped its children before exiting, so a live pid
		// means a process it left behind (or, unlikely, a reused pid: the
		// command line tells).
		if err := syscall.Kill(pid, 0); !errors.Is(err, syscall.ESRCH) {
			cmdline, _ := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/cmdline")
			t.Errorf("%s (pid %d) still runs: %q", name, pid, bytes.ReplaceAll(cmdline, []byte{0}, []byte{' '}))
		}
	}
}
