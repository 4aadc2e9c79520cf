// Copyright The Hypha Authors
// SPDX-License-Identifier: Apache-2.0

package hyphastreamlimitextension

import (
	"context"
	"net"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/extension/extensiontest"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/peer"
	"google.golang.org/grpc/status"

	"github.com/hypha-obs/hypha/extension/hyphastreamlimitextension/internal/metadata"
)

func TestBucket(t *testing.T) {
	now := time.Now()
	b := &bucket{tokens: 2, last: now}
	assert.Zero(t, b.take(now, 10, 2))
	assert.Zero(t, b.take(now, 10, 2))
	assert.Equal(t, 100*time.Millisecond, b.take(now, 10, 2), "burst spent: wait 1/rate")
	assert.Equal(t, 200*time.Millisecond, b.take(now, 10, 2), "and 1/rate more for each stream after")
	assert.Zero(t, b.take(now.Add(time.Hour), 10, 2))
	assert.Zero(t, b.take(now.Add(time.Hour), 10, 2))
	assert.Equal(t, 100*time.Millisecond, b.take(now.Add(time.Hour), 10, 2), "refill stops at burst")
}

func TestTapPacesPerConnection(t *testing.T) {
	ext, err := NewFactory().Create(context.Background(), extensiontest.NewNopSettings(metadata.Type), &Config{StreamsPerSecond: 0.001, Burst: 3})
	require.NoError(t, err)
	l := ext.(*streamLimit)
	conn := func(port int) context.Context {
		return peer.NewContext(context.Background(), &peer.Peer{Addr: &net.TCPAddr{IP: net.IPv4(10, 0, 0, 1), Port: port}})
	}
	for range 3 {
		_, err := l.tap(conn(1), nil)
		require.NoError(t, err)
	}
	start := time.Now()
	_, err = l.tap(conn(1), nil)
	assert.Equal(t, codes.Unavailable, status.Code(err), "far behind: refused")
	assert.GreaterOrEqual(t, time.Since(start), maxWait, "after holding the connection")
	_, err = l.tap(conn(2), nil)
	require.NoError(t, err, "another connection has its own bucket")
	_, err = l.tap(context.Background(), nil)
	assert.NoError(t, err, "no peer: not limited")
}

func TestValidate(t *testing.T) {
	require.NoError(t, createDefaultConfig().(*Config).Validate())
	assert.EqualError(t, (&Config{}).Validate(), "streams_per_second: must be positive\nburst: must be at least 1")
}
