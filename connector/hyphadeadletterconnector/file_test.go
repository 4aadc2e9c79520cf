// Copyright The Hypha Authors
// SPDX-License-Identifier: Apache-2.0

package hyphadeadletterconnector

import (
	"bufio"
	"bytes"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
)

// readLines decodes every line of a dead-letter file; a line that is not a
// whole request fails the test.
func readLines(t *testing.T, path string) []string {
	t.Helper()
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	var out []string
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(nil, 16<<20)
	var u plog.JSONUnmarshaler
	for sc.Scan() {
		ld, err := u.UnmarshalLogs(sc.Bytes())
		require.NoError(t, err, "line %q", sc.Text())
		out = append(out, bodies([]plog.Logs{ld})...)
	}
	return out
}

func TestFileWriterReopensAndAppends(t *testing.T) {
	path := filepath.Join(t.TempDir(), "dl", "logs.jsonl")
	w := newFileWriter(&FileConfig{Path: path})
	t.Cleanup(func() { require.NoError(t, w.close()) })
	require.NoError(t, w.write(logs("one")))
	info, err := os.Stat(path)
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0), info.Mode().Perm()&^0o640, "group may read, others nothing")

	// Removed: the next record goes to a new file.
	require.NoError(t, os.Remove(path))
	require.NoError(t, w.write(logs("two")))
	assert.Equal(t, []string{"two"}, readLines(t, path))

	// Truncated in place: the next record starts the file, no NUL bytes.
	require.NoError(t, os.Truncate(path, 0))
	require.NoError(t, w.write(logs("three")))
	assert.Equal(t, []string{"three"}, readLines(t, path))
}

func TestFileWriterRotates(t *testing.T) {
	path := filepath.Join(t.TempDir(), "logs.jsonl")
	w := newFileWriter(&FileConfig{Path: path, MaxBackups: 2})
	w.maxBytes = 200 // about one record a file
	t.Cleanup(func() { require.NoError(t, w.close()) })
	for _, b := range []string{"a", "b", "c", "d"} {
		require.NoError(t, w.write(logs(b)))
	}
	assert.Equal(t, []string{"d"}, readLines(t, path))
	assert.Equal(t, []string{"c"}, readLines(t, path+".1"))
	assert.Equal(t, []string{"b"}, readLines(t, path+".2"))
	assert.NoFileExists(t, path+".3")
}

func TestRetime(t *testing.T) {
	r := newRig(t, 0)
	c := r.conn.(*deadLetter)
	c.maxAge, c.maxAhead = 7*24*time.Hour, 10*time.Minute
	now := time.Now()
	ld := logs("old", "ahead", "good", "no time", "old, observed now")
	recs := ld.ResourceLogs().At(0).ScopeLogs().At(0).LogRecords()
	ts := func(t time.Time) pcommon.Timestamp { return pcommon.NewTimestampFromTime(t) }
	recs.At(0).SetTimestamp(ts(now.Add(-10 * 24 * time.Hour)))
	recs.At(1).SetTimestamp(ts(now.Add(3 * 24 * time.Hour)))
	recs.At(2).SetTimestamp(ts(now.Add(-time.Hour)))
	recs.At(4).SetTimestamp(ts(now.Add(-8 * 24 * time.Hour)))
	recs.At(4).SetObservedTimestamp(ts(now.Add(-time.Second)))
	require.NoError(t, r.conn.ConsumeLogs(t.Context(), ld))
	got := r.store.AllLogs()[0].ResourceLogs().At(0).ScopeLogs().At(0).LogRecords()
	for i, want := range []bool{true, true, false, false, true} {
		_, retimed := got.At(i).Attributes().Get(originalTimeKey)
		assert.Equal(t, want, retimed, got.At(i).Body().Str())
		if got.At(i).Timestamp() != 0 {
			at := got.At(i).Timestamp().AsTime()
			assert.WithinRange(t, at, now.Add(-7*24*time.Hour), now.Add(10*time.Minute), got.At(i).Body().Str())
		}
	}
	assert.Equal(t, ts(now.Add(-time.Second)), got.At(4).Timestamp(), "the observed time is used when it is in the window")
	orig, _ := got.At(0).Attributes().Get(originalTimeKey)
	assert.Equal(t, now.Add(-10*24*time.Hour).UTC().Format(time.RFC3339Nano), orig.Str())
	assert.Empty(t, r.dl.AllLogs())
}
