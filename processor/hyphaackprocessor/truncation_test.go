// Copyright The Hypha Authors
// SPDX-License-Identifier: Apache-2.0

package hyphaackprocessor

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
	w := newTruncationWatch()
	w.now = func() time.Time { return clock }
	write := func(s string) {
		_, err := f.WriteString(s)
		require.NoError(t, err)
	}

	write("first line\n")
	assert.False(t, w.check(path, 0), "first sight")
	write("second line\n")
	clock = clock.Add(2 * time.Second)
	assert.False(t, w.check(path, 5*time.Second), "the file only grew while the reader waited")

	// copytruncate while the reader waits: same file, other first bytes,
	// and already longer than before.
	require.NoError(t, f.Truncate(0))
	write("new content, longer than what was there before the truncation\n")
	assert.True(t, w.check(path, 5*time.Second))

	// Truncated with no wait: nothing to say, file_log handles it between polls.
	require.NoError(t, f.Truncate(0))
	write("x\n")
	clock = clock.Add(2 * time.Second)
	assert.False(t, w.check(path, 0))

	// A new file under the same name (rename rotation) is not a truncation.
	require.NoError(t, os.Rename(path, path+".1"))
	require.NoError(t, os.WriteFile(path, []byte("other\n"), 0o600))
	assert.False(t, w.check(path, 5*time.Second))
	assert.False(t, w.check("", 5*time.Second))
}
