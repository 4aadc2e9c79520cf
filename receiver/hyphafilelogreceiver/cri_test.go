// Copyright The Hypha Authors
// SPDX-License-Identifier: Apache-2.0

package hyphafilelogreceiver

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/open-telemetry/opentelemetry-collector-contrib/pkg/stanza/operator"
	"github.com/open-telemetry/opentelemetry-collector-contrib/pkg/stanza/operator/parser/container"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestKubernetesContainerLogs reads a pod's log file in the CRI format
// through the container operator, as the Kubernetes agent does: a stack
// trace written to stderr as many F lines arrives as one record, a line the
// runtime split into P and F parts as one, and stdout's JSON lines alone.
func TestKubernetesContainerLogs(t *testing.T) {
	raw, err := os.ReadFile("testdata/corpus/k8s-cri-stderr.log")
	require.NoError(t, err)
	dir := filepath.Join(t.TempDir(), "var/log/pods/shop_api-7d9c_0b7c2f4e-1a2b-4c3d-8e9f-0a1b2c3d4e5f/api")
	require.NoError(t, os.MkdirAll(dir, 0o755))
	path := filepath.Join(dir, "0.log")
	require.NoError(t, os.WriteFile(path, raw, 0o644))

	cfg := NewFactory().CreateDefaultConfig().(*Config)
	cfg.InputConfig.Include = []string{path}
	cfg.InputConfig.StartAt = "beginning"
	cfg.InputConfig.IncludeFilePath = true
	cfg.Operators = []operator.Config{{Builder: container.NewConfig()}}
	got := runReceiver(t, cfg)
	assert.Equal(t, []string{
		`{"level":30,"time":1728385695509,"msg":"handling /checkout"}`,
		"Error: boom\n    at handler (/app/routes/orders.js:42:11)\n    at Layer.handle [as handle_request] (/app/node_modules/express/lib/router/layer.js:95:5)",
		`{"level":30,"time":1728385695610,"msg":"a long line split by the runtime"}`,
		"2024/10/08 13:08:15 http: panic serving 10.1.0.7:51234: boom\ngoroutine 41 [running]:\nnet/http.(*conn).serve.func1(0xc000118000)\n\t/usr/local/go/src/net/http/server.go:1854 +0xbf",
		`{"level":30,"time":1728385695810,"msg":"done"}`,
	}, got)
}
