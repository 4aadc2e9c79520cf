// Copyright The Hypha Authors
// SPDX-License-Identifier: Apache-2.0

package hyphaprovider

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/confmap/confmaptest"
	"go.opentelemetry.io/collector/featuregate"
)

// The collector's service package registers this gate in a hypha binary;
// the provider's tests link no service, so they register the same gate.
var noPipelinesGate = featuregate.GlobalRegistry().MustRegister(allowNoPipelines, featuregate.StageAlpha)

var uiVars = []string{
	uiSwitch, uiEndpoint, uiLogsStore, uiLogsURL, uiJaegerURL, uiMetricsURL, uiToken, uiUsername, uiPassword,
	uiGrafanaURL, uiJaegerUIURL, "HYPHA_LOKI_ENDPOINT", "HYPHA_JAEGER_ENDPOINT", "HYPHA_METRICS_HOST", "HYPHA_METRICS_PORT",
}

func TestGatewayUIOffByDefault(t *testing.T) {
	unsetEnv(t, append(uiVars, securityVars...)...)
	t.Setenv("HYPHA_AUTH", "none")
	gw := retrieve(t, "hypha:gateway")
	assert.False(t, gw.IsSet("extensions::hypha_ui"))
	assert.NotContains(t, gw.Get("service::extensions"), "hypha_ui")
}

func TestGatewayUIFollowsTheGatewaysSettings(t *testing.T) {
	unsetEnv(t, append(uiVars, securityVars...)...)
	t.Setenv("HYPHA_AUTH_TOKEN", "ingest")
	t.Setenv(uiSwitch, "on")
	t.Setenv("HYPHA_LOKI_ENDPOINT", "http://vl:9428/insert/opentelemetry")
	t.Setenv("HYPHA_JAEGER_ENDPOINT", "tracing:4317")
	t.Setenv("HYPHA_METRICS_HOST", "0.0.0.0")
	t.Setenv("HYPHA_METRICS_PORT", "9999")
	gw := retrieve(t, "hypha:gateway")
	assert.Equal(t, "127.0.0.1:16680", gw.Get("extensions::hypha_ui::endpoint"), "loopback by default")
	assert.Equal(t, "victorialogs", gw.Get("extensions::hypha_ui::logs::store"))
	assert.Equal(t, "http://vl:9428", gw.Get("extensions::hypha_ui::logs::endpoint"))
	assert.Equal(t, "http://tracing:16686", gw.Get("extensions::hypha_ui::jaeger::endpoint"))
	assert.Equal(t, "http://127.0.0.1:9999/metrics", gw.Get("extensions::hypha_ui::telemetry::endpoint"))
	assert.False(t, gw.IsSet("extensions::hypha_ui::bearer_token"))
	// The auth fragment's extension list is kept, the UI added to it.
	assert.Equal(t, []any{"health_check", "hypha_auth_retry", "hypha_json_limit", "hypha_stream_limit", "bearertokenauth", "hypha_ui"}, gw.Get("service::extensions"))
}

func TestUIDefaultsAndOverrides(t *testing.T) {
	unsetEnv(t, append(uiVars, securityVars...)...)
	t.Setenv("HYPHA_AUTH", "none")
	t.Setenv(uiEndpoint, "0.0.0.0:8080")
	t.Setenv(uiToken, "pa$$word${env:HOME}")
	t.Setenv(uiUsername, "admin")
	t.Setenv(uiPassword, "pw")
	t.Setenv(uiGrafanaURL, "http://grafana:3000")
	gw := retrieve(t, "hypha:gateway")
	assert.Equal(t, "0.0.0.0:8080", gw.Get("extensions::hypha_ui::endpoint"), "HYPHA_UI_ENDPOINT alone turns it on")
	assert.Equal(t, "loki", gw.Get("extensions::hypha_ui::logs::store"))
	assert.Equal(t, "http://loki:3100", gw.Get("extensions::hypha_ui::logs::endpoint"))
	assert.Equal(t, "http://jaeger:16686", gw.Get("extensions::hypha_ui::jaeger::endpoint"))
	assert.Equal(t, "http://127.0.0.1:8888/metrics", gw.Get("extensions::hypha_ui::telemetry::endpoint"))
	// Doubled: the collector's resolver turns $$ back into $ and expands nothing.
	assert.Equal(t, "pa$$$$word$${env:HOME}", gw.Get("extensions::hypha_ui::bearer_token"))
	assert.Equal(t, "admin", gw.Get("extensions::hypha_ui::basic_auth::username"))
	assert.Equal(t, "http://grafana:3000", gw.Get("extensions::hypha_ui::grafana_url"))

	t.Setenv(uiSwitch, "off")
	assert.False(t, retrieve(t, "hypha:gateway").IsSet("extensions::hypha_ui"))
}

func TestUIEnvironmentErrors(t *testing.T) {
	for name, env := range map[string]map[string]string{
		`HYPHA_UI="yes"`:             {uiSwitch: "yes"},
		"go together":                {uiSwitch: "on", uiUsername: "admin"},
		"HYPHA_UI_LOGS_STORE=\"es\"": {uiSwitch: "on", uiLogsStore: "es"},
		"cannot tell the log store":  {uiSwitch: "on", "HYPHA_LOKI_ENDPOINT": "http://es:9200"},
	} {
		t.Run(name, func(t *testing.T) {
			unsetEnv(t, append(uiVars, securityVars...)...)
			t.Setenv("HYPHA_AUTH", "none")
			for k, v := range env {
				t.Setenv(k, v)
			}
			p := NewFactory().Create(confmaptest.NewNopProviderSettings())
			_, err := p.Retrieve(context.Background(), "hypha:gateway", nil)
			require.Error(t, err)
			assert.Contains(t, err.Error(), name)
		})
	}
}

func TestUIMode(t *testing.T) {
	unsetEnv(t, append(uiVars, securityVars...)...)
	t.Setenv(uiLogsStore, "victorialogs")
	t.Setenv(uiLogsURL, "http://vl:9428")
	ui := retrieve(t, "hypha:ui")
	assert.Equal(t, []any{"hypha_ui"}, ui.Get("service::extensions"))
	assert.Equal(t, "victorialogs", ui.Get("extensions::hypha_ui::logs::store"))
	assert.Empty(t, ui.Get("service::pipelines"))
	assert.False(t, ui.IsSet("receivers"), "the UI alone receives nothing")
	assert.True(t, noPipelinesGate.IsEnabled(), "hypha:ui turns on the gate that lets it run with no pipeline")
}
