package hyphaprovider

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/confmap"
	"go.opentelemetry.io/collector/confmap/confmaptest"
	"go.opentelemetry.io/collector/featuregate"
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

func TestModesWithoutSecurityVariables(t *testing.T) {
	for _, v := range []string{"HYPHA_AUTH_TOKEN", "HYPHA_TLS_ENABLED", "HYPHA_TLS_CA_FILE", "HYPHA_TLS_CERT_FILE"} {
		t.Setenv(v, "")
	}
	agent := retrieve(t, "hypha:agent")
	assert.True(t, agent.IsSet("receivers::file_log"))
	assert.Equal(t, true, agent.Get("exporters::otlp_grpc::tls::insecure"))
	assert.False(t, agent.IsSet("exporters::otlp_grpc::headers"))

	gateway := retrieve(t, "hypha:gateway")
	assert.True(t, gateway.IsSet("exporters::otlp_http/loki"))
	assert.False(t, gateway.IsSet("extensions::bearertokenauth"))
	assert.False(t, gateway.IsSet("receivers::otlp::protocols::grpc::tls"))
}

func TestSecurityFragmentsMergeWhenSet(t *testing.T) {
	t.Setenv("HYPHA_AUTH_TOKEN", "secret")
	t.Setenv("HYPHA_TLS_CERT_FILE", "/tls/cert.pem")

	agent := retrieve(t, "hypha:agent")
	// The fragment keeps the reference; the resolver expands it later, so the
	// token never sits in the retrieved configuration.
	assert.Equal(t, "Bearer ${env:HYPHA_AUTH_TOKEN}", agent.Get("exporters::otlp_grpc::headers::authorization"))
	assert.Equal(t, false, agent.Get("exporters::otlp_grpc::tls::insecure"))
	assert.Equal(t, "${env:HYPHA_GATEWAY_ENDPOINT:-hypha-gateway:4317}", agent.Get("exporters::otlp_grpc::endpoint"),
		"merging keeps the rest of the exporter")

	gateway := retrieve(t, "hypha:gateway")
	assert.Equal(t, "bearertokenauth", gateway.Get("receivers::otlp::protocols::http::auth::authenticator"))
	assert.Equal(t, []any{"health_check", "bearertokenauth"}, gateway.Get("service::extensions"))
	assert.Equal(t, "${env:HYPHA_TLS_CERT_FILE}", gateway.Get("receivers::otlp::protocols::grpc::tls::cert_file"))
}

func TestUnknownURIs(t *testing.T) {
	p := NewFactory().Create(confmaptest.NewNopProviderSettings())
	_, err := p.Retrieve(context.Background(), "hypha:sidecar", nil)
	assert.ErrorContains(t, err, `unknown hypha mode "sidecar"`)
	_, err = p.Retrieve(context.Background(), "file:agent", nil)
	assert.ErrorContains(t, err, "not supported")
}

func TestSynchronousEmitterOnByDefault(t *testing.T) {
	var enabled bool
	featuregate.GlobalRegistry().VisitAll(func(g *featuregate.Gate) {
		if g.ID() == synchronousEmitterGate {
			enabled = g.IsEnabled()
		}
	})
	assert.True(t, enabled)
}
