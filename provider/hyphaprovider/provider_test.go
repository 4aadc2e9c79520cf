// Copyright The Hypha Authors
// SPDX-License-Identifier: Apache-2.0

package hyphaprovider

import (
	"context"
	"fmt"
	"os"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/confmap"
	"go.opentelemetry.io/collector/confmap/confmaptest"
)

func retrieve(t *testing.T, uri string) *confmap.Conf {
	t.Helper()
	p := NewFactory().Create(confmaptest.NewNopProviderSettings())
	ret, err := p.Retrieve(context.Background(), uri, nil)
	require.NoError(t, err)
	conf, err := ret.AsConf()
	require.NoError(t, err)
	return conf
}

// unsetEnv removes variables for the test and puts them back after it.
func unsetEnv(t *testing.T, vars ...string) {
	for _, v := range vars {
		t.Setenv(v, "")
		require.NoError(t, os.Unsetenv(v))
	}
}

var securityVars = []string{"HYPHA_AUTH", "HYPHA_AUTH_TOKEN", "HYPHA_TLS_ENABLED", "HYPHA_TLS_CA_FILE", "HYPHA_TLS_CERT_FILE"}

func TestModesWithoutSecurityVariables(t *testing.T) {
	unsetEnv(t, securityVars...)
	agent := retrieve(t, "hypha:agent")
	assert.True(t, agent.IsSet("receivers::file_log"))
	for _, exp := range []string{"otlp_grpc", "otlp_grpc/files"} {
		assert.Equal(t, true, agent.Get("exporters::"+exp+"::tls::insecure"), exp)
		assert.False(t, agent.IsSet("exporters::"+exp+"::headers"), exp)
	}

	t.Setenv("HYPHA_AUTH", "none")
	gateway := retrieve(t, "hypha:gateway")
	assert.True(t, gateway.IsSet("exporters::otlp_http/loki"))
	assert.False(t, gateway.IsSet("extensions::bearertokenauth"))
	assert.False(t, gateway.IsSet("receivers::otlp::protocols::grpc::tls"))
}

func TestSecurityFragmentsMergeWhenSet(t *testing.T) {
	unsetEnv(t, securityVars...)
	t.Setenv("HYPHA_AUTH_TOKEN", "secret")
	t.Setenv("HYPHA_TLS_CERT_FILE", "/tls/cert.pem")

	agent := retrieve(t, "hypha:agent")
	// The fragment keeps the reference; the resolver expands it later, so the
	// token never sits in the retrieved configuration.
	// Both exporters to the gateway, the file lines' and the OTLP one.
	for _, exp := range []string{"otlp_grpc", "otlp_grpc/files"} {
		assert.Equal(t, "Bearer ${env:HYPHA_AUTH_TOKEN}", agent.Get("exporters::"+exp+"::headers::authorization"), exp)
		assert.Equal(t, false, agent.Get("exporters::"+exp+"::tls::insecure"), exp)
		assert.Equal(t, "${env:HYPHA_GATEWAY_ENDPOINT:-hypha-gateway:4317}", agent.Get("exporters::"+exp+"::endpoint"),
			"merging keeps the rest of the exporter")
	}

	gateway := retrieve(t, "hypha:gateway")
	assert.Equal(t, "bearertokenauth", gateway.Get("receivers::otlp::protocols::http::auth::authenticator"))
	assert.Equal(t, "${env:HYPHA_TLS_CERT_FILE}", gateway.Get("receivers::otlp::protocols::grpc::tls::cert_file"))

	// A merge replaces lists: auth.yaml's extensions must be config.yaml's
	// plus the authenticator, or it would drop one.
	base, err := load("gateway", "config.yaml")
	require.NoError(t, err)
	want := append(base.Get("service::extensions").([]any), "bearertokenauth")
	assert.Equal(t, want, gateway.Get("service::extensions"))
}

// TestAuthChoice: no token is never a silent way to run open.
func TestAuthChoice(t *testing.T) {
	const unset = "<unset>"
	for _, tc := range []struct {
		auth, token string
		agent       string // "bearer", "none" or the error
		gateway     string
	}{
		{unset, "tok", "bearer", "bearer"},
		{unset, unset, "none", "the gateway needs a token: set HYPHA_AUTH_TOKEN, or HYPHA_AUTH=none to accept data without authentication"},
		{unset, "", "HYPHA_AUTH_TOKEN is set but empty: set the token, or HYPHA_AUTH=none to run without authentication", "HYPHA_AUTH_TOKEN is set but empty: set the token, or HYPHA_AUTH=none to run without authentication"},
		{"", "", "HYPHA_AUTH_TOKEN is set but empty: set the token, or HYPHA_AUTH=none to run without authentication", "HYPHA_AUTH_TOKEN is set but empty: set the token, or HYPHA_AUTH=none to run without authentication"},
		{"none", unset, "none", "none"},
		{"none", "", "none", "none"},
		{"none", "tok", "HYPHA_AUTH=none but HYPHA_AUTH_TOKEN is set: unset one of them", "HYPHA_AUTH=none but HYPHA_AUTH_TOKEN is set: unset one of them"},
		{"bearer", "tok", "bearer", "bearer"},
		{"bearer", "", "HYPHA_AUTH=bearer needs a token in HYPHA_AUTH_TOKEN", "HYPHA_AUTH=bearer needs a token in HYPHA_AUTH_TOKEN"},
		{"basic", "tok", `HYPHA_AUTH="basic": use bearer or none`, `HYPHA_AUTH="basic": use bearer or none`},
	} {
		unsetEnv(t, securityVars...)
		if tc.auth != unset {
			t.Setenv("HYPHA_AUTH", tc.auth)
		}
		if tc.token != unset {
			t.Setenv("HYPHA_AUTH_TOKEN", tc.token)
		}
		for mode, want := range map[string]string{"agent": tc.agent, "gateway": tc.gateway} {
			p := NewFactory().Create(confmaptest.NewNopProviderSettings())
			ret, err := p.Retrieve(context.Background(), "hypha:"+mode, nil)
			name := fmt.Sprintf("%s with HYPHA_AUTH=%s HYPHA_AUTH_TOKEN=%s", mode, tc.auth, tc.token)
			switch want {
			case "bearer", "none":
				require.NoError(t, err, name)
				conf, err := ret.AsConf()
				require.NoError(t, err)
				bearer := conf.IsSet("extensions::bearertokenauth") || conf.IsSet("exporters::otlp_grpc::headers")
				assert.Equal(t, want == "bearer", bearer, name)
			default:
				assert.EqualError(t, err, "hypha:"+mode+": "+want, name)
			}
		}
	}
}

func TestUnknownURIs(t *testing.T) {
	p := NewFactory().Create(confmaptest.NewNopProviderSettings())
	_, err := p.Retrieve(context.Background(), "hypha:sidecar", nil)
	require.ErrorContains(t, err, `unknown hypha mode "sidecar"`)
	_, err = p.Retrieve(context.Background(), "file:agent", nil)
	assert.ErrorContains(t, err, "not supported")
}

func TestLoadBalancerResolver(t *testing.T) {
	unsetEnv(t, append(securityVars, samplingGateways, "HYPHA_SAMPLING_DNS")...)
	t.Setenv("HYPHA_AUTH", "none")
	lb := retrieve(t, "hypha:loadbalancer")
	assert.Equal(t, "attributes", lb.Get("exporters::load_balancing::routing_key"))
	assert.Equal(t, "${env:HYPHA_SAMPLING_DNS:-hypha-sampling}", lb.Get("exporters::load_balancing::resolver::dns::hostname"))
	assert.False(t, lb.IsSet("exporters::load_balancing::resolver::static"))

	t.Setenv(samplingGateways, " gw-1:4317, gw-2:4317 ,")
	lb = retrieve(t, "hypha:loadbalancer")
	assert.Equal(t, []any{"gw-1:4317", "gw-2:4317"}, lb.Get("exporters::load_balancing::resolver::static::hostnames"))
	assert.False(t, lb.IsSet("exporters::load_balancing::resolver::dns"))

	p := NewFactory().Create(confmaptest.NewNopProviderSettings())
	t.Setenv("HYPHA_SAMPLING_DNS", "hypha-sampling")
	_, err := p.Retrieve(context.Background(), "hypha:loadbalancer", nil)
	require.EqualError(t, err, "hypha:loadbalancer: HYPHA_SAMPLING_GATEWAYS and HYPHA_SAMPLING_DNS are both set: the gateways come from one of them")
	unsetEnv(t, "HYPHA_SAMPLING_DNS")
	t.Setenv(samplingGateways, " , ")
	_, err = p.Retrieve(context.Background(), "hypha:loadbalancer", nil)
	assert.EqualError(t, err, `hypha:loadbalancer: HYPHA_SAMPLING_GATEWAYS=" , " names no gateway: use host:port,host:port`)
}

func TestLoadBalancerSecurity(t *testing.T) {
	unsetEnv(t, append(securityVars, samplingGateways, "HYPHA_SAMPLING_DNS")...)
	p := NewFactory().Create(confmaptest.NewNopProviderSettings())
	_, err := p.Retrieve(context.Background(), "hypha:loadbalancer", nil)
	require.ErrorContains(t, err, "the loadbalancer needs a token")

	t.Setenv("HYPHA_AUTH_TOKEN", "secret")
	t.Setenv("HYPHA_TLS_CERT_FILE", "/tls/cert.pem")
	lb := retrieve(t, "hypha:loadbalancer")
	assert.Equal(t, "bearertokenauth", lb.Get("receivers::otlp::protocols::grpc::auth::authenticator"))
	assert.Equal(t, "Bearer ${env:HYPHA_AUTH_TOKEN}", lb.Get("exporters::load_balancing::protocol::otlp::headers::authorization"),
		"the token goes on to the sampling gateways")
	// The receivers take TLS as the gateway's do, from the gateway's fragment.
	assert.Equal(t, "${env:HYPHA_TLS_CERT_FILE}", lb.Get("receivers::otlp::protocols::http::tls::cert_file"))
	assert.Equal(t, "${env:HYPHA_SAMPLING_DNS:-hypha-sampling}", lb.Get("exporters::load_balancing::resolver::dns::hostname"),
		"merging keeps the rest of the exporter")
}

func TestAgentNamesItsHost(t *testing.T) {
	unsetEnv(t, append(securityVars, hostNameVar)...)
	host, err := os.Hostname()
	require.NoError(t, err)
	attrs := retrieve(t, "hypha:agent").Get("processors::resource/host::attributes").([]any)
	assert.Equal(t, map[string]any{"key": "host.name", "value": host, "action": "insert"}, attrs[0])
	if id := machineID(); id != "" {
		require.Len(t, attrs, 2)
		assert.Equal(t, map[string]any{"key": "host.id", "value": id, "action": "insert"}, attrs[1])
	}

	t.Setenv(hostNameVar, "web-7")
	attrs = retrieve(t, "hypha:agent").Get("processors::resource/host::attributes").([]any)
	assert.Equal(t, "web-7", attrs[0].(map[string]any)["value"])
	t.Setenv("HYPHA_AUTH", "none")
	assert.False(t, retrieve(t, "hypha:gateway").IsSet("processors::resource/host"))
}
