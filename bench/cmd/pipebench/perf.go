// Copyright The Hypha Authors
// SPDX-License-Identifier: Apache-2.0

package main

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// The user-space instructions an agent executes vary far less from run to
// run than its CPU time on a shared machine, where other work takes caches
// and the frequency changes. perf counts them where the machine exposes a
// hardware counter (not inside every virtual machine).
const perfEvent = "instructions:u"

// perfWorks reports whether `perf stat -e instructions:u` counts here, and
// why not if it does not.
func perfWorks() (bool, error) {
	out, err := exec.Command("perf", "stat", "-x,", "-e", perfEvent, "--", "true").CombinedOutput()
	if err != nil {
		return false, fmt.Errorf("perf stat: %w: %s", err, strings.TrimSpace(string(out)))
	}
	if _, err := parsePerfCSV(string(out)); err != nil {
		return false, err
	}
	return true, nil
}

// perfCounter is a `perf stat` attached to one agent.
type perfCounter struct {
	cmd     *exec.Cmd
	out     string
	stopped bool
	count   int64
	err     error
}

// startPerf attaches perf stat to process pid, writing its CSV to dir.
func startPerf(dir, name string, pid int) (*perfCounter, error) {
	out := filepath.Join(dir, name+".perf.csv")
	cmd := exec.Command("perf", "stat", "-x,", "-e", perfEvent, "-o", out, "-p", strconv.Itoa(pid))
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("starting perf: %w", err)
	}
	return &perfCounter{cmd: cmd, out: out}, nil
}

// stop ends perf (an interrupt makes it print its counts) and returns the
// count; calling it again returns the same.
func (p *perfCounter) stop() (int64, error) {
	if p.stopped {
		return p.count, p.err
	}
	p.stopped = true
	p.err = p.cmd.Process.Signal(os.Interrupt)
	done := make(chan struct{})
	go func() {
		// perf's exit status after the interrupt says nothing: its counts
		// are in its output.
		_ = p.cmd.Wait()
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		_ = p.cmd.Process.Kill()
		<-done
		p.err = errors.New("perf did not stop within 10s")
	}
	if p.err != nil {
		return 0, p.err
	}
	b, err := os.ReadFile(p.out)
	if err != nil {
		p.err = err
		return 0, err
	}
	p.count, p.err = parsePerfCSV(string(b))
	return p.count, p.err
}

// parsePerfCSV reads the count of perfEvent from `perf stat -x,` output:
// lines of value,unit,event,...; the value is "<not supported>" or
// "<not counted>" when the counter is missing.
func parsePerfCSV(out string) (int64, error) {
	for line := range strings.SplitSeq(out, "\n") {
		f := strings.Split(line, ",")
		if len(f) < 3 || !strings.HasPrefix(f[2], "instructions") {
			continue
		}
		n, err := strconv.ParseInt(f[0], 10, 64)
		if err != nil {
			return 0, fmt.Errorf("perf stat counts no %s on this machine (%q)", perfEvent, f[0])
		}
		return n, nil
	}
	return 0, fmt.Errorf("perf stat printed no %s line: %q", perfEvent, out)
}

// cachegrindTotal reads the instruction count from a cachegrind output
// file: its "summary: <Ir>" line.
func cachegrindTotal(path string) (int64, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0, err
	}
	for line := range strings.SplitSeq(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "summary: "); ok {
			f := strings.Fields(rest)
			if len(f) > 0 {
				return strconv.ParseInt(f[0], 10, 64)
			}
		}
	}
	return 0, fmt.Errorf("%s: no summary line", path)
}
