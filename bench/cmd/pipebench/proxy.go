// Copyright The Hypha Authors
// SPDX-License-Identifier: Apache-2.0

package main

import (
	"net"
	"sync"
	"time"
)

// delayProxy forwards TCP connections from a loopback port to an upstream
// address and delays every chunk of bytes by a fixed one-way delay in each
// direction, so that a request and its answer take at least a round trip of
// twice that. It limits latency only, not bandwidth: what tc netem's delay
// does, without a network namespace.
type delayProxy struct {
	l        net.Listener
	upstream string
	oneWay   time.Duration
	wg       sync.WaitGroup
	mu       sync.Mutex
	conns    []net.Conn
}

// startDelayProxy listens on a free loopback port for connections to
// upstream, delayed by rtt per round trip.
func startDelayProxy(upstream string, rtt time.Duration) (*delayProxy, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	p := &delayProxy{l: l, upstream: upstream, oneWay: rtt / 2}
	p.wg.Go(p.accept)
	return p, nil
}

func (p *delayProxy) addr() string { return p.l.Addr().String() }

func (p *delayProxy) accept() {
	for {
		down, err := p.l.Accept()
		if err != nil {
			return // closed
		}
		up, err := net.Dial("tcp", p.upstream)
		if err != nil {
			down.Close()
			continue
		}
		p.mu.Lock()
		p.conns = append(p.conns, down, up)
		p.mu.Unlock()
		p.wg.Go(func() { p.pipe(up, down) })
		p.wg.Go(func() { p.pipe(down, up) })
	}
}

// chunk is bytes read from one side and when they may be written on.
type chunk struct {
	b   []byte
	due time.Time
}

// pipe copies from src to dst, each chunk no sooner than oneWay after it
// was read. Reading goes on while earlier chunks wait, so the delay does
// not also throttle the rate.
func (p *delayProxy) pipe(dst, src net.Conn) {
	chunks := make(chan chunk, 1024)
	go func() {
		defer close(chunks)
		for {
			b := make([]byte, 64<<10)
			n, err := src.Read(b)
			if n > 0 {
				chunks <- chunk{b: b[:n], due: time.Now().Add(p.oneWay)}
			}
			if err != nil {
				return
			}
		}
	}()
	for c := range chunks {
		time.Sleep(time.Until(c.due))
		if _, err := dst.Write(c.b); err != nil {
			break
		}
	}
	// Let the other direction end too, and the reader, which may be
	// waiting to hand on a chunk.
	dst.Close()
	src.Close()
	for range chunks {
	}
}

// stop closes the listener and every connection, and waits for the pipes.
func (p *delayProxy) stop() {
	p.l.Close()
	p.mu.Lock()
	for _, c := range p.conns {
		c.Close()
	}
	p.mu.Unlock()
	p.wg.Wait()
}
