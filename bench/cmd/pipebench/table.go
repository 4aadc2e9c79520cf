// Copyright The Hypha Authors
// SPDX-License-Identifier: Apache-2.0

package main

import (
	"fmt"
	"io"
	"slices"
	"text/tabwriter"
)

// printTable prints one row per variant with the medians of its runs and
// the ratio of its CPU per record to the reference row (raw, or in the
// sweep the stock raw/gzip): the ratio of the medians, and the median of the
// ratios within each round, which pairs runs that shared the machine's
// conditions of the moment.
func printTable(w io.Writer, vs []variant, results map[string][]result, o options) {
	ref := vs[0].name
	refCPU := median(results[ref], result.usPerRecord)
	fmt.Fprintf(w, "agent pipelines, %d lines per run, medians of %d interleaved rounds; CPU is the agent's user+system time\n", o.lines, o.rounds)
	fmt.Fprintf(w, "from its start until the sink had accepted every record; \"vs %s\" compares CPU per record,\n", ref)
	fmt.Fprintf(w, "\"per round\" is the median (min–max) of that ratio taken within each round.\n\n")
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "pipeline\tcompression\tqueue\truns\tCPU µs/record\t(min–max)\tvs "+ref+"\tper round\trecords/s\tpeak RSS MiB\tloopback MB\t")
	for _, v := range vs {
		rs := results[v.name]
		queue := v.queue
		cpu := median(rs, result.usPerRecord)
		lo, hi := minMax(rs, result.usPerRecord)
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%.2f\t(%.2f–%.2f)\t%.2f\t%s\t%.0f\t%.0f\t%.0f\t\n",
			v.name, v.compression, queue, len(rs), cpu, lo, hi, cpu/refCPU, pairedRatio(rs, results[ref]),
			median(rs, result.perSecond),
			median(rs, func(r result) float64 { return float64(r.peakRSS) / (1 << 20) }),
			median(rs, func(r result) float64 { return float64(r.loopback) / 1e6 }))
	}
	tw.Flush()
	fmt.Fprintln(w, "\nloopback MB counts every byte through lo on this machine during the run, so it only indicates what compression saves.")
	if results[ref][0].instructions > 0 {
		fmt.Fprintln(w, "\nuser-space instructions per record (perf stat -e instructions:u on the agent), medians:")
		for _, v := range vs {
			rs := results[v.name]
			fmt.Fprintf(w, "  %-12s %8.0f  vs %s %.3f  per round %s\n", v.name, median(rs, result.instructionsPerRecord),
				ref, median(rs, result.instructionsPerRecord)/median(results[ref], result.instructionsPerRecord),
				pairedRatioOf(rs, results[ref], result.instructionsPerRecord))
		}
	}
	printDurableRounds(w, vs, results)
}

// printDurableRounds prints, round by round, the CPU per record of each
// durable agent against the same pipeline with a memory queue and against
// the stock durable anchor: the two targets.
func printDurableRounds(w io.Writer, vs []variant, results map[string][]result) {
	stock := results[stockPipeline]
	for _, v := range vs {
		if v.queue == queueMemory || v.pipeline == stockPipeline {
			continue
		}
		for _, against := range []string{v.pipeline, stockPipeline} {
			ref := results[against]
			if len(ref) != len(results[v.name]) || len(ref) == 0 || (against == stockPipeline && len(stock) == 0) {
				continue
			}
			fmt.Fprintf(w, "%s ÷ %s, CPU per record round by round:", v.name, against)
			for i, r := range results[v.name] {
				fmt.Fprintf(w, " %.3f", r.usPerRecord()/ref[i].usPerRecord())
			}
			fmt.Fprintln(w)
		}
	}
}

// pairedRatio is the median (min–max) over rounds of rs's CPU per record to
// ref's in the same round, or "-" when rs did not run in every round.
func pairedRatio(rs, ref []result) string { return pairedRatioOf(rs, ref, result.usPerRecord) }

// pairedRatioOf is pairedRatio of any per-run figure f.
func pairedRatioOf(rs, ref []result, f func(result) float64) string {
	if len(rs) != len(ref) || len(rs) == 0 {
		return "-"
	}
	ratios := make([]float64, len(rs))
	for i := range rs {
		ratios[i] = f(rs[i]) / f(ref[i])
	}
	slices.Sort(ratios)
	return fmt.Sprintf("%.3f (%.2f–%.2f)", middle(ratios), ratios[0], ratios[len(ratios)-1])
}

// values returns f of every result, sorted.
func values(rs []result, f func(result) float64) []float64 {
	v := make([]float64, len(rs))
	for i, r := range rs {
		v[i] = f(r)
	}
	slices.Sort(v)
	return v
}

// middle is the median of sorted values, 0 for none.
func middle(v []float64) float64 {
	switch {
	case len(v) == 0:
		return 0
	case len(v)%2 == 1:
		return v[len(v)/2]
	}
	return (v[len(v)/2-1] + v[len(v)/2]) / 2
}

func median(rs []result, f func(result) float64) float64 { return middle(values(rs, f)) }

func minMax(rs []result, f func(result) float64) (float64, float64) {
	v := values(rs, f)
	if len(v) == 0 {
		return 0, 0
	}
	return v[0], v[len(v)-1]
}
