// Copyright The Hypha Authors
// SPDX-License-Identifier: Apache-2.0

package main

import (
	"bufio"
	"os"
	"time"

	"github.com/hypha-obs/hypha/bench/pinolines"
)

// lineStats says what a generated file holds, for the check runs.
type lineStats struct {
	lines, withIDs int
}

// writeLines writes n lines of pinolines to path. Times are one millisecond
// apart and end at the current time, so that no backend would drop the
// records as too old.
func writeLines(path string, n int, seed uint64) (lineStats, error) {
	f, err := os.Create(path)
	if err != nil {
		return lineStats{}, err
	}
	w := bufio.NewWriterSize(f, 1<<20)
	g := pinolines.New(seed)
	start := time.Now().UnixMilli() - int64(n)
	st := lineStats{lines: n}
	var line []byte
	for i := range n {
		var withIDs bool
		line, withIDs = g.Append(line[:0], start+int64(i))
		if withIDs {
			st.withIDs++
		}
		// A bufio.Writer keeps its first error; Flush returns it.
		_, _ = w.Write(line)
		_ = w.WriteByte('\n')
	}
	if err := w.Flush(); err != nil {
		f.Close()
		return st, err
	}
	return st, f.Close()
}
