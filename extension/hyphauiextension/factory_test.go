// Copyright The Hypha Authors
// SPDX-License-Identifier: Apache-2.0

package hyphauiextension

import (
	"context"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/extension/extensiontest"

	"github.com/hypha-obs/hypha/extension/hyphauiextension/internal/metadata"
)

func TestFactory(t *testing.T) {
	f := NewFactory()
	assert.Equal(t, metadata.Type, f.Type())
	cfg := f.CreateDefaultConfig().(*Config)
	require.NoError(t, cfg.Validate())
	assert.Equal(t, defaultEndpoint, cfg.NetAddr.Endpoint)
	assert.Equal(t, defaultStoreTimeout, cfg.Logs.Timeout)
	assert.Equal(t, defaultStoreTimeout, cfg.Jaeger.Timeout)
}

// TestStartServesAndStops starts the extension on a free port, fetches the
// page, and checks that Shutdown closes the port.
func TestStartServesAndStops(t *testing.T) {
	f := NewFactory()
	cfg := f.CreateDefaultConfig().(*Config)
	cfg.NetAddr.Endpoint = "127.0.0.1:0"
	ext, err := f.Create(context.Background(), extensiontest.NewNopSettings(metadata.Type), cfg)
	require.NoError(t, err)
	require.NoError(t, ext.Start(context.Background(), componenttest.NewNopHost()))
	u := ext.(*ui)
	addr := "http://" + u.addr
	resp, err := http.Get(addr + "/")
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Contains(t, resp.Header.Get("Content-Security-Policy"), "script-src 'self'")
	require.NoError(t, ext.Shutdown(context.Background()))
	_, err = http.Get(addr + "/")
	assert.Error(t, err, "the port is closed after Shutdown")
}
