package main

import (
	"bufio"
	"fmt"
	"math/rand/v2"
	"os"
	"time"
)

// lineStats says what a generated file holds, for the check runs.
type lineStats struct {
	lines, withIDs int
}

var (
	pinoLevels = []int{30, 30, 30, 30, 30, 30, 30, 20, 40, 50}
	routes     = []string{"/checkout/:id", "/cart/:id/items", "/orders/:id", "/payments/:id/capture", "/users/:id"}
	messages   = []string{
		"handling order %d of user u-%05d",
		"cart %d updated for user u-%05d",
		"payment for order %d (user u-%05d) authorised",
		"order %d of user u-%05d shipped",
	}
)

// writeLines writes n pino-style JSON lines of about 330 bytes to path, as
// pino with @opentelemetry/instrumentation-pino writes them: nine in ten
// inside a span (trace_id, span_id, trace_flags), the rest outside any span.
// Ids, levels, routes and messages vary; times end at the current time, so
// that no backend would drop the records as too old.
func writeLines(path string, n int, seed uint64) (lineStats, error) {
	f, err := os.Create(path)
	if err != nil {
		return lineStats{}, err
	}
	w := bufio.NewWriterSize(f, 1<<20)
	rng := rand.New(rand.NewPCG(seed, seed^0x5eed))
	// One millisecond apart, the last one now.
	start := time.Now().UnixMilli() - int64(n)
	st := lineStats{lines: n}
	for i := range n {
		level := pinoLevels[rng.IntN(len(pinoLevels))]
		order, user := rng.IntN(1_000_000), rng.IntN(100_000)
		fmt.Fprintf(w, `{"level":%d,"time":%d,"pid":18343,"hostname":"checkout-7d9f8b6c5-x2x4q","service":"cart",`,
			level, start+int64(i))
		if rng.IntN(10) != 0 {
			flags := "01"
			if rng.IntN(20) == 0 {
				flags = "00" // unsampled incoming traceparent
			}
			fmt.Fprintf(w, `"trace_id":"%016x%016x","span_id":"%016x","trace_flags":"%s",`,
				rng.Uint64(), rng.Uint64(), rng.Uint64(), flags)
			st.withIDs++
		} else {
			// Lines outside a span carry connection details instead, so that
			// they are about as long.
			fmt.Fprintf(w, `"remoteAddress":"10.42.%d.%d","remotePort":%d,"userAgent":"Mozilla/5.0 (X11; Linux x86_64)",`,
				rng.IntN(256), rng.IntN(256), 30000+rng.IntN(30000))
		}
		fmt.Fprintf(w, `"orderId":"%d","userId":"u-%05d","route":"%s","durationMs":%d.%d,"msg":"`,
			order, user, routes[rng.IntN(len(routes))], rng.IntN(2000), rng.IntN(10))
		fmt.Fprintf(w, messages[rng.IntN(len(messages))], order, user)
		w.WriteString("\"}\n")
	}
	if err := w.Flush(); err != nil {
		f.Close()
		return st, err
	}
	return st, f.Close()
}
