// Copyright The Hypha Authors
// SPDX-License-Identifier: Apache-2.0

package join

import (
	"bufio"
	"bytes"
	"strings"
	"testing"

	stanzasplit "github.com/open-telemetry/opentelemetry-collector-contrib/pkg/stanza/split"
	"golang.org/x/text/encoding/unicode"
)

// pinoLine is a pino line of the size the agent benchmarks use (330 B).
const pinoLine = `{"level":30,"time":1728385695510,"pid":7602,"hostname":"api-1","service":"cart","request_id":"e2ereq0007","trace_id":"670511f7a1b6a2b4e3ddb7c00b5d6e31","span_id":"0e5bdb6b3fae1c7d","trace_flags":"01","orderId":"ord-7","items":3,"msg":"cart loaded","res":{"statusCode":200},"responseTime":21}`

func benchSplit(b *testing.B, f bufio.SplitFunc, data []byte, lines int) {
	b.ReportAllocs()
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		for rest := data; len(rest) > 0; {
			adv, _, _ := f(rest, true)
			if adv == 0 {
				break
			}
			rest = rest[adv:]
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*lines), "ns/line")
}

// BenchmarkPinoLines compares the join split with contrib's newline split
// on lines that are never joined.
func BenchmarkPinoLines(b *testing.B) {
	data := []byte(strings.Repeat(pinoLine+"\n", 1000))
	b.Run("join", func(b *testing.B) { benchSplit(b, SplitFunc(opts), data, 1000) })
	b.Run("newline", func(b *testing.B) {
		f, err := stanzasplit.Config{}.Func(unicode.UTF8, false, 1<<20)
		if err != nil {
			b.Fatal(err)
		}
		benchSplit(b, f, data, 1000)
	})
}

// BenchmarkStackTraces is the join split on a Spring log whose every
// fourth event has a 13-line stack trace.
func BenchmarkStackTraces(b *testing.B) {
	var buf bytes.Buffer
	lines := 0
	for i := range 250 {
		buf.WriteString("2024-10-08T13:08:15.510+02:00 ERROR 7602 --- [shop] [nio-8080-exec-4] [670511f7a1b6a2b4e3ddb7c00b5d6e31-0e5bdb6b3fae1c7d] c.e.shop.CheckoutController : checkout\n")
		lines++
		if i%4 == 0 {
			buf.WriteString("java.lang.IllegalStateException: boom\n")
			buf.WriteString(strings.Repeat("\tat com.example.shop.PricingService.price(PricingService.java:88)\n", 10))
			buf.WriteString("Caused by: java.sql.SQLTransientConnectionException: timeout\n\t... 7 common frames omitted\n")
			lines += 13
		}
	}
	b.Run("join", func(b *testing.B) { benchSplit(b, SplitFunc(opts), buf.Bytes(), lines) })
}
