// Copyright The Hypha Authors
// SPDX-License-Identifier: Apache-2.0

package followconverter

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/bmatcuk/doublestar/v4"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/confmap"
)

func convert(t *testing.T, receivers map[string]any) map[string]any {
	t.Helper()
	conf := confmap.NewFromStringMap(map[string]any{"receivers": receivers})
	require.NoError(t, NewFactory().Create(confmap.ConverterSettings{}).Convert(context.Background(), conf))
	return conf.Get("receivers").(map[string]any)
}

func TestSiblingsAdded(t *testing.T) {
	got := convert(t, map[string]any{
		"file_log": map[string]any{"include": "/var/log/app/*.log", "exclude": []any{"/var/log/app/own.log"}},
		"otlp":     map[string]any{},
	})
	cfg := got["file_log"].(map[string]any)
	assert.Equal(t, []any{"/var/log/app/*.log", "/var/log/app/*.log.[0-9]*", "/var/log/app/*.log-[0-9]*"}, cfg["include"])
	assert.Equal(t, []any{
		"/var/log/app/own.log",
		"/var/log/app/*.log.[0-9]*.{gz,bz2,xz,zst,zip}",
		"/var/log/app/*.log-[0-9]*.{gz,bz2,xz,zst,zip}",
		"/var/log/app/own.log.[0-9]*",
		"/var/log/app/own.log-[0-9]*",
	}, cfg["exclude"])
	assert.Equal(t, map[string]any{}, got["otlp"])
}

func TestCompressedKeptWhenTheReceiverReadsThem(t *testing.T) {
	got := convert(t, map[string]any{
		"filelog/gz": map[string]any{"include": []any{"/a/app.log", "/a/*.gz"}, "compression": "auto"},
	})
	cfg := got["filelog/gz"].(map[string]any)
	assert.Equal(t, []any{"/a/app.log", "/a/*.gz", "/a/app.log.[0-9]*", "/a/app.log-[0-9]*"}, cfg["include"])
	assert.Nil(t, cfg["exclude"])
}

func TestGlobEndingInStarUnchanged(t *testing.T) {
	got := convert(t, map[string]any{"file_log": map[string]any{"include": []any{"/a/app.log*"}}})
	assert.Equal(t, []any{"/a/app.log*"}, got["file_log"].(map[string]any)["include"])
}

func TestBadIncludeNamesTheKey(t *testing.T) {
	conf := confmap.NewFromStringMap(map[string]any{"receivers": map[string]any{"file_log": map[string]any{"include": []any{3}}}})
	err := NewFactory().Create(confmap.ConverterSettings{}).Convert(context.Background(), conf)
	assert.ErrorContains(t, err, "receivers::file_log::include")
}

// TestWhatTheGlobsMatch runs the globs the converter makes against the names
// logrotate, kubelet and Python's handlers give rotated files, with the
// library file_log matches with.
func TestWhatTheGlobsMatch(t *testing.T) {
	dir := t.TempDir()
	names := []string{
		"app.log", "app.log.1", "app.log.2", "app.log.12", "app.log-20261207", "app.log-2026120710",
		"app.log.2026-12-07", "app.log.1.gz", "app.log-20261207.bz2", "app.log.3.xz", "app.log.4.zst", "app.log.5.zip",
		"app.log.swp", "app.log.bak", "other.txt", "own.log", "own.log.1",
	}
	for _, n := range names {
		require.NoError(t, os.WriteFile(filepath.Join(dir, n), []byte("x\n"), 0o600))
	}
	got := convert(t, map[string]any{"file_log": map[string]any{
		"include": filepath.Join(dir, "*.log"), "exclude": []any{filepath.Join(dir, "own.log")},
	}})
	cfg := got["file_log"].(map[string]any)
	matched := map[string]bool{}
	for _, inc := range cfg["include"].([]any) {
		files, err := doublestar.FilepathGlob(inc.(string))
		require.NoError(t, err)
	next:
		for _, f := range files {
			for _, exc := range cfg["exclude"].([]any) {
				if ok, _ := doublestar.PathMatch(exc.(string), f); ok {
					continue next
				}
			}
			matched[filepath.Base(f)] = true
		}
	}
	assert.Equal(t, map[string]bool{
		"app.log": true, "app.log.1": true, "app.log.2": true, "app.log.12": true,
		"app.log-20261207": true, "app.log-2026120710": true, "app.log.2026-12-07": true,
	}, matched)
}

func TestRescueDirectoryFollowed(t *testing.T) {
	conf := confmap.NewFromStringMap(map[string]any{
		"extensions": map[string]any{"hypha_ack_storage": map[string]any{"storage": "file_storage", "rescue_directory": "/var/lib/hypha/rescued"}},
		"receivers": map[string]any{
			"file_log":       map[string]any{"include": "/a/*.log", "storage": "hypha_ack_storage"},
			"file_log/plain": map[string]any{"include": "/b/*.log", "storage": "file_storage"},
		},
	})
	require.NoError(t, NewFactory().Create(confmap.ConverterSettings{}).Convert(context.Background(), conf))
	assert.Equal(t, []any{"/a/*.log", "/var/lib/hypha/rescued/*", "/a/*.log.[0-9]*", "/a/*.log-[0-9]*"}, conf.Get("receivers::file_log::include"))
	assert.Equal(t, []any{"/b/*.log", "/b/*.log.[0-9]*", "/b/*.log-[0-9]*"}, conf.Get("receivers::file_log/plain::include"))
	assert.Equal(t, map[string]any{
		"include":          conf.Get("receivers::file_log::include"),
		"exclude":          conf.Get("receivers::file_log::exclude"),
		"fingerprint_size": 1000,
	}, conf.Get("extensions::hypha_ack_storage::followed_files"))
}

func TestByteSize(t *testing.T) {
	for in, want := range map[any]int{nil: 1000, 4096: 4096, "4KiB": 4096, "4kb": 4000, "2000": 2000, " 1 MiB ": 1 << 20, float64(512): 512} {
		got, err := byteSize(in)
		require.NoError(t, err, in)
		assert.Equal(t, want, got, in)
	}
	_, err := byteSize("four")
	assert.Error(t, err)
}
