// Copyright The Hypha Authors
// SPDX-License-Identifier: Apache-2.0

package main

import (
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/hypha-obs/hypha/e2e/harness"
)

// Layout of one waterfall line, sized so that the whole line stays within
// 100 columns: "  " + label + " " + duration + "  " + "│" + bar + "│".
const (
	labelWidth = 54
	barWidth   = 28
	lineWidth  = 100
)

// style decides whether lines carry ANSI colours: only when stdout is a
// terminal, so that output piped to a file or read by a test stays plain.
type style struct{ color bool }

const (
	ansiReset = "\x1b[0m"
	ansiBold  = "\x1b[1m"
	ansiDim   = "\x1b[2m"
	ansiRed   = "\x1b[31m"
)

// serviceColors gives each service its own colour, in order of first
// appearance in the trace, so the eye can follow a service down the tree.
var serviceColors = []string{"\x1b[36m", "\x1b[33m", "\x1b[35m", "\x1b[32m", "\x1b[34m"}

func (s style) paint(code, text string) string {
	if !s.color || code == "" {
		return text
	}
	return code + text + ansiReset
}

// logLine is what the demo shows of one stored log record.
type logLine struct {
	Time     time.Time
	SpanID   string
	Severity string
	Number   int // OpenTelemetry severity number; 17 and up is ERROR or worse
	Message  string
}

// isError reports whether the severity is error or worse, by number when the
// store has one, else by text ("ERROR", "error", "Fatal"…).
func (l logLine) isError() bool {
	if l.Number > 0 {
		return l.Number >= 17
	}
	s := strings.ToUpper(l.Severity)
	return strings.HasPrefix(s, "ERR") || strings.HasPrefix(s, "FATAL") || strings.HasPrefix(s, "CRIT")
}

// toLogLine reads a VictoriaLogs record: the body is in _msg; when it is a
// JSON line, as the demo's loggers write, the message is its msg (pino,
// bunyan) or message (winston) field.
func toLogLine(r harness.LogRecord) logLine {
	// VictoriaLogs trims trailing zeros of the fraction ("…57.75Z"), so
	// times must be parsed, not compared as strings.
	t, _ := time.Parse(time.RFC3339Nano, r["_time"])
	n, _ := strconv.Atoi(r["severity_number"])
	return logLine{Time: t, SpanID: r["span_id"], Severity: r["severity_text"], Number: n, Message: messageOf(r["_msg"])}
}

func messageOf(body string) string {
	var fields map[string]any
	if json.Unmarshal([]byte(body), &fields) == nil {
		for _, key := range []string{"msg", "message"} {
			if m, ok := fields[key].(string); ok {
				return m
			}
		}
	}
	return body
}

// groupBySpan turns the records of one trace into log lines per span id,
// each group in time order, errors last within one millisecond. Records
// without a span id land under "".
func groupBySpan(recs []harness.LogRecord) map[string][]logLine {
	groups := map[string][]logLine{}
	for _, r := range recs {
		l := toLogLine(r)
		groups[l.SpanID] = append(groups[l.SpanID], l)
	}
	for _, g := range groups {
		// The apps log whole milliseconds and the store returns lines of
		// the same millisecond in no set order. Among those, errors go
		// last: a handler that logs an error has usually given up, so
		// that is the likelier order, and it is the same on every run.
		sort.SliceStable(g, func(i, j int) bool {
			if !g[i].Time.Equal(g[j].Time) {
				return g[i].Time.Before(g[j].Time)
			}
			return !g[i].isError() && g[j].isError()
		})
	}
	return groups
}

// hideMiddleware drops express's spans for single middleware functions
// (query parser, expressInit, …): a dozen per request, they bury the call
// path between the services. Children of a dropped span move up to its
// nearest shown ancestor. A span that wrote log lines is always kept.
func hideMiddleware(spans []harness.Span, logs map[string][]logLine) (shown []harness.Span, hidden int) {
	byID := map[string]harness.Span{}
	for _, s := range spans {
		byID[s.SpanID] = s
	}
	drop := func(s harness.Span) bool {
		return strings.HasPrefix(s.Operation, "middleware - ") && len(logs[s.SpanID]) == 0
	}
	for _, s := range spans {
		if drop(s) {
			hidden++
			continue
		}
		// Bounded by the number of spans, in case a broken trace has a
		// cycle of parents.
		for i := 0; i < len(spans); i++ {
			p, ok := byID[s.ParentID]
			if !ok || !drop(p) {
				break
			}
			s.ParentID = p.ParentID
		}
		shown = append(shown, s)
	}
	return shown, hidden
}

// treeRow is a span with its depth in the call tree.
type treeRow struct {
	Depth int
	Span  harness.Span
}

// spanTree orders spans depth first, children by start time. A span whose
// parent is not in the trace (not exported yet, or from another trace) is
// shown as a root rather than dropped.
func spanTree(spans []harness.Span) []treeRow {
	byID := map[string]bool{}
	for _, s := range spans {
		byID[s.SpanID] = true
	}
	children := map[string][]harness.Span{}
	var roots []harness.Span
	for _, s := range spans {
		if s.ParentID == "" || !byID[s.ParentID] {
			roots = append(roots, s)
		} else {
			children[s.ParentID] = append(children[s.ParentID], s)
		}
	}
	byStart := func(list []harness.Span) {
		sort.SliceStable(list, func(i, j int) bool { return list[i].StartMicros < list[j].StartMicros })
	}
	var rows []treeRow
	var walk func(s harness.Span, depth int)
	walk = func(s harness.Span, depth int) {
		rows = append(rows, treeRow{Depth: depth, Span: s})
		kids := children[s.SpanID]
		byStart(kids)
		for _, k := range kids {
			walk(k, depth+1)
		}
	}
	byStart(roots)
	for _, r := range roots {
		walk(r, 0)
	}
	return rows
}

// timeBar draws a span as a run of blocks inside a fixed width, placed by
// its start and length relative to the whole trace. Every span gets at least
// one block, so that short spans stay visible.
func timeBar(start, dur, traceStart, traceDur int64, width int) string {
	if traceDur <= 0 {
		traceDur = 1
	}
	offset := int((start - traceStart) * int64(width) / traceDur)
	offset = max(0, min(offset, width-1))
	n := int((dur*int64(width) + traceDur - 1) / traceDur) // round up
	n = max(1, min(n, width-offset))
	return strings.Repeat(" ", offset) + strings.Repeat("█", n) + strings.Repeat(" ", width-offset-n)
}

// fit pads or cuts s to exactly width runes, marking a cut with "…".
func fit(s string, width int) string {
	if n := utf8.RuneCountInString(s); n <= width {
		return s + strings.Repeat(" ", width-n)
	}
	r := []rune(s)
	return string(r[:width-1]) + "…"
}

// waterfall renders a trace as an indented tree with one time bar per span
// and, under each span, the log lines it wrote. Log lines whose span is not
// in the trace are listed at the end, so that nothing the store returned is
// hidden.
func waterfall(spans []harness.Span, logs map[string][]logLine, st style) []string {
	if len(spans) == 0 {
		return nil
	}
	traceStart, traceEnd := spans[0].StartMicros, int64(0)
	for _, s := range spans {
		traceStart = min(traceStart, s.StartMicros)
		traceEnd = max(traceEnd, s.StartMicros+s.DurMicros)
	}
	traceDur := traceEnd - traceStart

	colorOf := map[string]string{}
	var lines []string
	total := fmt.Sprintf("%.1f ms", ms(traceDur))
	lines = append(lines, st.paint(ansiDim, fmt.Sprintf("  %s %11s   %-*s%s",
		fit("service operation", labelWidth), "duration", barWidth-len(total), "0", total)))
	shown := map[string]bool{}
	for _, row := range spanTree(spans) {
		s := row.Span
		if _, ok := colorOf[s.Service]; !ok {
			colorOf[s.Service] = serviceColors[len(colorOf)%len(serviceColors)]
		}
		c := colorOf[s.Service]
		indent := strings.Repeat("  ", row.Depth)
		// Pad the plain label first, then colour the service name inside
		// it, so that escape codes do not upset the column widths.
		label := fit(indent+s.Service+" "+s.Operation, labelWidth)
		if st.color && strings.HasPrefix(label, indent+s.Service) {
			label = indent + st.paint(c, s.Service) + label[len(indent+s.Service):]
		}
		bar := timeBar(s.StartMicros, s.DurMicros, traceStart, traceDur, barWidth)
		lines = append(lines, fmt.Sprintf("  %s %8.1f ms  │%s│", label, ms(s.DurMicros), st.paint(c, bar)))
		shown[s.SpanID] = true
		for _, l := range logs[s.SpanID] {
			lines = append(lines, logRow(indent+"  ", l, st))
		}
	}
	var orphans []string
	for id := range logs {
		if !shown[id] {
			orphans = append(orphans, id)
		}
	}
	sort.Strings(orphans)
	for _, id := range orphans {
		name := "span " + id + " (not in the trace)"
		if id == "" {
			name = "no span id"
		}
		lines = append(lines, "  "+st.paint(ansiDim, "log lines of "+name+":"))
		for _, l := range logs[id] {
			lines = append(lines, logRow("", l, st))
		}
	}
	return lines
}

// logRow is one log line under its span: a marker, the time, the severity
// and the message, cut to the line width; errors stand out in red.
func logRow(indent string, l logLine, st style) string {
	// Loggers spell levels differently (pino's become "INFO", winston's
	// stay "info"); one spelling reads better in a list.
	sev := strings.ToUpper(l.Severity)
	if sev == "" {
		sev = "-"
	}
	text := fmt.Sprintf("%s  ↳ %s %-5s %s", indent, l.Time.Format("15:04:05.000"), sev, l.Message)
	text = strings.TrimRight(fit(text, lineWidth-4), " ")
	if l.isError() {
		return "  " + st.paint(ansiBold+ansiRed, text)
	}
	return "  " + st.paint(ansiDim, text)
}

// sameTime reports whether two lines of one span share a timestamp. The
// demo's loggers write whole milliseconds, so their order within one
// millisecond is lost on the way and the store returns them in any order.
func sameTime(logs map[string][]logLine) bool {
	for _, g := range logs {
		for i := 1; i < len(g); i++ {
			if g[i].Time.Equal(g[i-1].Time) {
				return true
			}
		}
	}
	return false
}

// wrap cuts s into pieces of at most width runes, for long values such as
// a raw log line that would otherwise wrap at the terminal's edge without
// indentation.
func wrap(s string, width int) []string {
	r := []rune(s)
	var parts []string
	for len(r) > width {
		parts = append(parts, string(r[:width]))
		r = r[width:]
	}
	return append(parts, string(r))
}

func ms(micros int64) float64 { return float64(micros) / 1000 }
