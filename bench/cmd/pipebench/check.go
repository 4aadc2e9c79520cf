// Copyright The Hypha Authors
// SPDX-License-Identifier: Apache-2.0

package main

import (
	"bufio"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"go.opentelemetry.io/collector/pdata/plog"
)

// check runs v's pipeline over a small file into a sink that writes what it
// receives to a file, and verifies every record.
func (b *bench) check(v variant, n int) error {
	lines := filepath.Join(b.dir, "check-"+v.checkName()+".log")
	st, err := writeLines(lines, n, 2)
	if err != nil {
		return err
	}
	out := filepath.Join(b.dir, "check-"+v.checkName()+".json")
	s, err := b.startSink("check-sink-"+v.checkName(), out)
	if err != nil {
		return err
	}
	defer s.Stop(10 * time.Second)
	if _, err := b.measure(v, s, "", lines, n); err != nil {
		return err
	}
	// A graceful stop flushes the file exporter.
	s.Stop(10 * time.Second)
	c, err := verify(out, v.pipeline != "raw" && v.pipeline != stockPipeline)
	if err != nil {
		return err
	}
	fmt.Printf("check %-7s %s\n", v.checkName(), c)
	if c.records != st.lines || c.withIDs != st.withIDs || c.wrong() > 0 {
		return fmt.Errorf("want %d records, %d with ids, all fields as in the line; got %s (output in %s)", st.lines, st.withIDs, c, out)
	}
	return nil
}

// checkCounts counts, per native field, the records where it does not hold
// what the line says.
type checkCounts struct {
	records, withIDs                  int
	badIDs, badFlags, badTime, badSev int
}

func (c checkCounts) wrong() int { return c.badIDs + c.badFlags + c.badTime + c.badSev }

func (c checkCounts) String() string {
	return fmt.Sprintf("%d records, %d with ids in the line; wrong native fields: ids %d, flags %d, time %d, severity %d",
		c.records, c.withIDs, c.badIDs, c.badFlags, c.badTime, c.badSev)
}

// pinoLine is what verify reads back from a record's body.
type pinoLine struct {
	Level      int    `json:"level"`
	Time       int64  `json:"time"`
	TraceID    string `json:"trace_id"`
	SpanID     string `json:"span_id"`
	TraceFlags string `json:"trace_flags"`
}

// verify reads the sink's OTLP JSON output. When parses is set every record
// must carry its line's ids, flags, time and severity in the native fields
// (and no ids where the line has none); otherwise (raw) it must carry none
// of them.
func verify(path string, parses bool) (checkCounts, error) {
	var c checkCounts
	f, err := os.Open(path)
	if err != nil {
		return c, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 256<<20)
	var u plog.JSONUnmarshaler
	for sc.Scan() {
		ld, err := u.UnmarshalLogs(sc.Bytes())
		if err != nil {
			return c, err
		}
		for _, rl := range ld.ResourceLogs().All() {
			for _, sl := range rl.ScopeLogs().All() {
				for _, lr := range sl.LogRecords().All() {
					if err := c.add(lr, parses); err != nil {
						return c, err
					}
				}
			}
		}
	}
	return c, sc.Err()
}

func (c *checkCounts) add(lr plog.LogRecord, parses bool) error {
	var line pinoLine
	if err := json.Unmarshal([]byte(lr.Body().Str()), &line); err != nil {
		return fmt.Errorf("record body %q: %w", lr.Body().AsString(), err)
	}
	c.records++
	if line.TraceID != "" {
		c.withIDs++
	}
	if !parses {
		if !lr.TraceID().IsEmpty() || !lr.SpanID().IsEmpty() || lr.Flags() != 0 || lr.Timestamp() != 0 || lr.SeverityNumber() != 0 {
			c.badIDs++
		}
		return nil
	}
	tid, sid := lr.TraceID(), lr.SpanID()
	if line.TraceID == "" {
		if !tid.IsEmpty() || !sid.IsEmpty() {
			c.badIDs++
		}
	} else {
		if hex.EncodeToString(tid[:]) != line.TraceID || hex.EncodeToString(sid[:]) != line.SpanID {
			c.badIDs++
		}
		if flags, _ := strconv.ParseUint(line.TraceFlags, 16, 8); uint64(lr.Flags()) != flags {
			c.badFlags++
		}
	}
	if int64(lr.Timestamp()) != line.Time*int64(time.Millisecond) {
		c.badTime++
	}
	// pino's levels 10, 20, ... 60 are OpenTelemetry's TRACE, DEBUG, INFO,
	// WARN, ERROR and FATAL: 1, 5, 9, 13, 17, 21.
	if int(lr.SeverityNumber()) != line.Level/10*4-3 {
		c.badSev++
	}
	return nil
}
