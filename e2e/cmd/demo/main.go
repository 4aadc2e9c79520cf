// Copyright The Hypha Authors
// SPDX-License-Identifier: Apache-2.0

// Command demo is `make demo`: the newcomer's one-command tour of Hypha. It
// starts the whole pipeline on loopback (VictoriaLogs, Jaeger, a hypha
// gateway and agent, the five Labra Cadabra services: four in Node, one in
// Go), sends a few checkout requests, some of them failing, and then follows
// one failure the way a user would: from the error log line to its trace in Jaeger, and from
// each span back to the log lines it wrote. Everything it shows is read from
// the stores' HTTP APIs, never from the apps' files. It then keeps the stack
// running for exploring until Ctrl-C, or exits at once with -once.
package main

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"os/signal"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/hypha-obs/hypha/e2e/harness"
)

func main() {
	once := flag.Bool("once", os.Getenv("HYPHA_DEMO_ONCE") == "1", "exit after showing the flow instead of waiting for Ctrl-C (also HYPHA_DEMO_ONCE=1)")
	keep := flag.Bool("keep", false, "keep the folder with the processes' output and data after exit")
	requests := flag.Int("requests", 12, "how many checkout requests to send; every fourth one fails")
	allSpans := flag.Bool("all-spans", false, "show express's middleware spans in the waterfall too")
	flag.Parse()
	os.Exit(run(options{once: *once, keep: *keep, requests: *requests, allSpans: *allSpans}))
}

type options struct {
	once, keep, allSpans bool
	requests             int
}

// run returns the exit code: 0 after a full run, 1 on an error, 130 when
// interrupted before the flow was shown.
func run(opts options) (code int) {
	out := os.Stdout
	st := style{color: isTerminal(out) && os.Getenv("NO_COLOR") == ""}

	// The children run in their own process groups (see harness.StartCmd),
	// so Ctrl-C reaches only this program, which then stops them in order.
	// Catching the signal from the start means an early Ctrl-C still gets
	// a clean stop once the step under way has finished.
	ctx, stop := catchSignals(out)
	defer stop()

	bins, err := harness.BinariesFromEnv()
	if err != nil {
		fmt.Fprintln(os.Stderr, "demo:", err, "(or run `make demo`)")
		return 1
	}
	dir, err := os.MkdirTemp("", "hypha-demo-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "demo:", err)
		return 1
	}
	defer func() {
		// After a failure the processes' output is what explains it.
		if opts.keep || code == 1 {
			fmt.Fprintf(out, "kept the processes' output and data in %s\n", dir)
			return
		}
		os.RemoveAll(dir)
		fmt.Fprintf(out, "removed %s (run with -keep to keep it)\n", dir)
	}()

	fmt.Fprintln(out, st.paint(ansiBold, "Hypha demo: Labra Cadabra checkout, from an error log line to its trace and back"))
	fmt.Fprintf(out, "▸ processes' output and data go to %s\n", dir)
	began := time.Now()
	stack, err := harness.StartStack(dir, bins, harness.StackOptions{
		Progress: func(format string, args ...any) { fmt.Fprintf(out, "▸ "+format+"\n", args...) },
		UI:       true,
		UIAddr:   uiAddr(),
	})
	if err != nil {
		// StartStack has already stopped whatever it started.
		fmt.Fprintln(os.Stderr, "demo: starting the stack:", err)
		return 1
	}
	procs := processes(stack)
	defer stopAll(out, stack, procs)
	fmt.Fprintf(out, "✓ stack ready in %.1f s; %d processes:\n  %s\n", time.Since(began).Seconds(), len(procs), pidList(procs))
	if ctx.Err() != nil {
		return 130
	}

	d := &demo{ctx: ctx, out: out, st: st, stack: stack, allSpans: opts.allSpans, wait: time.Minute}
	traceID, err := d.tour(opts.requests)
	if err != nil {
		if ctx.Err() != nil {
			return 130
		}
		fmt.Fprintln(os.Stderr, "demo:", err)
		return 1
	}
	explore(out, st, stack, traceID)
	if opts.once {
		return 0
	}
	fmt.Fprintln(out, st.paint(ansiBold, "The stack keeps running; press Ctrl-C to stop it."))
	// A user who sent a request of their own can see its trace the same
	// way; a shorter wait, since a mistyped id would never show up.
	d.wait = 15 * time.Second
	fmt.Fprintln(out, prompt)
	watch(ctx, out, procs, readLines(os.Stdin), func(id string) {
		d.heading("Trace " + id)
		if err := d.showTrace(id); err != nil && ctx.Err() == nil {
			fmt.Fprintln(out, st.paint(ansiRed, "! "+err.Error()))
		}
		fmt.Fprintln(out, prompt)
	})
	return 0
}

// catchSignals returns a context cancelled at the first SIGINT or SIGTERM,
// saying so on out, and the function that stops catching them.
func catchSignals(out io.Writer) (context.Context, func()) {
	ctx, cancel := context.WithCancel(context.Background())
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	// With `make demo | tee demo.log`, Ctrl-C also ends tee, and the next
	// line printed would kill the demo by SIGPIPE before it had stopped its
	// children. Catching SIGPIPE turns that into a write error, which the
	// demo ignores, so the clean-up always runs. (Catching, unlike
	// ignoring, is not inherited by the children.)
	signal.Notify(make(chan os.Signal, 1), syscall.SIGPIPE)
	go func() {
		first := true
		for sig := range sigs {
			if first {
				fmt.Fprintf(out, "\n■ %s: stopping everything the demo started, once the step under way ends…\n", sig)
				cancel()
				first = false
			} else {
				fmt.Fprintln(out, "■ still stopping (each process gets a bounded grace period)…")
			}
		}
	}()
	return ctx, func() {
		signal.Stop(sigs)
		cancel()
	}
}

const prompt = "Paste a trace id (e.g. a response's x-trace-id) and press Enter to see its waterfall."

// readLines passes on the lines typed on in; the channel closes at end of
// input (none when stdin is /dev/null, as under a test).
func readLines(in io.Reader) <-chan string {
	lines := make(chan string)
	go func() {
		defer close(lines)
		sc := bufio.NewScanner(in)
		for sc.Scan() {
			lines <- sc.Text()
		}
	}()
	return lines
}

var traceIDPattern = regexp.MustCompile(`^[0-9a-f]{32}$`)

// watch waits for Ctrl-C, shows the trace of each id typed meanwhile, and
// tells the user if a process dies on its own, since the URLs above would
// then stop answering. Lookups run here, one at a time, so that none
// overlaps the stop that follows Ctrl-C.
func watch(ctx context.Context, out io.Writer, procs []*harness.Process, lines <-chan string, show func(traceID string)) {
	reported := map[*harness.Process]bool{}
	tick := time.NewTicker(2 * time.Second)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case line, ok := <-lines:
			if !ok {
				lines = nil // end of input: keep waiting for Ctrl-C
				continue
			}
			id := strings.ToLower(strings.TrimSpace(line))
			switch {
			case id == "":
			case traceIDPattern.MatchString(id):
				show(id)
			default:
				fmt.Fprintf(out, "%q is not a trace id (32 hex digits)\n", line)
			}
		case <-tick.C:
			for _, p := range procs {
				if exited, err := p.Exited(); exited && !reported[p] {
					reported[p] = true
					fmt.Fprintf(out, "! %s exited on its own (%v); its output: %s\n", p.Name, err, p.LogPath)
				}
			}
		}
	}
}

// processes lists every process of the stack, in start order.
func processes(s *harness.Stack) []*harness.Process {
	procs := []*harness.Process{s.Logs.Process, s.Jaeger.Process, s.Gateway.Process, s.Agent.Process}
	for _, name := range harness.DemoServices {
		procs = append(procs, s.Services[name])
	}
	return procs
}

// pidList names each process with its pid, four to a line, so that a
// user (or the demo's test) can check them with ps.
func pidList(procs []*harness.Process) string {
	var b strings.Builder
	for i, p := range procs {
		switch {
		case i > 0 && i%4 == 0:
			b.WriteString("\n  ")
		case i > 0:
			b.WriteString(" ")
		}
		fmt.Fprintf(&b, "%s=%d", p.Name, p.PID())
	}
	return b.String()
}

// stopAll stops the stack and then checks, process by process, that each
// one really ended, so that the closing line can promise it.
func stopAll(out io.Writer, s *harness.Stack, procs []*harness.Process) {
	fmt.Fprintf(out, "▸ stopping %d processes (apps first, so their last spans and lines still go out)\n", len(procs))
	began := time.Now()
	s.Stop()
	var left []string
	for _, p := range procs {
		if exited, _ := p.Exited(); !exited {
			left = append(left, p.Name+"="+strconv.Itoa(p.PID()))
		}
	}
	if len(left) > 0 {
		fmt.Fprintf(out, "! still running after stop: %s\n", strings.Join(left, " "))
		return
	}
	fmt.Fprintf(out, "✓ stopped all %d processes in %.1f s:\n  %s\n", len(procs), time.Since(began).Seconds(), pidList(procs))
}

// uiAddr is the UI's usual address when it is free, so that a bookmark
// from an earlier run still works; otherwise the harness picks a free port.
func uiAddr() string {
	const usual = "127.0.0.1:16680"
	l, err := net.Listen("tcp", usual)
	if err != nil {
		return ""
	}
	l.Close()
	return usual
}

// isTerminal reports whether f is a character device, the usual sign of an
// interactive terminal, without needing a terminal package.
func isTerminal(f *os.File) bool {
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}
