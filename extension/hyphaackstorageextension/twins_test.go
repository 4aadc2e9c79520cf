// Copyright The Hypha Authors
// SPDX-License-Identifier: Apache-2.0

package hyphaackstorageextension

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"
)

func TestTwinsFoundOnTwoScansAndLoggedOnce(t *testing.T) {
	dir := t.TempDir()
	banner := strings.Repeat("# myapp 4.2.1 starting\n", 10) // 230 bytes
	write := func(name, content string) {
		require.NoError(t, os.WriteFile(filepath.Join(dir, name), []byte(content), 0o600))
	}
	write("a.log", banner+"line a\n")
	write("b.log", banner+"line b\n")
	write("c.log", banner+"line c\n")
	write("d.log", "another start, long enough to be compared with the others; "+banner)
	write("short.log", banner[:50])                        // may still grow apart
	write("nul.log", string(make([]byte, 300))+"line\n")   // copytruncate without O_APPEND
	write("nul.log.1", string(make([]byte, 400))+"line\n") // another
	write("skip.txt", banner+"not followed\n")
	require.NoError(t, os.Link(filepath.Join(dir, "d.log"), filepath.Join(dir, "d-link.log"))) // one file, two names

	core, obs := observer.New(zapcore.InfoLevel)
	f := newTwinFinder(FollowedFiles{
		Include: []string{filepath.Join(dir, "*.log"), filepath.Join(dir, "*.log.[0-9]*")}, FingerprintSize: 200,
	}, zap.New(core))

	assert.Equal(t, 0, f.scan(), "the first sight may be a copytruncate between its copy and its truncation")
	assert.Equal(t, 3, f.scan(), "a, b, c are one for file_log; so are the two NUL files")
	assert.Equal(t, 3, f.scan())
	logged := obs.FilterMessageSnippet("begin with the same bytes").All()
	require.Len(t, logged, 2, "each set once")

	// One of them changes its start: the set shrinks, and is logged anew.
	write("c.log", "a new start for c, long enough to differ within the first two hundred bytes "+banner)
	f.scan()
	assert.Equal(t, 2, f.scan())
}
