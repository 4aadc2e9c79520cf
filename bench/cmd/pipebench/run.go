// Copyright The Hypha Authors
// SPDX-License-Identifier: Apache-2.0

package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/hypha-obs/hypha/internal/process"
)

// pollInterval is how often the sink's counter is read while a run is under
// way; it bounds the error of the wall-clock figure.
const pollInterval = 50 * time.Millisecond

type bench struct {
	ctx     context.Context
	bin     string
	dir     string
	timeout time.Duration
	runs    int  // numbers the agents' storage folders and logs
	perf    bool // perf counts the agents' user-space instructions
	// cachegrind runs the agents under valgrind's cachegrind, which counts
	// their instructions where perf cannot (no hardware counter).
	cachegrind bool
}

// sink is a hypha that receives the agents' OTLP/gRPC and counts records.
type sink struct {
	*process.Process
	endpoint, metricsURL string
}

// startSink starts a sink; with file set it also writes what it receives
// there as OTLP JSON.
func (b *bench) startSink(name, file string) (*sink, error) {
	endpoint, err := process.FreeAddr()
	if err != nil {
		return nil, err
	}
	port, err := process.FreePort()
	if err != nil {
		return nil, err
	}
	cfg := filepath.Join(b.dir, name+".yaml")
	if err := writeConfig(cfg, sinkTemplate, sinkParams{Endpoint: endpoint, MetricsPort: port, File: file}); err != nil {
		return nil, err
	}
	p, err := process.Start(b.dir, name, b.bin, []string{"--config", "file:" + cfg}, nil)
	if err != nil {
		return nil, err
	}
	s := &sink{Process: p, endpoint: endpoint, metricsURL: fmt.Sprintf("http://127.0.0.1:%d/metrics", port)}
	// The counter appears with the first batch; the endpoint answering is
	// enough to know the sink is up.
	if err := p.WaitHTTP(s.metricsURL, 60*time.Second); err != nil {
		p.Stop(5 * time.Second)
		return nil, err
	}
	return s, nil
}

// accepted is the number of log records the sink's receiver has accepted.
func (s *sink) accepted() (int64, error) {
	body, err := process.Get(s.metricsURL)
	if err != nil {
		return 0, err
	}
	var total float64
	sc := bufio.NewScanner(bytes.NewReader(body))
	for sc.Scan() {
		line := sc.Text()
		if !strings.HasPrefix(line, "otelcol_receiver_accepted_log_records") {
			continue
		}
		v, err := strconv.ParseFloat(line[strings.LastIndexByte(line, ' ')+1:], 64)
		if err != nil {
			return 0, fmt.Errorf("sink metrics: %q: %w", line, err)
		}
		total += v
	}
	return int64(total), sc.Err()
}

// result is what one run measured.
type result struct {
	records      int64
	instructions int64         // user-space instructions of the agent (perf), 0 without perf
	cpu          time.Duration // agent user+system time
	wall         time.Duration // agent start to the sink having every record
	peakRSS      int64         // bytes (VmHWM)
	extra        int64         // records the sink got beyond the file's (retries)
	loopback     int64         // bytes through the loopback interface, machine-wide
}

func (r result) usPerRecord() float64 { return float64(r.cpu.Microseconds()) / float64(r.records) }
func (r result) instructionsPerRecord() float64 {
	return float64(r.instructions) / float64(r.records)
}
func (r result) perSecond() float64 { return float64(r.records) / r.wall.Seconds() }

func (r result) String() string {
	s := fmt.Sprintf("%6.2f µs/record  %8.0f records/s  %5.0f MiB peak RSS  %6.1f MB loopback",
		r.usPerRecord(), r.perSecond(), float64(r.peakRSS)/(1<<20), float64(r.loopback)/1e6)
	if r.instructions > 0 {
		s += fmt.Sprintf("  %6.0f instructions:u/record", r.instructionsPerRecord())
	}
	if r.extra > 0 {
		s += fmt.Sprintf("  (%d records arrived twice)", r.extra)
	}
	return s
}

// measure runs one agent over linesFile (n lines) into sink s and waits,
// bounded by b.timeout, until s has accepted all n records. The agent sends
// to via, or straight to s when via is empty.
func (b *bench) measure(v variant, s *sink, via, linesFile string, n int) (result, error) {
	if via == "" {
		via = s.endpoint
	}
	b.runs++
	name := fmt.Sprintf("agent-%02d-%s", b.runs, strings.ReplaceAll(v.name, "/", "-"))
	storage := filepath.Join(b.dir, name+"-storage")
	// The queue and checkpoints of a run are of no use afterwards, and a
	// persistent queue of a million records is large.
	defer os.RemoveAll(storage)
	port, err := process.FreePort()
	if err != nil {
		return result{}, err
	}
	args, env, err := b.agentCommand(name, v, linesFile, storage, via, port)
	if err != nil {
		return result{}, err
	}
	before, err := s.accepted()
	if err != nil {
		return result{}, err
	}
	lo0 := loopbackBytes()

	bin := b.bin
	cgOut := filepath.Join(b.dir, name+".cachegrind")
	if b.cachegrind {
		// Go's asynchronous preemption signals slow valgrind down and
		// change nothing that is counted.
		args = append([]string{"--tool=cachegrind", "--cache-sim=no", "--cachegrind-out-file=" + cgOut, b.bin}, args...)
		bin, env = "valgrind", append(env, "GODEBUG=asyncpreemptoff=1")
	}
	start := time.Now()
	agent, err := process.Start(b.dir, name, bin, args, env)
	if err != nil {
		return result{}, err
	}
	defer agent.Stop(10 * time.Second)
	var counter *perfCounter
	if b.perf && !b.cachegrind {
		if counter, err = startPerf(b.dir, name, agent.PID()); err != nil {
			return result{}, err
		}
		// Idempotent: the stop below reports the count and any error.
		defer func() { _, _ = counter.stop() }()
	}

	var got int64
	deadline := start.Add(b.timeout)
	for got < int64(n) {
		if exited, werr := agent.Exited(); exited {
			return result{}, fmt.Errorf("agent exited (%w); output:\n%s", werr, agent.Tail(4000))
		}
		if time.Now().After(deadline) {
			return result{}, fmt.Errorf("sink accepted %d of %d records within %s; agent output:\n%s", got, n, b.timeout, agent.Tail(4000))
		}
		select {
		case <-b.ctx.Done():
			return result{}, b.ctx.Err()
		case <-time.After(pollInterval):
		}
		a, err := s.accepted()
		if err != nil {
			return result{}, err
		}
		got = a - before
	}
	r := result{records: int64(n), wall: time.Since(start), extra: got - int64(n), loopback: loopbackBytes() - lo0}
	if r.cpu, err = cpuTime(agent.PID()); err != nil {
		return r, err
	}
	if r.peakRSS, err = peakRSS(agent.PID()); err != nil {
		return r, err
	}
	if counter != nil {
		if r.instructions, err = counter.stop(); err != nil {
			return r, err
		}
	}
	if b.cachegrind {
		// cachegrind writes its counts when the agent exits; a graceful
		// stop under valgrind takes a few seconds.
		agent.Stop(2 * time.Minute)
		if r.instructions, err = cachegrindTotal(cgOut); err != nil {
			return r, fmt.Errorf("%w; agent output:\n%s", err, agent.Tail(2000))
		}
	}
	return r, nil
}

// agentCommand returns the arguments and the environment of v's agent:
// the embedded agent with its overrides for a shipped variant, a
// configuration written from agentTemplate for the others.
func (b *bench) agentCommand(name string, v variant, linesFile, storage, sink string, metricsPort int) (args, env []string, err error) {
	if v.shipped {
		if args, err = shippedArgs(b.dir, name, v); err != nil {
			return nil, nil, err
		}
		env, err = shippedEnv(linesFile, storage, sink, metricsPort)
		return args, env, err
	}
	cfg := filepath.Join(b.dir, name+".yaml")
	err = writeConfig(cfg, agentTemplate, agentParams{
		Pipeline: v.pipeline, LinesFile: linesFile, StorageDir: storage, Sink: sink,
		MetricsPort: metricsPort, Compression: v.compression, Queue: v.queue, Fsync: v.fsync,
	})
	args = []string{"--config", "file:" + cfg}
	if v.pipeline == stockPipeline {
		// A stock collector emits file_log's records asynchronously; hypha
		// turns the synchronous emitter on by default.
		args = append(args, "--feature-gates=-stanza.synchronousLogEmitter")
	}
	return args, nil, err
}

// userHZ is the unit of the times in /proc/<pid>/stat: USER_HZ, which
// Linux fixes at 100 for user space on every architecture it runs on.
const userHZ = 100

// cpuTime is the user plus system time process pid has used so far.
func cpuTime(pid int) (time.Duration, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	// The command name (field 2) may hold spaces; the fields after it
	// start with the state (field 3), so utime and stime (14, 15) are the
	// 12th and 13th after the closing parenthesis.
	f := strings.Fields(string(b[bytes.LastIndexByte(b, ')')+1:]))
	if len(f) < 13 {
		return 0, fmt.Errorf("/proc/%d/stat: too few fields", pid)
	}
	var ticks int64
	for _, s := range f[11:13] {
		t, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return 0, err
		}
		ticks += t
	}
	return time.Duration(ticks) * time.Second / userHZ, nil
}

// peakRSS is process pid's peak resident set size (VmHWM) in bytes.
func peakRSS(pid int) (int64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	for line := range strings.SplitSeq(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			return kb << 10, err
		}
	}
	return 0, fmt.Errorf("/proc/%d/status: no VmHWM", pid)
}

// loopbackBytes is the count of bytes sent through the loopback interface
// (/proc/net/dev), or 0 if it cannot be read. It is machine-wide, so it is
// only an indication of what the exporter's compression saves.
func loopbackBytes() int64 {
	b, err := os.ReadFile("/proc/net/dev")
	if err != nil {
		return 0
	}
	for line := range strings.SplitSeq(string(b), "\n") {
		name, rest, ok := strings.Cut(line, ":")
		if !ok || strings.TrimSpace(name) != "lo" {
			continue
		}
		// Receive bytes is the first field; on lo what is sent is received.
		f := strings.Fields(rest)
		if len(f) == 0 {
			return 0
		}
		n, _ := strconv.ParseInt(f[0], 10, 64)
		return n
	}
	return 0
}
