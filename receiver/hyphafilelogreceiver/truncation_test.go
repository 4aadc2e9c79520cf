// Copyright The Hypha Authors
// SPDX-License-Identifier: Apache-2.0

package hyphafilelogreceiver

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestTruncationWatch(t *testing.T) {
	path := filepath.Join(t.TempDir(), "app.log")
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	require.NoError(t, err)
	defer f.Close()
	clock := time.Unix(0, 0)
	w := newTruncationWatch(16)
	w.now = func() time.Time { return clock }
	write := func(s string) {
		_, err := f.WriteString(s)
		require.NoError(t, err)
	}

	write("first line\n")
	w.before(path)
	write("second line\n")
	assert.False(t, w.after(path), "the file only grew")

	// copytruncate: same file, other first bytes, already longer than
	// before.
	w.before(path)
	require.NoError(t, f.Truncate(0))
	write("new content, longer than what was there before the truncation\n")
	assert.True(t, w.after(path))

	// Truncated to fewer bytes with the same start.
	clock = clock.Add(2 * time.Second)
	w.before(path)
	require.NoError(t, f.Truncate(5))
	assert.True(t, w.after(path))

	// Bytes past the compared size may change: they are not the start.
	require.NoError(t, f.Truncate(0))
	write("0123456789abcdef and then some\n")
	clock = clock.Add(2 * time.Second)
	w.before(path)
	require.NoError(t, f.Truncate(16))
	write(" and then other\n")
	assert.False(t, w.after(path), "the first 16 bytes are the same and the file is as long")

	// before reads the start at most every second: a change since the
	// last read is still seen.
	clock = clock.Add(2 * time.Second)
	w.before(path)
	require.NoError(t, f.Truncate(0))
	write("other start\n")
	w.before(path)
	assert.True(t, w.after(path))

	// A new file under the same name (rename rotation) is not a truncation.
	clock = clock.Add(2 * time.Second)
	w.before(path)
	require.NoError(t, os.Rename(path, path+".1"))
	require.NoError(t, os.WriteFile(path, []byte("other\n"), 0o600))
	assert.False(t, w.after(path))

	w.before("")
	assert.False(t, w.after(""))
	assert.False(t, w.after(filepath.Join(t.TempDir(), "never-seen.log")))
}
