// Copyright The Hypha Authors
// SPDX-License-Identifier: Apache-2.0

package main

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"time"
)

// stackEvery is how many events of the text log there are per event with a
// stack trace.
const stackEvery = 4

// stackTrace is the trace every stackEvery-th event carries: a Spring
// request failing in a JDBC call, with its cause, 13 lines.
const stackTrace = `java.lang.IllegalStateException: order %d could not be priced
	at com.example.shop.PricingService.price(PricingService.java:88)
	at com.example.shop.CheckoutController.checkout(CheckoutController.java:41)
	at java.base/jdk.internal.reflect.DirectMethodHandleAccessor.invoke(DirectMethodHandleAccessor.java:103)
	at org.springframework.web.method.support.InvocableHandlerMethod.doInvoke(InvocableHandlerMethod.java:255)
	at org.springframework.web.servlet.DispatcherServlet.doDispatch(DispatcherServlet.java:1089)
	at org.apache.catalina.core.ApplicationFilterChain.doFilter(ApplicationFilterChain.java:138)
	at org.apache.tomcat.util.net.NioEndpoint$SocketProcessor.doRun(NioEndpoint.java:1769)
	at java.base/java.lang.Thread.run(Thread.java:1583)
Caused by: java.sql.SQLTransientConnectionException: HikariPool-1 - Connection is not available, request timed out after 30000ms.
	at com.zaxxer.hikari.pool.HikariPool.createTimeoutException(HikariPool.java:696)
	at com.zaxxer.hikari.pool.HikariPool.getConnection(HikariPool.java:181)
	... 7 common frames omitted
`

// textStats counts a text log's lines and events.
type textStats struct{ lines, events int }

// writeStackLog writes n events of a Spring Boot text log with ids in each
// header; every stackEvery-th has a stack trace. Times end now.
func writeStackLog(path string, n int) (textStats, error) {
	f, err := os.Create(path)
	if err != nil {
		return textStats{}, err
	}
	w := bufio.NewWriterSize(f, 1<<20)
	start := time.Now().Add(-time.Duration(n) * time.Millisecond)
	st := textStats{events: n}
	for i := range n {
		level := " INFO"
		if i%stackEvery == 0 {
			level = "ERROR"
		}
		fmt.Fprintf(w, "%s %s 7602 --- [shop] [nio-8080-exec-%d] [%032x-%016x] c.e.shop.CheckoutController : checkout %d\n",
			start.Add(time.Duration(i)*time.Millisecond).UTC().Format("2006-01-02T15:04:05.000Z07:00"), level, i%10, uint64(i)+1, uint64(i)+1, i)
		st.lines++
		if i%stackEvery == 0 {
			fmt.Fprintf(w, stackTrace, i)
			st.lines += 13
		}
	}
	if err := w.Flush(); err != nil {
		f.Close()
		return st, err
	}
	return st, f.Close()
}

// compareBuilds measures the shipped agent (hypha acknowledged end to end)
// of this build and of the build at base, interleaved, on pino lines (where
// nothing can be joined) and on a text log with stack traces (which this
// build joins into events and base sends line by line).
func (b *bench) compareBuilds(s *sink, base string, o options, linesFile string, pino int) error {
	stacksFile := filepath.Join(b.dir, "stacks.log")
	st, err := writeStackLog(stacksFile, o.lines/4)
	if err != nil {
		return err
	}
	fmt.Printf("generated a text log of %d events in %d lines, a stack trace every %d events\n", st.events, st.lines, stackEvery)
	type run struct {
		name, bin, file string
		records         int // what the sink receives
		per             int // what CPU is divided by: lines or events
	}
	runs := []run{
		{"pino, this build", b.bin, linesFile, pino, pino},
		{"pino, base", base, linesFile, pino, pino},
		{"stacks, this build", b.bin, stacksFile, st.events, st.events},
		{"stacks, base", base, stacksFile, st.lines, st.events},
	}
	v := variant{name: "hypha/ack", pipeline: "hypha", compression: o.compression, queue: queueAck, fsync: true}
	cpu := map[string][]float64{}
	for round := 1; round <= o.rounds; round++ {
		for _, r := range runs {
			b.bin = r.bin
			res, err := b.measure(v, s, "", r.file, r.records)
			if err != nil {
				return fmt.Errorf("round %d, %s: %w", round, r.name, err)
			}
			us := float64(res.cpu.Microseconds()) / float64(r.per)
			fmt.Printf("round %d/%d %-20s %6.2f µs CPU per event, %d records sent\n", round, o.rounds, r.name, us, res.records)
			cpu[r.name] = append(cpu[r.name], us)
		}
	}
	b.bin = runs[0].bin
	printBuilds(os.Stdout, cpu, o.rounds)
	return nil
}

func printBuilds(w io.Writer, cpu map[string][]float64, rounds int) {
	med := func(xs []float64) float64 {
		ys := append([]float64(nil), xs...)
		sort.Float64s(ys)
		return ys[len(ys)/2]
	}
	fmt.Fprintf(w, "\nthe shipped agent (hypha/ack), medians of %d interleaved rounds: CPU per event (a pino line; a text event with its stack trace, if any)\n\n", rounds)
	fmt.Fprintln(w, "| input | base µs/event | this build µs/event | this build vs base |")
	fmt.Fprintln(w, "|---|---|---|---|")
	for _, in := range []string{"pino", "stacks"} {
		b, t := med(cpu[in+", base"]), med(cpu[in+", this build"])
		fmt.Fprintf(w, "| %s | %.2f | %.2f | %+.1f %% |\n", in, b, t, 100*(t/b-1))
	}
}
