// Copyright The Hypha Authors
// SPDX-License-Identifier: Apache-2.0

// Package pinolines generates the pino-style JSON lines that the agent
// pipeline benchmark (e2e/cmd/pipebench) reads. The processor's benchmarks
// use the same lines, so that what they measure is what the pipelines read.
package pinolines

import (
	"fmt"
	"math/rand/v2"
)

var (
	levels   = []int{30, 30, 30, 30, 30, 30, 30, 20, 40, 50}
	routes   = []string{"/checkout/:id", "/cart/:id/items", "/orders/:id", "/payments/:id/capture", "/users/:id"}
	messages = []string{
		"handling order %d of user u-%05d",
		"cart %d updated for user u-%05d",
		"payment for order %d (user u-%05d) authorised",
		"order %d of user u-%05d shipped",
	}
)

// Generator makes lines of about 330 bytes, as pino with
// @opentelemetry/instrumentation-pino writes them: nine in ten inside a
// span (trace_id, span_id, trace_flags), the rest outside any span. Ids,
// levels, routes and messages vary; a seed always gives the same lines.
type Generator struct {
	rng *rand.Rand
}

// New returns a Generator of the lines of seed.
func New(seed uint64) *Generator {
	return &Generator{rng: rand.New(rand.NewPCG(seed, seed^0x5eed))}
}

// Append appends the next line, without a newline, with its time at
// unixMilli, and reports whether the line carries ids.
func (g *Generator) Append(dst []byte, unixMilli int64) (line []byte, withIDs bool) {
	rng := g.rng
	level := levels[rng.IntN(len(levels))]
	order, user := rng.IntN(1_000_000), rng.IntN(100_000)
	dst = fmt.Appendf(dst, `{"level":%d,"time":%d,"pid":18343,"hostname":"checkout-7d9f8b6c5-x2x4q","service":"cart",`,
		level, unixMilli)
	if withIDs = rng.IntN(10) != 0; withIDs {
		flags := "01"
		if rng.IntN(20) == 0 {
			flags = "00" // unsampled incoming traceparent
		}
		dst = fmt.Appendf(dst, `"trace_id":"%016x%016x","span_id":"%016x","trace_flags":"%s",`,
			rng.Uint64(), rng.Uint64(), rng.Uint64(), flags)
	} else {
		// Lines outside a span carry connection details instead, so that
		// they are about as long.
		dst = fmt.Appendf(dst, `"remoteAddress":"10.42.%d.%d","remotePort":%d,"userAgent":"Mozilla/5.0 (X11; Linux x86_64)",`,
			rng.IntN(256), rng.IntN(256), 30000+rng.IntN(30000))
	}
	dst = fmt.Appendf(dst, `"orderId":"%d","userId":"u-%05d","route":"%s","durationMs":%d.%d,"msg":"`,
		order, user, routes[rng.IntN(len(routes))], rng.IntN(2000), rng.IntN(10))
	dst = fmt.Appendf(dst, messages[rng.IntN(len(messages))], order, user)
	return append(dst, `"}`...), withIDs
}
