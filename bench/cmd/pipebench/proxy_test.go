// Copyright The Hypha Authors
// SPDX-License-Identifier: Apache-2.0

package main

import (
	"bytes"
	"io"
	"net"
	"testing"
	"time"
)

// TestDelayProxy sends a message through the proxy to an echo server and
// checks that it comes back whole, no sooner than the round trip.
func TestDelayProxy(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	go func() {
		c, err := l.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		_, _ = io.Copy(c, c) // the echo ends when the client closes
	}()
	const rtt = 40 * time.Millisecond
	p, err := startDelayProxy(l.Addr().String(), rtt)
	if err != nil {
		t.Fatal(err)
	}
	defer p.stop()
	c, err := net.Dial("tcp", p.addr())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	msg := bytes.Repeat([]byte("0123456789"), 20_000) // several chunks
	start := time.Now()
	go func() { _, _ = c.Write(msg) }() // a failed write shows as a short read below
	got := make([]byte, len(msg))
	if _, err := io.ReadFull(c, got); err != nil {
		t.Fatal(err)
	}
	if took := time.Since(start); took < rtt {
		t.Errorf("the echo came back after %s, less than the round trip %s", took, rtt)
	}
	if !bytes.Equal(got, msg) {
		t.Error("the echo differs from what was sent")
	}
}
