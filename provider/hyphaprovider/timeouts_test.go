// Copyright The Hypha Authors
// SPDX-License-Identifier: Apache-2.0

package hyphaprovider

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestTimeoutsAreOrdered: each hop waits longer than the hop after it, so
// that the inner one answers first. An outer hop that gave up first would
// send the same data again while the store was still taking it: one copy
// per attempt. No hop in between queues, so the sender's gRPC deadline
// also reaches every request made for it.
func TestTimeoutsAreOrdered(t *testing.T) {
	timeout := func(mode, key string) time.Duration {
		t.Helper()
		conf, err := load(mode, "config.yaml")
		require.NoError(t, err)
		s, ok := conf.Get(key).(string)
		require.True(t, ok, "%s-config: %s is not set", mode, key)
		d, err := time.ParseDuration(s)
		require.NoError(t, err, "%s-config: %s", mode, key)
		return d
	}
	var agent []time.Duration
	for _, e := range []string{"otlp_grpc", "otlp_grpc/files"} {
		agent = append(agent, timeout("agent", "exporters::"+e+"::timeout"))
	}
	balancer := timeout("loadbalancer", "exporters::load_balancing::protocol::otlp::timeout")
	var stores []time.Duration
	for _, e := range []string{"otlp_http/loki", "otlp_grpc/jaeger"} {
		stores = append(stores, timeout("gateway", "exporters::"+e+"::timeout"))
	}
	for _, a := range agent {
		assert.Greater(t, a, balancer, "the agent's wait for the load balancer")
		for _, s := range stores {
			assert.Greater(t, a, s, "the agent's wait for the gateway")
		}
	}
	for _, s := range stores {
		assert.Greater(t, balancer, s, "the load balancer's wait for a sampling gateway")
	}
}
