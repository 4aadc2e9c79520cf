// Copyright The Hypha Authors
// SPDX-License-Identifier: Apache-2.0

package storagecheckconverter

import (
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/featuregate"
	"go.uber.org/zap/zapcore"
)

// listDir returns the names and sizes of dir's files.
func listDir(t *testing.T, dir string) map[string]int64 {
	t.Helper()
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	out := map[string]int64{}
	for _, e := range entries {
		info, err := e.Info()
		require.NoError(t, err)
		out[e.Name()] = info.Size()
	}
	return out
}

// A command that only reads the configuration (validate) reports the
// damage and resolves the configuration the start would get, and leaves
// every file where it is; the start then moves them aside.
func TestValidationLeavesTheDiskAlone(t *testing.T) {
	dir := t.TempDir()
	writeDB(t, filepath.Join(dir, checkpoints))
	writeDB(t, filepath.Join(dir, queue))
	require.NoError(t, os.Truncate(filepath.Join(dir, queue), 4096))
	before := listDir(t, dir)

	conf := agentConf(dir)
	logs := convertAs(t, conf, false)
	assert.Equal(t, before, listDir(t, dir), "validation must not change the disk")
	assert.Equal(t, "beginning", conf.Get("receivers::file_log::start_at"), "validate resolves the configuration the start would get")
	errs := logs.FilterLevelExact(zapcore.ErrorLevel).All()
	require.Len(t, errs, 1)
	assert.Equal(t, filepath.Join(dir, queue), errs[0].ContextMap()["file"])
	assert.Contains(t, errs[0].Message, "when it starts")

	conf = agentConf(dir)
	convertAs(t, conf, true)
	assert.Equal(t, "beginning", conf.Get("receivers::file_log::start_at"))
	assert.NoFileExists(t, filepath.Join(dir, queue))
	assert.NoFileExists(t, filepath.Join(dir, checkpoints))
	aside, _ := filepath.Glob(filepath.Join(dir, "*.damaged-*"))
	assert.Len(t, aside, 2, "the start moves the damaged queue and the checkpoints aside")
}

func TestRunsCollector(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want bool
	}{
		{nil, true},
		{[]string{"--config", "hypha:agent"}, true},
		{[]string{"--config=hypha:agent", "--feature-gates", "-stanza.synchronousLogEmitter"}, true},
		{[]string{"--config", "validate"}, true}, // a flag's value, not the subcommand
		{[]string{"validate", "--config", "hypha:agent"}, false},
		{[]string{"--config", "hypha:agent", "validate"}, false},
		{[]string{"--set", "x=y", "print-config"}, false},
		{[]string{"components"}, false},
		{[]string{"--", "validate"}, false},
	} {
		assert.Equal(t, tc.want, runsCollector(tc.args), "%q", tc.args)
	}
}

// hypha turns the synchronous emitter on, and the collector's
// --feature-gates flag, parsed after main built its settings, still turns
// it off.
func TestSynchronousEmitterOnByDefault(t *testing.T) {
	NewFactory()
	gateEnabled := func() bool {
		var enabled bool
		featuregate.GlobalRegistry().VisitAll(func(g *featuregate.Gate) {
			if g.ID() == synchronousEmitterGate {
				enabled = g.IsEnabled()
			}
		})
		return enabled
	}
	assert.True(t, gateEnabled())

	flags := flag.NewFlagSet("hypha", flag.ContinueOnError)
	featuregate.GlobalRegistry().RegisterFlags(flags)
	require.NoError(t, flags.Parse([]string{"--feature-gates=-" + synchronousEmitterGate}))
	t.Cleanup(func() { require.NoError(t, featuregate.GlobalRegistry().Set(synchronousEmitterGate, true)) })
	assert.False(t, gateEnabled(), "--feature-gates=-%s turns it off", synchronousEmitterGate)
	NewFactory()
	assert.False(t, gateEnabled(), "a second factory does not turn it on again")
}
