// Copyright The Hypha Authors
// SPDX-License-Identifier: Apache-2.0

package hyphaprovider

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/confmap"
)

// overlap returns the keys that both a and b set, where one is the other
// or lies inside it: a mode's config.yaml setting one of them would
// silently win over the shared file.
func overlap(a, b *confmap.Conf) []string {
	var out []string
	for _, ka := range a.AllKeys() {
		for _, kb := range b.AllKeys() {
			if ka == kb || strings.HasPrefix(ka, kb+confmap.KeyDelimiter) || strings.HasPrefix(kb, ka+confmap.KeyDelimiter) {
				out = append(out, ka)
			}
		}
	}
	return out
}

// TestSharedKeysAreWrittenOnce: what the gateway and the load balancer
// share is in gateway-config/shared.yaml only; neither config.yaml
// restates any of it.
func TestSharedKeysAreWrittenOnce(t *testing.T) {
	for mode, files := range shared {
		own, err := load(mode, "config.yaml")
		require.NoError(t, err)
		for _, f := range files {
			base, err := f.load(mode)
			require.NoError(t, err)
			assert.Empty(t, overlap(own, base), "%s-config/config.yaml restates what %s shares", mode, f.file)
		}
	}
}

// The gateway's and the load balancer's receivers, memory limit, health
// check and metrics: agents send to either alike.
var receivingKeys = []string{
	"receivers::otlp", "processors::memory_limiter", "extensions::health_check",
	"extensions::hypha_json_limit", "service::telemetry",
}

// TestGatewayAndLoadBalancerReceiveAlike compares the two as the provider
// serves them, with and without TLS and authentication.
func TestGatewayAndLoadBalancerReceiveAlike(t *testing.T) {
	unsetEnv(t, append(securityVars, samplingGateways, "HYPHA_SAMPLING_DNS")...)
	for _, env := range []map[string]string{
		{"HYPHA_AUTH": "none"},
		{"HYPHA_AUTH_TOKEN": "secret", "HYPHA_TLS_CERT_FILE": "/tls/cert.pem", "HYPHA_TLS_CA_FILE": "/tls/ca.pem"},
	} {
		for k, v := range env {
			t.Setenv(k, v)
		}
		gateway, lb := retrieve(t, "hypha:gateway"), retrieve(t, "hypha:loadbalancer")
		for _, key := range receivingKeys {
			require.True(t, gateway.IsSet(key), key)
			assert.Equal(t, gateway.Get(key), lb.Get(key), "%s differs between the gateway and the load balancer (%v)", key, env)
		}
		unsetEnv(t, securityVars...)
	}
}

// TestOverlapFindsADrift shows the check failing on a config.yaml that
// restates a shared key.
func TestOverlapFindsADrift(t *testing.T) {
	base, err := load("gateway", "shared.yaml")
	require.NoError(t, err)
	drifted := confmap.NewFromStringMap(map[string]any{
		"receivers": map[string]any{"otlp": map[string]any{"protocols": map[string]any{"grpc": map[string]any{"max_recv_msg_size_mib": 4}}}},
		"service":   map[string]any{"telemetry": map[string]any{"metrics": map[string]any{"level": "detailed"}}},
	})
	assert.ElementsMatch(t, []string{
		"receivers::otlp::protocols::grpc::max_recv_msg_size_mib", "service::telemetry::metrics::level",
	}, overlap(drifted, base))
}
