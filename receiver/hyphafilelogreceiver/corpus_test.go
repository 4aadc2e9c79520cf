// Copyright The Hypha Authors
// SPDX-License-Identifier: Apache-2.0

package hyphafilelogreceiver

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/open-telemetry/opentelemetry-collector-contrib/pkg/pdatatest/plogtest"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/receiver/receivertest"

	"github.com/hypha-obs/hypha/receiver/hyphafilelogreceiver/internal/metadata"
)

var update = flag.Bool("update", false, "rewrite testdata/corpus/*.records from what the receiver sends")

// recordSep separates the expected records in a .records file.
const recordSep = "\n%%\n"

// TestCorpus reads each excerpt of testdata/corpus (real logs from public
// projects, see SOURCES.md) with the receiver, as the agent runs it, and
// compares the records it sends with the .records file beside it. It also
// scores each file against reading it line by line, as contrib's file_log
// does, and logs the table by language.
func TestCorpus(t *testing.T) {
	files, err := filepath.Glob("testdata/corpus/*.log")
	require.NoError(t, err)
	require.NotEmpty(t, files)
	var mu sync.Mutex
	scores := map[string][2]score{}
	t.Cleanup(func() { logScores(t, scores) })
	for _, f := range files {
		name := strings.TrimSuffix(filepath.Base(f), ".log")
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			got := readRecords(t, f)
			want := filepath.Join("testdata/corpus", name+".records")
			if *update {
				require.NoError(t, os.WriteFile(want, []byte(strings.Join(got, recordSep)+"\n"), 0o644))
			}
			b, err := os.ReadFile(want)
			require.NoError(t, err)
			expected := strings.Split(strings.TrimSuffix(string(b), "\n"), recordSep)
			require.NoError(t, plogtest.CompareLogs(toLogs(expected), toLogs(got), plogtest.IgnoreObservedTimestamp()))
			raw, err := os.ReadFile(f)
			require.NoError(t, err)
			mu.Lock()
			scores[name] = [2]score{scoreOf(expected, lineByLine(raw)), scoreOf(expected, got)}
			mu.Unlock()
		})
	}
}

// readRecords runs the receiver over one file from its start and returns
// the bodies it sent, once no more come.
func readRecords(t *testing.T, path string) []string {
	t.Helper()
	f := NewFactory()
	cfg := f.CreateDefaultConfig().(*Config)
	cfg.InputConfig.Include = []string{path}
	cfg.InputConfig.StartAt = "beginning"
	cfg.InputConfig.IncludeFileName = false
	return runReceiver(t, cfg)
}

func runReceiver(t *testing.T, cfg *Config) []string {
	t.Helper()
	sink := new(consumertest.LogsSink)
	rcv, err := NewFactory().CreateLogs(context.Background(), receivertest.NewNopSettings(metadata.Type), cfg, sink)
	require.NoError(t, err)
	require.NoError(t, rcv.Start(context.Background(), componenttest.NewNopHost()))
	defer func() { require.NoError(t, rcv.Shutdown(context.Background())) }()
	// Wait until the count has stood still for longer than a held record
	// waits (force_flush_period plus a poll).
	last, since := -1, time.Now()
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if n := sink.LogRecordCount(); n != last {
			last, since = n, time.Now()
		} else if n > 0 && time.Since(since) > time.Second {
			break
		}
	}
	var bodies []string
	for _, ld := range sink.AllLogs() {
		bodies = appendBodies(bodies, ld)
	}
	return bodies
}

// appendBodies appends the body of every record in ld, in order.
func appendBodies(bodies []string, ld plog.Logs) []string {
	rls := ld.ResourceLogs()
	for i := range rls.Len() {
		sls := rls.At(i).ScopeLogs()
		for j := range sls.Len() {
			lrs := sls.At(j).LogRecords()
			for k := range lrs.Len() {
				bodies = append(bodies, lrs.At(k).Body().Str())
			}
		}
	}
	return bodies
}

// toLogs builds what the receiver sends for these bodies.
func toLogs(bodies []string) plog.Logs {
	ld := plog.NewLogs()
	sl := ld.ResourceLogs().AppendEmpty().ScopeLogs().AppendEmpty()
	sl.Scope().SetName(metadata.ScopeName)
	for _, b := range bodies {
		lr := sl.LogRecords().AppendEmpty()
		lr.Body().SetStr(b)
	}
	return ld
}

// lineByLine is what file_log without joining sends: every line that is
// not blank, trimmed.
func lineByLine(raw []byte) []string {
	var out []string
	for l := range bytes.SplitSeq(raw, []byte("\n")) {
		if s := strings.TrimSpace(string(l)); s != "" {
			out = append(out, s)
		}
	}
	return out
}

// score compares records sent with the expected ones.
type score struct {
	multi, multiJoined    int // expected records of several lines, and those sent whole
	single, singleKept    int // expected records of one line, and those sent alone
	extra                 int // records sent that are not an expected record
	expected, sentInTotal int
}

// add sums the counts the per-language table shows.
func (s *score) add(o score) {
	s.multi += o.multi
	s.multiJoined += o.multiJoined
	s.single += o.single
	s.singleKept += o.singleKept
	s.extra += o.extra
}

func scoreOf(expected, got []string) score {
	var s score
	sent := map[string]int{}
	for _, g := range got {
		sent[g]++
	}
	for _, e := range expected {
		ok := sent[e] > 0
		if ok {
			sent[e]--
		}
		if strings.Contains(e, "\n") {
			s.multi++
			if ok {
				s.multiJoined++
			}
		} else {
			s.single++
			if ok {
				s.singleKept++
			}
		}
	}
	for _, n := range sent {
		s.extra += n
	}
	s.expected, s.sentInTotal = len(expected), len(got)
	return s
}

// logScores prints the before (line by line) and after (joined) scores by
// language, the part of the file name before the first '-'.
func logScores(t *testing.T, scores map[string][2]score) {
	by := map[string][2]score{}
	for name, s := range scores {
		lang, _, _ := strings.Cut(name, "-")
		acc := by[lang]
		for i := range 2 {
			acc[i].add(s[i])
		}
		by[lang] = acc
	}
	langs := make([]string, 0, len(by))
	for l := range by {
		langs = append(langs, l)
	}
	sort.Strings(langs)
	var b strings.Builder
	fmt.Fprintf(&b, "\n| language | files | multi-line joined (before → after) | single lines kept (before → after) | extra records (before → after) |\n|---|---|---|---|---|\n")
	var total [2]score
	files := map[string]int{}
	for name := range scores {
		lang, _, _ := strings.Cut(name, "-")
		files[lang]++
	}
	for _, l := range langs {
		s := by[l]
		fmt.Fprintf(&b, "| %s | %d | %d/%d → %d/%d | %d/%d → %d/%d | %d → %d |\n", l, files[l],
			s[0].multiJoined, s[0].multi, s[1].multiJoined, s[1].multi,
			s[0].singleKept, s[0].single, s[1].singleKept, s[1].single, s[0].extra, s[1].extra)
		for i := range 2 {
			total[i].add(s[i])
		}
	}
	fmt.Fprintf(&b, "| all | %d | %d/%d → %d/%d | %d/%d → %d/%d | %d → %d |\n", len(scores),
		total[0].multiJoined, total[0].multi, total[1].multiJoined, total[1].multi,
		total[0].singleKept, total[0].single, total[1].singleKept, total[1].single, total[0].extra, total[1].extra)
	t.Log(b.String())
}
