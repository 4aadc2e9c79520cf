// Copyright The Hypha Authors
// SPDX-License-Identifier: Apache-2.0

package storagecheckconverter

import (
	"context"
	"crypto/rand"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	bolt "go.etcd.io/bbolt"
	"go.opentelemetry.io/collector/confmap"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"
)

// writeDB makes a bbolt file the way file_storage does, one bucket of keys,
// large enough to span many pages, with file_log's offsets among them.
func writeDB(t *testing.T, path string) { writeKeys(t, path, true) }

// writeKeys is writeDB, with or without the offsets.
func writeKeys(t *testing.T, path string, offsets bool) {
	t.Helper()
	db, err := bolt.Open(path, 0o600, nil)
	require.NoError(t, err)
	require.NoError(t, db.Update(func(tx *bolt.Tx) error {
		b, err := tx.CreateBucketIfNotExists([]byte("default"))
		if err != nil {
			return err
		}
		if offsets {
			if err := b.Put([]byte("file_input.knownFiles"), []byte("\n\x05three files")); err != nil {
				return err
			}
		}
		for i := range 2000 {
			if err := b.Put([]byte(time.Duration(i).String()), []byte(strings.Repeat("queued record ", 40))); err != nil {
				return err
			}
		}
		return nil
	}))
	require.NoError(t, db.Close())
}

func agentConf(dir string) *confmap.Conf {
	return confmap.NewFromStringMap(map[string]any{
		"extensions": map[string]any{"file_storage": map[string]any{"directory": dir}},
		"receivers": map[string]any{
			"file_log": map[string]any{"storage": "file_storage", "start_at": "end"},
			"otlp":     map[string]any{},
		},
		"exporters": map[string]any{"otlp_grpc": map[string]any{"sending_queue": map[string]any{"storage": "file_storage"}}},
	})
}

// convert runs the converter as the collector's start does.
func convert(t *testing.T, conf *confmap.Conf) *observer.ObservedLogs {
	t.Helper()
	return convertAs(t, conf, true)
}

// convertAs runs the converter as the collector's start does (moveAside),
// or as a command that only reads the configuration, such as validate.
func convertAs(t *testing.T, conf *confmap.Conf, moveAside bool) *observer.ObservedLogs {
	t.Helper()
	core, logs := observer.New(zapcore.InfoLevel)
	c := converter{logger: zap.New(core), now: time.Now, moveAside: moveAside}
	require.NoError(t, c.Convert(context.Background(), conf))
	return logs
}

const (
	checkpoints = "receiver_filelog_" // the factory's type, not the config's file_log
	queue       = "exporter_otlp_grpc__logs"
)

func TestIntactStorageIsLeftAlone(t *testing.T) {
	dir := t.TempDir()
	writeDB(t, filepath.Join(dir, checkpoints))
	writeDB(t, filepath.Join(dir, queue))
	conf := agentConf(dir)
	logs := convert(t, conf)
	assert.Equal(t, 0, logs.Len())
	assert.Equal(t, "end", conf.Get("receivers::file_log::start_at"))
	assert.FileExists(t, filepath.Join(dir, checkpoints))
	assert.FileExists(t, filepath.Join(dir, queue))
}

func TestDamagedStorageIsMovedAsideAndFilesAreReadAgain(t *testing.T) {
	damage := map[string]func(t *testing.T, path string){
		"truncated to half": func(t *testing.T, path string) {
			info, err := os.Stat(path)
			require.NoError(t, err)
			require.NoError(t, os.Truncate(path, info.Size()/2))
		},
		"random bytes": func(t *testing.T, path string) {
			b := make([]byte, 64<<10)
			_, _ = rand.Read(b)
			require.NoError(t, os.WriteFile(path, b, 0o600))
		},
		"truncated to one page": func(t *testing.T, path string) {
			require.NoError(t, os.Truncate(path, 4096))
		},
	}
	for name, hurt := range damage {
		for _, victim := range []string{checkpoints, queue} {
			t.Run(name+"/"+victim, func(t *testing.T) {
				dir := t.TempDir()
				writeDB(t, filepath.Join(dir, checkpoints))
				writeDB(t, filepath.Join(dir, queue))
				hurt(t, filepath.Join(dir, victim))

				conf := agentConf(dir)
				logs := convert(t, conf)

				assert.Equal(t, "beginning", conf.Get("receivers::file_log::start_at"), "the followed files must be read again")
				assert.NoFileExists(t, filepath.Join(dir, victim))
				assert.NoFileExists(t, filepath.Join(dir, checkpoints), "offsets must not skip what the damage lost")
				aside, _ := filepath.Glob(filepath.Join(dir, victim+".damaged-*"))
				assert.Len(t, aside, 1, "kept for inspection")
				errs := logs.FilterLevelExact(zapcore.ErrorLevel).All()
				require.Len(t, errs, 1)
				assert.Equal(t, filepath.Join(dir, victim), errs[0].ContextMap()["file"])
				if victim == queue {
					assert.Contains(t, errs[0].ContextMap()["lost"], "sending queue")
				} else {
					assert.Contains(t, errs[0].ContextMap()["lost"], "offsets")
				}
				moved, _ := filepath.Glob(filepath.Join(dir, checkpoints+".damaged-*"))
				assert.Len(t, moved, 1, "the checkpoints are kept aside too")

				// The next start finds the storage sound again.
				fresh := agentConf(dir)
				assert.Equal(t, 0, convert(t, fresh).Len())
				assert.Equal(t, "end", fresh.Get("receivers::file_log::start_at"))
			})
		}
	}
}

// The shipped agent keeps file_log's checkpoints in file_storage through
// hypha_ack_storage.
func TestDamageBehindAckStorageRereadsTheFiles(t *testing.T) {
	dir := t.TempDir()
	writeDB(t, filepath.Join(dir, checkpoints))
	require.NoError(t, os.WriteFile(filepath.Join(dir, checkpoints), []byte("not a database"), 0o600))
	conf := agentConf(dir)
	require.NoError(t, conf.Merge(confmap.NewFromStringMap(map[string]any{
		"extensions": map[string]any{"hypha_ack_storage": map[string]any{"storage": "file_storage"}},
		"receivers":  map[string]any{"file_log": map[string]any{"storage": "hypha_ack_storage"}},
	})))
	logs := convert(t, conf)
	assert.Equal(t, "beginning", conf.Get("receivers::file_log::start_at"))
	assert.NoFileExists(t, filepath.Join(dir, checkpoints))
	assert.Equal(t, 1, logs.FilterMessageSnippet("Reading every followed file again").Len())
}

// file_log applies start_at whenever it finds no offsets. A run that saved
// none (nothing was acknowledged before it was killed) read lines it did
// not deliver, so the next one reads the files from their start.
func TestRunWithoutOffsetsMakesTheNextReadFromTheStart(t *testing.T) {
	dir := t.TempDir()
	writeKeys(t, filepath.Join(dir, checkpoints), false)
	conf := agentConf(dir)
	logs := convert(t, conf)
	assert.Equal(t, "beginning", conf.Get("receivers::file_log::start_at"))
	assert.Equal(t, 1, logs.FilterMessageSnippet("saved no file offsets").Len())
	assert.FileExists(t, filepath.Join(dir, checkpoints), "a sound file stays")

	// Offsets saved with no file in them (the first poll found none) are
	// no offsets either.
	require.NoError(t, os.Remove(filepath.Join(dir, checkpoints)))
	db, err := bolt.Open(filepath.Join(dir, checkpoints), 0o600, nil)
	require.NoError(t, err)
	require.NoError(t, db.Update(func(tx *bolt.Tx) error {
		b, err := tx.CreateBucket([]byte("default"))
		if err != nil {
			return err
		}
		return b.Put([]byte("file_input.knownFiles"), []byte{})
	}))
	require.NoError(t, db.Close())
	conf = agentConf(dir)
	convert(t, conf)
	assert.Equal(t, "beginning", conf.Get("receivers::file_log::start_at"))
}

// The agent's checkpoints and its queue are in two extensions that share a
// directory: damage to either makes the files be read again, whichever
// extension's check finds it.
func TestDamageInASharedDirectory(t *testing.T) {
	for _, victim := range []string{checkpoints, queue} {
		t.Run(victim, func(t *testing.T) {
			dir := t.TempDir()
			writeDB(t, filepath.Join(dir, checkpoints))
			writeDB(t, filepath.Join(dir, queue))
			require.NoError(t, os.WriteFile(filepath.Join(dir, victim), []byte("not a database"), 0o600))
			conf := agentConf(dir)
			require.NoError(t, conf.Merge(confmap.NewFromStringMap(map[string]any{
				"extensions": map[string]any{"file_storage/queue": map[string]any{"directory": dir}},
				"exporters":  map[string]any{"otlp_grpc": map[string]any{"sending_queue": map[string]any{"storage": "file_storage/queue"}}},
			})))
			convert(t, conf)
			assert.Equal(t, "beginning", conf.Get("receivers::file_log::start_at"))
			assert.NoFileExists(t, filepath.Join(dir, checkpoints))
		})
	}
}

func TestFileHeldByAnotherProcessIsNotTouched(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, queue)
	writeDB(t, path)
	db, err := bolt.Open(path, 0o600, nil) // holds the exclusive lock
	require.NoError(t, err)
	defer db.Close()
	conf := agentConf(dir)
	logs := convert(t, conf)
	assert.FileExists(t, path)
	assert.Equal(t, 1, logs.FilterMessageSnippet("another process").Len())
	assert.Equal(t, "end", conf.Get("receivers::file_log::start_at"))
}

func TestNoStorageNoWork(t *testing.T) {
	conf := confmap.NewFromStringMap(map[string]any{"receivers": map[string]any{"otlp": nil}})
	assert.Equal(t, 0, convert(t, conf).Len())
	// A directory that does not exist yet (first start) is fine.
	assert.Equal(t, 0, convert(t, agentConf(filepath.Join(t.TempDir(), "new"))).Len())
}
