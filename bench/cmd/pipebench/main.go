// Copyright The Hypha Authors
// SPDX-License-Identifier: Apache-2.0

// Command pipebench is the end-to-end half of `make bench`: it compares agent
// pipelines on the same generated file by running real hypha processes. Each
// run starts an agent that tails a file of pino-style JSON lines from the
// beginning and sends them over OTLP/gRPC to a second hypha (the sink), and
// measures the agent's CPU time until the sink has accepted every record,
// its wall-clock rate and its peak resident memory. The pipelines (raw, hypha,
// stanza, ottl) run interleaved for several rounds so that a noisy neighbour
// hurts all of them alike, and the medians are printed with their ratio to
// raw, both median to median and as the median of the ratios within each
// round. -pipelines picks a subset (raw,hypha gives more rounds of the pair
// in the same time). With -compression-sweep it compares the exporter's
// compressions on the hypha pipeline instead.
//
// The durable agents, which lose nothing when killed, run in every round too
// (-durable): hypha with its sending queue on disk, hypha acknowledged end to
// end (a batch returns to file_log only once the sink has it), and the stock
// durable anchor (contrib's fault-tolerant log collection example). Each
// round's ratio to the same pipeline with a memory queue and to the anchor is
// printed. Where perf counts user-space instructions, each run's count per
// record is printed beside its CPU time: it moves far less on a shared
// machine. Where it cannot (a virtual machine without a hardware counter),
// -cachegrind counts them under valgrind instead, at two file sizes so that
// the start and the shutdown cancel out. -delays measures the durable agents' rate through a proxy that
// delays the way to the sink, since an acknowledged batch waits a round trip.
//
// Before measuring, a short check run per pipeline writes what the sink
// receives to a file and verifies that the ids, flags, severity and time of
// every line really are in the records' native fields: a pipeline that
// silently does nothing would otherwise look cheap.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"time"
)

type options struct {
	rounds, lines, checkLines, delayLines   int
	sweep, durable, fsync, keep, cachegrind bool
	compression                             string
	pipelines                               []string
	delays                                  []time.Duration
	runTimeout                              time.Duration
	base                                    string // -compare-with
}

func main() {
	var o options
	flag.IntVar(&o.rounds, "rounds", 3, "interleaved rounds; medians are reported")
	flag.IntVar(&o.lines, "lines", 1_000_000, "generated lines per run")
	flag.IntVar(&o.checkLines, "check-lines", 2000, "lines of the check run that verifies each pipeline's output")
	flag.BoolVar(&o.sweep, "compression-sweep", false, "compare otlp_grpc compressions (none, snappy, zstd, gzip) on the hypha pipeline")
	flag.StringVar(&o.compression, "compression", "snappy", "exporter compression of the pipeline comparison (the shipped agent's)")
	flag.BoolVar(&o.durable, "durable", true, "also run, in every round, the durable agents: hypha with a disk queue, hypha acknowledged end to end, and the stock durable anchor")
	flag.BoolVar(&o.fsync, "fsync", false, "also run, in every round, hypha with its disk queue synced (fsync) and the shipped agent with its checkpoints unsynced")
	flag.BoolVar(&o.cachegrind, "cachegrind", false, "instead of timing the agents, count their instructions under valgrind's cachegrind, once at -lines and once at a sixth of it, and print the difference per record (for machines where perf counts nothing; about 50 times slower)")
	flag.IntVar(&o.delayLines, "delay-lines", 200_000, "lines per run of the -delays measurement")
	delays := flag.String("delays", "", "comma-separated round-trip delays (e.g. 1ms,20ms) at which the durable agents' throughput is measured through a delaying proxy")
	flag.BoolVar(&o.keep, "keep", false, "keep the work folder (configs, process output)")
	flag.StringVar(&o.base, "compare-with", "", "instead of the pipelines, compare the shipped agent of HYPHA_BIN with that of this hypha binary (another build, e.g. main's) on pino lines and on a text log with stack traces, which HYPHA_BIN joins")
	flag.DurationVar(&o.runTimeout, "run-timeout", 0, "bound on one run (default 60s plus 200µs per line)")
	list := flag.String("pipelines", strings.Join(pipelines, ","), "comma-separated pipelines to compare, raw first: more rounds of fewer pipelines in the same time (not used by -compression-sweep, which has its own)")
	flag.Parse()
	var err error
	if o.pipelines, err = parsePipelines(*list); err != nil {
		fmt.Fprintln(os.Stderr, "pipebench: -pipelines:", err)
		os.Exit(2)
	}
	if o.delays, err = parseDelays(*delays); err != nil {
		fmt.Fprintln(os.Stderr, "pipebench: -delays:", err)
		os.Exit(2)
	}
	if o.runTimeout == 0 {
		o.runTimeout = 60*time.Second + time.Duration(o.lines)*200*time.Microsecond
		if o.cachegrind {
			o.runTimeout *= 20
		}
	}
	if err := run(o); err != nil {
		fmt.Fprintln(os.Stderr, "pipebench:", err)
		os.Exit(1)
	}
}

func run(o options) error {
	bin := os.Getenv("HYPHA_BIN")
	if bin == "" {
		return errors.New("HYPHA_BIN is not set: run `make bench`, or set it to a built bin/hypha")
	}
	if _, err := os.Stat(bin); err != nil {
		return err
	}
	dir, err := os.MkdirTemp("", "pipebench-")
	if err != nil {
		return err
	}
	if o.keep {
		fmt.Println("work folder:", dir)
	} else {
		defer os.RemoveAll(dir)
	}

	// The children run in their own process groups (process.StartCmd), so a
	// Ctrl-C reaches only this program; cancelling ends the wait under way
	// and the deferred stops end exactly the processes started here.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	b := &bench{ctx: ctx, bin: bin, dir: dir, timeout: o.runTimeout}
	if b.perf, err = perfWorks(); !b.perf {
		fmt.Println("no instruction counts:", err)
	}

	variants := pipelineVariants(o)
	if o.sweep {
		variants = sweepVariants()
	}

	checked := map[string]bool{}
	for _, v := range variants {
		if checked[v.checkName()] {
			continue
		}
		checked[v.checkName()] = true
		if err := b.check(v, o.checkLines); err != nil {
			return fmt.Errorf("check run of %s: %w", v.checkName(), err)
		}
	}

	linesFile := filepath.Join(dir, "lines.log")
	start := time.Now()
	st, err := writeLines(linesFile, o.lines, 1)
	if err != nil {
		return err
	}
	fi, err := os.Stat(linesFile)
	if err != nil {
		return err
	}
	fmt.Printf("generated %d lines (%d with ids), %.0f bytes per line, in %s\n",
		st.lines, st.withIDs, float64(fi.Size())/float64(st.lines), time.Since(start).Round(time.Millisecond))

	s, err := b.startSink("sink", "")
	if err != nil {
		return err
	}
	defer s.Stop(10 * time.Second)
	if o.cachegrind {
		return b.countInstructions(s, variants, linesFile, st.lines)
	}
	if o.base != "" {
		return b.compareBuilds(s, o.base, o, linesFile, st.lines)
	}

	results := map[string][]result{}
	for round := 1; round <= o.rounds; round++ {
		for _, v := range variants {
			r, err := b.measure(v, s, "", linesFile, st.lines)
			if err != nil {
				return fmt.Errorf("round %d, %s: %w", round, v.name, err)
			}
			fmt.Printf("round %d/%d %-16s %s\n", round, o.rounds, v.name, r)
			results[v.name] = append(results[v.name], r)
		}
	}
	fmt.Println()
	printTable(os.Stdout, variants, results, o)
	if len(o.delays) > 0 && !o.sweep {
		return b.measureDelays(s, o)
	}
	return nil
}

// variant is one agent setup that is measured.
type variant struct {
	name, pipeline, compression string
	queue                       string // queueMemory, queueDisk or queueAck
	fsync                       bool   // file_storage syncs every write
	// shipped runs the embedded agent (hypha:agent) with only what a
	// benchmark must change (shipped.go), instead of agentTemplate. Its
	// queue is queueAck; fsync false unsyncs its checkpoints.
	shipped bool
}

// checkName names v's check run: one per pipeline, and one for the
// shipped agent, whose configuration is not the template's.
func (v variant) checkName() string {
	if v.shipped {
		return "shipped"
	}
	return v.pipeline
}

// parsePipelines checks a -pipelines list: known names, each once, raw
// first, because every ratio is to raw.
func parsePipelines(list string) ([]string, error) {
	names := strings.Split(list, ",")
	for i, n := range names {
		if !slices.Contains(pipelines, n) {
			return nil, fmt.Errorf("unknown pipeline %q (known: %s)", n, strings.Join(pipelines, ", "))
		}
		if slices.Contains(names[:i], n) {
			return nil, fmt.Errorf("pipeline %q is listed twice", n)
		}
	}
	if names[0] != "raw" {
		return nil, fmt.Errorf("the list must start with raw, the reference of every ratio; got %q", list)
	}
	return names, nil
}

func pipelineVariants(o options) []variant {
	var vs []variant
	for _, p := range o.pipelines {
		vs = append(vs, variant{name: p, pipeline: p, compression: o.compression, queue: queueMemory})
	}
	if o.durable {
		vs = append(vs, durableVariants(o.compression)...)
	}
	if o.fsync {
		vs = append(vs,
			variant{name: "hypha/disk+fsync", pipeline: "hypha", compression: o.compression, queue: queueDisk, fsync: true},
			variant{name: "shipped/unsynced", pipeline: "hypha", compression: shippedCompression, queue: queueAck, shipped: true})
	}
	return vs
}

// durableVariants are the agents that lose nothing when killed: hypha with
// the disk queue, hypha acknowledged end to end, and the stock anchor.
func durableVariants(compression string) []variant {
	return []variant{
		{name: "hypha/disk", pipeline: "hypha", compression: compression, queue: queueDisk},
		// The embedded agent, acknowledged end to end, its checkpoints
		// synced to disk: the agent as shipped.
		{name: "shipped", pipeline: "hypha", compression: shippedCompression, queue: queueAck, fsync: true, shipped: true},
		{name: stockPipeline, pipeline: stockPipeline, compression: "gzip", queue: queueDisk},
	}
}

// parseDelays reads a -delays list; empty means none.
func parseDelays(list string) ([]time.Duration, error) {
	if list == "" {
		return nil, nil
	}
	var ds []time.Duration
	for f := range strings.SplitSeq(list, ",") {
		d, err := time.ParseDuration(f)
		if err != nil || d <= 0 {
			return nil, fmt.Errorf("%q is not a positive duration", f)
		}
		ds = append(ds, d)
	}
	return ds, nil
}

// sweepVariants are the hypha pipeline with each compression, and the stock
// raw pipeline (the exporter's default compression, gzip) as the reference:
// the goal is an agent that correlates and still costs less than that.
func sweepVariants() []variant {
	vs := []variant{{name: "raw/gzip", pipeline: "raw", compression: "gzip", queue: queueMemory}}
	for _, c := range []string{"none", "snappy", "zstd", "gzip"} {
		vs = append(vs, variant{name: "hypha/" + c, pipeline: "hypha", compression: c, queue: queueMemory})
	}
	return vs
}

// measureDelays measures, for each delay, the durable agents' rate through a
// proxy that delays the way to the sink and back by that much. A batch acked
// end to end waits for the answer before the next is read, so the round
// trip bounds its rate; a queue hides it.
func (b *bench) measureDelays(s *sink, o options) error {
	linesFile := filepath.Join(b.dir, "delay-lines.log")
	st, err := writeLines(linesFile, o.delayLines, 3)
	if err != nil {
		return err
	}
	vs := append([]variant{{name: "hypha", pipeline: "hypha", compression: o.compression, queue: queueMemory}}, durableVariants(o.compression)...)
	fmt.Printf("\nthroughput through a delaying proxy, %d lines per run:\n", st.lines)
	for _, d := range o.delays {
		p, err := startDelayProxy(s.endpoint, d)
		if err != nil {
			return err
		}
		for _, v := range vs {
			r, err := b.measure(v, s, p.addr(), linesFile, st.lines)
			if err != nil {
				p.stop()
				return fmt.Errorf("%s at %s round trip: %w", v.name, d, err)
			}
			fmt.Printf("rtt %-6s %-16s %s\n", d, v.name, r)
		}
		p.stop()
	}
	return nil
}

// countInstructions runs each variant under cachegrind over the first sixth
// of linesFile and over all of it (n lines): the difference, divided by
// the lines between, is the instructions per record without the start and
// the shutdown.
func (b *bench) countInstructions(s *sink, vs []variant, linesFile string, n int) error {
	small := n / 6
	smallFile := filepath.Join(b.dir, "lines-sixth.log")
	if _, err := writeLines(smallFile, small, 1); err != nil {
		return err
	}
	b.cachegrind = true
	perRecord := map[string]float64{}
	for _, v := range vs {
		var counts [2]int64
		for i, run := range []struct {
			file  string
			lines int
		}{{smallFile, small}, {linesFile, n}} {
			r, err := b.measure(v, s, "", run.file, run.lines)
			if err != nil {
				return fmt.Errorf("%s under cachegrind: %w", v.name, err)
			}
			counts[i] = r.instructions
		}
		perRecord[v.name] = float64(counts[1]-counts[0]) / float64(n-small)
		fmt.Printf("cachegrind %-18s %6d lines: %14d instructions; %d lines: %14d; %8.0f instructions/record\n",
			v.name, small, counts[0], n, counts[1], perRecord[v.name])
	}
	fmt.Printf("\ninstructions per record (cachegrind, (I(%d lines) - I(%d lines)) / %d):\n", n, small, n-small)
	for _, v := range vs {
		line := fmt.Sprintf("  %-18s %8.0f  vs %s %.3f", v.name, perRecord[v.name], vs[0].name, perRecord[v.name]/perRecord[vs[0].name])
		if ref, ok := perRecord[v.pipeline]; ok && v.pipeline != v.name {
			line += fmt.Sprintf("  vs %s %.3f", v.pipeline, perRecord[v.name]/ref)
		}
		if ref, ok := perRecord[stockPipeline]; ok && v.name != stockPipeline {
			line += fmt.Sprintf("  vs %s %.3f", stockPipeline, perRecord[v.name]/ref)
		}
		fmt.Println(line)
	}
	return nil
}
