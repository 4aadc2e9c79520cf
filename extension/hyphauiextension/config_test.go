// Copyright The Hypha Authors
// SPDX-License-Identifier: Apache-2.0

package hyphauiextension

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/config/configopaque"
	"go.opentelemetry.io/collector/confmap"
	"go.opentelemetry.io/collector/confmap/confmaptest"

	"github.com/hypha-obs/hypha/extension/hyphauiextension/internal/metadata"
)

func load(t *testing.T, name string) *Config {
	t.Helper()
	cm, err := confmaptest.LoadConf(filepath.Join("testdata", "config.yaml"))
	require.NoError(t, err)
	sub, err := cm.Sub(component.NewIDWithName(metadata.Type, name).String())
	require.NoError(t, err)
	cfg := createDefaultConfig().(*Config)
	require.NoError(t, sub.Unmarshal(cfg))
	return cfg
}

func TestLoadConfig(t *testing.T) {
	def := load(t, "")
	require.NoError(t, confmap.Validate(def))
	assert.Equal(t, "127.0.0.1:16680", def.NetAddr.Endpoint, "loopback by default")
	assert.Equal(t, storeLoki, def.Logs.Store)
	assert.Equal(t, time.Hour, def.DefaultRange)

	vl := load(t, "victorialogs")
	require.NoError(t, confmap.Validate(vl))
	assert.Equal(t, "0.0.0.0:16680", vl.NetAddr.Endpoint)
	assert.Equal(t, configopaque.String("s3cret"), vl.BearerToken)
	assert.Equal(t, storeVictoriaLogs, vl.Logs.Store)
	assert.Equal(t, "http://victorialogs:9428", vl.Logs.Endpoint)
	assert.Equal(t, 5*time.Second, vl.Logs.Timeout)
	v, ok := vl.Logs.Headers.Get("AccountID")
	assert.True(t, ok)
	assert.Equal(t, configopaque.String("7"), v)
	assert.Equal(t, 3*time.Second, vl.Jaeger.Timeout)
	assert.Equal(t, "http://127.0.0.1:9999/metrics", vl.Telemetry.Endpoint)
	assert.Equal(t, "loki", vl.GrafanaLogsDatasource)
	assert.Equal(t, 15*time.Minute, vl.DefaultRange)
	assert.Equal(t, 24*time.Hour, vl.MaxRange)

	basic := load(t, "basic")
	require.NoError(t, confmap.Validate(basic))
	assert.Equal(t, "admin", basic.BasicAuth.Username)
}

func TestValidate(t *testing.T) {
	for name, want := range map[string][]string{
		"bad_store":  {`logs::store "elasticsearch": use victorialogs or loki`},
		"bad_urls":   {`logs::endpoint "loki:3100"`, "jaeger::endpoint must be set", `grafana_url "javascript:alert(1)"`},
		"half_basic": {"basic_auth::password must be set when basic_auth::username is"},
		"no_timeout": {"jaeger::timeout must be greater than 0"},
		"ranges":     {"max_range must be at least default_range"},
		"slow_store": {"logs::timeout (20s) must be shorter than write_timeout (10s)", "jaeger::timeout (15s) must be shorter than write_timeout (10s)"},
	} {
		t.Run(name, func(t *testing.T) {
			err := confmap.Validate(load(t, name))
			require.Error(t, err)
			for _, w := range want {
				assert.ErrorContains(t, err, w)
			}
		})
	}
}
