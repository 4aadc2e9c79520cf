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
	rounds, lines, checkLines int
	sweep, persistent, keep   bool
	compression               string
	pipelines                 []string
	runTimeout                time.Duration
}

func main() {
	var o options
	flag.IntVar(&o.rounds, "rounds", 3, "interleaved rounds; medians are reported")
	flag.IntVar(&o.lines, "lines", 1_000_000, "generated lines per run")
	flag.IntVar(&o.checkLines, "check-lines", 2000, "lines of the check run that verifies each pipeline's output")
	flag.BoolVar(&o.sweep, "compression-sweep", false, "compare otlp_grpc compressions (none, snappy, zstd, gzip) on the hypha pipeline")
	flag.StringVar(&o.compression, "compression", "snappy", "exporter compression of the pipeline comparison (the shipped agent's)")
	flag.BoolVar(&o.persistent, "persistent", true, "also run the raw and hypha pipelines once with the shipped on-disk sending queue")
	flag.BoolVar(&o.keep, "keep", false, "keep the work folder (configs, process output)")
	flag.DurationVar(&o.runTimeout, "run-timeout", 0, "bound on one run (default 60s plus 200µs per line)")
	list := flag.String("pipelines", strings.Join(pipelines, ","), "comma-separated pipelines to compare, raw first: more rounds of fewer pipelines in the same time (not used by -compression-sweep, which has its own)")
	flag.Parse()
	var err error
	if o.pipelines, err = parsePipelines(*list); err != nil {
		fmt.Fprintln(os.Stderr, "pipebench: -pipelines:", err)
		os.Exit(2)
	}
	if o.runTimeout == 0 {
		o.runTimeout = 60*time.Second + time.Duration(o.lines)*200*time.Microsecond
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

	// The children run in their own process groups (harness.StartCmd), so a
	// Ctrl-C reaches only this program; cancelling ends the wait under way
	// and the deferred stops end exactly the processes started here.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	b := &bench{ctx: ctx, bin: bin, dir: dir, timeout: o.runTimeout}

	variants := pipelineVariants(o)
	if o.sweep {
		variants = sweepVariants()
	}

	checked := map[string]bool{}
	for _, v := range variants {
		if checked[v.pipeline] {
			continue
		}
		checked[v.pipeline] = true
		if err := b.check(v, o.checkLines); err != nil {
			return fmt.Errorf("check run of %s: %w", v.pipeline, err)
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

	results := map[string][]result{}
	for round := 1; round <= o.rounds; round++ {
		for _, v := range variants {
			r, err := b.measure(v, s, linesFile, st.lines)
			if err != nil {
				return fmt.Errorf("round %d, %s: %w", round, v.name, err)
			}
			fmt.Printf("round %d/%d %-16s %s\n", round, o.rounds, v.name, r)
			results[v.name] = append(results[v.name], r)
		}
	}
	// The shipped agent keeps its queue on disk; one run each of raw and
	// hypha that way shows what the queue itself costs.
	var extra []variant
	if o.persistent && !o.sweep {
		for _, p := range []string{"raw", "hypha"} {
			if !slices.Contains(o.pipelines, p) {
				continue
			}
			v := variant{name: p + "/disk", pipeline: p, compression: o.compression, persistent: true}
			r, err := b.measure(v, s, linesFile, st.lines)
			if err != nil {
				return fmt.Errorf("%s: %w", v.name, err)
			}
			fmt.Printf("once      %-16s %s\n", v.name, r)
			results[v.name] = append(results[v.name], r)
			extra = append(extra, v)
		}
	}

	fmt.Println()
	printTable(os.Stdout, append(variants, extra...), results, o)
	return nil
}

// variant is one agent setup that is measured.
type variant struct {
	name, pipeline, compression string
	persistent                  bool
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
		vs = append(vs, variant{name: p, pipeline: p, compression: o.compression})
	}
	return vs
}

// sweepVariants are the hypha pipeline with each compression, and the stock
// raw pipeline (the exporter's default compression, gzip) as the reference:
// the goal is an agent that correlates and still costs less than that.
func sweepVariants() []variant {
	vs := []variant{{name: "raw/gzip", pipeline: "raw", compression: "gzip"}}
	for _, c := range []string{"none", "snappy", "zstd", "gzip"} {
		vs = append(vs, variant{name: "hypha/" + c, pipeline: "hypha", compression: c})
	}
	return vs
}
