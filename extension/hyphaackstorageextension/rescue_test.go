// Copyright The Hypha Authors
// SPDX-License-Identifier: Apache-2.0

package hyphaackstorageextension

import (
	"io"
	"os"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"
)

// openThenDelete writes a file, opens it, reads n bytes and deletes it: a
// file file_log holds open after rotation removed it.
func openThenDelete(t *testing.T, dir, name, content string, n int) *os.File {
	t.Helper()
	path := filepath.Join(dir, name)
	require.NoError(t, os.WriteFile(path, []byte(content), 0o600))
	f, err := os.Open(path)
	require.NoError(t, err)
	t.Cleanup(func() { f.Close() })
	_, err = io.CopyN(io.Discard, f, int64(n))
	require.NoError(t, err)
	require.NoError(t, os.Remove(path))
	return f
}

func rescued(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	entries, err := os.ReadDir(dir)
	if os.IsNotExist(err) {
		return out
	}
	require.NoError(t, err)
	for _, e := range entries {
		if e.IsDir() {
			continue
		}
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		require.NoError(t, err)
		out[e.Name()] = string(b)
	}
	return out
}

func TestRescueKeepsDeletedFilesWithUndeliveredLines(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("needs /proc")
	}
	logs, keep := t.TempDir(), filepath.Join(t.TempDir(), "rescued")
	core, obs := observer.New(zapcore.InfoLevel)
	r := newRescuer(keep, zap.New(core))
	r.reading(filepath.Join(logs, "app.log"))

	openThenDelete(t, logs, "app.log.1", "line 1\nline 2\n", 7)      // half read
	openThenDelete(t, logs, "app.log.2", "line 3\n", 7)              // read to its end
	openThenDelete(t, t.TempDir(), "other.log", "not followed\n", 0) // a folder never read

	// Every batch acknowledged: only the file not read to its end is kept.
	r.rescue(true)
	got := rescued(t, keep)
	require.Len(t, got, 1)
	for name, content := range got {
		assert.Contains(t, name, "-app.log.1")
		assert.Equal(t, "line 1\nline 2\n", content)
	}
	assert.Equal(t, 1, obs.FilterMessageSnippet("deleted before all its lines were delivered").Len())

	// Batches not acknowledged: both are kept, the one read to its end too.
	require.NoError(t, os.RemoveAll(keep))
	r.rescue(false)
	assert.Len(t, rescued(t, keep), 2)
}

func TestCleanUpRemovesCopiesReadToTheirEnd(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("needs /proc")
	}
	keep := t.TempDir()
	r := newRescuer(keep, zap.NewNop())
	done := filepath.Join(keep, "x-app.log.1")
	half := filepath.Join(keep, "y-app.log.2")
	for _, p := range []string{done, half} {
		require.NoError(t, os.WriteFile(p, []byte("line 1\nline 2\n"), 0o600))
	}
	for p, n := range map[string]int64{done: 14, half: 7} {
		f, err := os.Open(p)
		require.NoError(t, err)
		t.Cleanup(func() { f.Close() })
		_, err = io.CopyN(io.Discard, f, n)
		require.NoError(t, err)
	}
	r.cleanUp(false)
	assert.Len(t, rescued(t, keep), 2, "nothing is removed while batches are unacknowledged")
	r.cleanUp(true)
	assert.Equal(t, []string{"y-app.log.2"}, keys(rescued(t, keep)))
}

func keys(m map[string]string) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}
