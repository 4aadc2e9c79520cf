// Copyright The Hypha Authors
// SPDX-License-Identifier: Apache-2.0

package main

import (
	"os"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestParsePipelines(t *testing.T) {
	for _, tc := range []struct {
		list, want, err string
	}{
		{list: "raw,hypha,stanza,ottl", want: "raw,hypha,stanza,ottl"},
		{list: "raw,hypha", want: "raw,hypha"},
		{list: "raw", want: "raw"},
		{list: "hypha,raw", err: "must start with raw"},
		{list: "raw,otel", err: `unknown pipeline "otel"`},
		{list: "raw,hypha,hypha", err: `"hypha" is listed twice`},
		{list: "", err: `unknown pipeline ""`},
	} {
		got, err := parsePipelines(tc.list)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("parsePipelines(%q) = %v, %v; want an error with %q", tc.list, got, err, tc.err)
			}
			continue
		}
		if err != nil || !slices.Equal(got, strings.Split(tc.want, ",")) {
			t.Errorf("parsePipelines(%q) = %v, %v; want %s", tc.list, got, err, tc.want)
		}
	}
}

// runs makes results of n records with the given CPU times in microseconds.
func runs(n int64, cpuMicros ...int64) []result {
	rs := make([]result, len(cpuMicros))
	for i, us := range cpuMicros {
		rs[i] = result{records: n, cpu: time.Duration(us) * time.Microsecond}
	}
	return rs
}

func TestPairedRatio(t *testing.T) {
	ref := runs(1000, 2000, 4000, 2000)
	// Round by round 1.10, 1.05, 1.20: the median of the ratios is 1.10,
	// while the ratio of the medians (2400/2000) would be 1.20.
	hypha := runs(1000, 2200, 4200, 2400)
	if got, want := pairedRatio(hypha, ref), "1.100 (1.05–1.20)"; got != want {
		t.Errorf("pairedRatio = %q, want %q", got, want)
	}
	if got := pairedRatio(runs(1000, 2100), ref); got != "-" {
		t.Errorf("pairedRatio of a single run against three = %q, want -", got)
	}
}

func TestParseDelays(t *testing.T) {
	got, err := parseDelays("1ms,20ms")
	if err != nil || !slices.Equal(got, []time.Duration{time.Millisecond, 20 * time.Millisecond}) {
		t.Errorf("parseDelays(1ms,20ms) = %v, %v", got, err)
	}
	if got, err := parseDelays(""); err != nil || got != nil {
		t.Errorf("parseDelays(\"\") = %v, %v; want none", got, err)
	}
	for _, bad := range []string{"1", "0s", "-1ms", "1ms,"} {
		if _, err := parseDelays(bad); err == nil {
			t.Errorf("parseDelays(%q) succeeded", bad)
		}
	}
}

func TestParsePerfCSV(t *testing.T) {
	n, err := parsePerfCSV("# started on Fri Dec  4 04:01:28 2026\n\n123456789,,instructions:u,2004,100.00,,\n")
	if err != nil || n != 123456789 {
		t.Errorf("parsePerfCSV = %d, %v; want 123456789", n, err)
	}
	// What perf prints inside a virtual machine without a hardware counter.
	if _, err := parsePerfCSV("<not supported>,,instructions:u,0,100.00,,\n"); err == nil || !strings.Contains(err.Error(), "not supported") {
		t.Errorf("parsePerfCSV of <not supported>: %v; want an error that says so", err)
	}
	if _, err := parsePerfCSV(""); err == nil {
		t.Error("parsePerfCSV of nothing succeeded")
	}
}

func TestCachegrindTotal(t *testing.T) {
	path := t.TempDir() + "/out"
	// The end of a cachegrind file as valgrind 3.19 writes it with --cache-sim=no.
	if err := os.WriteFile(path, []byte("desc: I1 cache:\ncmd: hypha --config file:a.yaml\nevents: Ir\nfl=x.go\n1 20\nsummary: 1392092076\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if n, err := cachegrindTotal(path); err != nil || n != 1392092076 {
		t.Errorf("cachegrindTotal = %d, %v; want 1392092076", n, err)
	}
	if err := os.WriteFile(path, []byte("events: Ir\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := cachegrindTotal(path); err == nil {
		t.Error("cachegrindTotal of a file without summary succeeded")
	}
}
