// Copyright The Hypha Authors
// SPDX-License-Identifier: Apache-2.0

// Package storagecheckconverter checks the agent's file_storage before the
// collector opens it, and recovers from damage instead of crash-looping.
//
// A bbolt file cut short (a full disk, a host crash with fsync off) or
// overwritten makes file_storage fail or crash at every start: SIGBUS, an
// assertion panic or "invalid database". The converter runs when the
// configuration is resolved, before any component starts. For every
// file_storage directory in the configuration it opens each database
// read-only and reads it through; a damaged one is moved aside with a
// timestamp and logged. What it held cannot be trusted, so the file_log
// receivers that keep their offsets in that storage are made to read their
// files again from the start: their checkpoints are moved aside too and
// start_at becomes "beginning" for this run. Lines already delivered arrive
// again (duplicates), but none is skipped.
//
// It also makes start_at apply to a receiver's first run only: when its
// storage file is there but holds no file offsets, the last run read lines
// it never saved an offset for (with end-to-end acknowledgement, because
// the gateway never acknowledged them), so the files are read from their
// start rather than skipped to their end.
//
// Only a process that runs the collector changes the disk. `hypha validate`
// and `hypha print-config` resolve the configuration through the same
// converters; for them the converter checks and reports what the start
// would move aside, and gives the configuration the start would get, but
// renames nothing.
package storagecheckconverter // import "github.com/hypha-obs/hypha/converter/storagecheckconverter"

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"go.opentelemetry.io/collector/confmap"
	"go.uber.org/zap"
)

// defaultDirectory is file_storage's own default on Linux.
const defaultDirectory = "/var/lib/otelcol/file_storage"

// lockTimeout is how long to wait for a file another process holds.
const lockTimeout = 500 * time.Millisecond

// asideSuffix marks files moved aside; they are not checked again.
const asideSuffix = ".damaged-"

// NewFactory returns the factory for the converter. It also turns on the
// synchronous stanza emitter (see gate.go), which the checkpoints rely on.
func NewFactory() confmap.ConverterFactory {
	enableSynchronousEmitter()
	return confmap.NewConverterFactory(func(set confmap.ConverterSettings) confmap.Converter {
		return converter{logger: set.Logger, now: time.Now, moveAside: runsCollector(os.Args[1:])}
	})
}

type converter struct {
	logger *zap.Logger
	now    func() time.Time
	// moveAside allows the converter to move damaged files aside. It is set
	// only where the collector starts: a command that merely reads the
	// configuration must leave the disk as it found it.
	moveAside bool
}

// collectorValueFlags are the collector's root flags that take their value
// as the next argument (--config file:x), so that the value is not taken
// for a subcommand.
var collectorValueFlags = map[string]bool{"config": true, "set": true, "feature-gates": true}

// runsCollector reports whether the program's arguments (without its name)
// start the collector rather than one of its subcommands (validate,
// print-config, components, featuregate). The collector's command line has
// no positional argument, so the first argument that is neither a flag nor
// a flag's value names a subcommand.
func runsCollector(args []string) bool {
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" || !strings.HasPrefix(a, "-") {
			return false
		}
		name, _, hasValue := strings.Cut(strings.TrimLeft(a, "-"), "=")
		if !hasValue && collectorValueFlags[name] {
			i++
		}
	}
	return true
}

// storageUser is a file_log receiver and the storage extension it uses.
type storageUser struct {
	receiver string // the receiver's id, e.g. file_log/app
	storage  string
}

func (c converter) Convert(_ context.Context, conf *confmap.Conf) error {
	dirs := storageDirs(conf)
	if len(dirs) == 0 {
		return nil
	}
	users := fileLogUsers(conf)
	stamp := c.now().UTC().Format("20060102T150405Z")
	// Several extensions may share a directory (the agent's checkpoints and
	// its queue, synced differently): damage found there concerns the
	// receivers of every one of them.
	byDir := map[string][]string{}
	for ext, dir := range dirs {
		byDir[dir] = append(byDir[dir], ext)
	}
	for dir, exts := range byDir {
		damaged, err := c.moveDamaged(dir, stamp)
		if err != nil {
			return fmt.Errorf("checking the storage of %s in %s: %w", strings.Join(exts, ", "), dir, err)
		}
		for _, u := range users {
			if !slices.Contains(exts, u.storage) {
				continue
			}
			if damaged {
				if err := c.rereadFromStart(conf, dir, u, stamp); err != nil {
					return err
				}
				continue
			}
			if err := c.startAtBeginningAfterARunWithoutOffsets(conf, dir, u); err != nil {
				return err
			}
		}
	}
	return nil
}

// startAtBeginningAfterARunWithoutOffsets makes start_at apply to the first
// run only. file_log uses start_at whenever it finds no saved offsets, and
// a run can end without any: no file matched when it started and the lines
// of the files that came later were never acknowledged (the gateway was
// away), or it was killed before its first checkpoint. Its storage file
// exists then, without offsets, and the lines it read were not delivered:
// starting at the end would skip them, so the files are read from their
// start.
func (c converter) startAtBeginningAfterARunWithoutOffsets(conf *confmap.Conf, dir string, u storageUser) error {
	path := filepath.Join(dir, checkpointFile(u.receiver))
	if _, err := os.Stat(path); err != nil {
		return nil // the first run, or another file name: start_at as configured
	}
	has, err := hasOffsets(path)
	if err != nil {
		c.logger.Warn("Storage file not checked for offsets", zap.String("file", path), zap.Error(err))
		return nil
	}
	if has {
		return nil
	}
	c.logger.Warn("The last run saved no file offsets; reading every followed file from its start, so that nothing it read but did not deliver is skipped",
		zap.String("receiver", u.receiver), zap.String("file", path))
	return conf.Merge(confmap.NewFromStringMap(map[string]any{
		"receivers": map[string]any{u.receiver: map[string]any{"start_at": "beginning"}},
	}))
}

// checkpointFile is the name file_storage gives a file_log receiver's
// file: kind_type_name, with the factory's type, filelog, whichever of its
// names the config uses.
func checkpointFile(receiver string) string {
	_, name, _ := strings.Cut(receiver, "/")
	return "receiver_filelog_" + name
}

// moveDamaged checks every database in dir and moves the damaged ones
// aside. It reports whether any was damaged.
func (c converter) moveDamaged(dir, stamp string) (bool, error) {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, os.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	damaged := false
	for _, e := range entries {
		if !e.Type().IsRegular() || strings.Contains(e.Name(), asideSuffix) || strings.HasPrefix(e.Name(), "tempdb") {
			continue
		}
		path := filepath.Join(dir, e.Name())
		err := checkDB(path, lockTimeout)
		switch {
		case err == nil:
			continue
		case errors.Is(err, errInUse):
			c.logger.Warn("Storage file not checked: another process holds it", zap.String("file", path))
			continue
		}
		aside := path + asideSuffix + stamp
		if !c.moveAside {
			c.logger.Error("Storage file is damaged; hypha will move it aside when it starts, and read the log files again from their start",
				zap.String("file", path), zap.String("lost", heldBy(e.Name())), zap.String("damage", err.Error()))
			damaged = true
			continue
		}
		if err := os.Rename(path, aside); err != nil {
			return false, fmt.Errorf("moving damaged %s aside: %w", path, err)
		}
		c.logger.Error("Storage file was damaged and has been moved aside; what it held could not be recovered, so the log files are read again from their start",
			zap.String("file", path), zap.String("moved_to", aside), zap.String("lost", heldBy(e.Name())), zap.String("damage", err.Error()))
		damaged = true
	}
	return damaged, nil
}

// rereadFromStart moves the receiver's checkpoints aside and sets its
// start_at to beginning, so that every file it follows is read again.
func (c converter) rereadFromStart(conf *confmap.Conf, dir string, u storageUser, stamp string) error {
	if err := c.moveCheckpointsAside(dir, u, stamp); err != nil {
		return err
	}
	c.logger.Warn("Reading every followed file again from its start after damaged storage; lines already delivered will arrive again",
		zap.String("receiver", u.receiver))
	return conf.Merge(confmap.NewFromStringMap(map[string]any{
		"receivers": map[string]any{u.receiver: map[string]any{"start_at": "beginning"}},
	}))
}

// moveCheckpointsAside moves the receiver's checkpoint files aside, where
// the collector starts.
func (c converter) moveCheckpointsAside(dir string, u storageUser, stamp string) error {
	if !c.moveAside {
		return nil
	}
	// A component that asks for more than one client gets a suffix.
	base := checkpointFile(u.receiver)
	entries, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	for _, e := range entries {
		n := e.Name()
		if strings.Contains(n, asideSuffix) || (n != base && !strings.HasPrefix(n, base+"_")) {
			continue
		}
		m := filepath.Join(dir, n)
		if err := os.Rename(m, m+asideSuffix+stamp); err != nil {
			return fmt.Errorf("moving the checkpoints of %s aside: %w", u.receiver, err)
		}
	}
	return nil
}

// heldBy says what a file_storage file held, from the name file_storage
// gives it (kind_type_name_purpose), for the log line that reports its loss.
func heldBy(name string) string {
	switch {
	case strings.HasPrefix(name, "exporter_"):
		return "an exporter's sending queue: the records in it (on the agent, what apps sent over OTLP) are lost"
	case strings.HasPrefix(name, "receiver_filelog_"):
		return "file_log's offsets: lines already delivered arrive again"
	}
	return "queued records or saved state of a component"
}

// storageDirs maps each file_storage extension to its directory.
func storageDirs(conf *confmap.Conf) map[string]string {
	dirs := map[string]string{}
	for id, raw := range section(conf, "extensions") {
		if componentType(id) != "file_storage" {
			continue
		}
		dir := defaultDirectory
		if m, ok := raw.(map[string]any); ok {
			if d, ok := m["directory"].(string); ok && d != "" {
				dir = d
			}
		}
		dirs[id] = dir
	}
	return dirs
}

// fileLogUsers lists the file_log receivers that keep offsets in a storage.
// A receiver whose storage is a hypha_ack_storage keeps them in the storage
// that one names.
func fileLogUsers(conf *confmap.Conf) []storageUser {
	extensions := section(conf, "extensions")
	var users []storageUser
	for id, raw := range section(conf, "receivers") {
		if t := componentType(id); t != "file_log" && t != "filelog" {
			continue
		}
		m, _ := raw.(map[string]any)
		s, ok := m["storage"].(string)
		if !ok || s == "" {
			continue
		}
		if componentType(s) == "hypha_ack_storage" {
			ext, _ := extensions[s].(map[string]any)
			s, _ = ext["storage"].(string)
		}
		users = append(users, storageUser{receiver: id, storage: s})
	}
	return users
}

func section(conf *confmap.Conf, key string) map[string]any {
	m, _ := conf.Get(key).(map[string]any)
	return m
}

func componentType(id string) string {
	t, _, _ := strings.Cut(id, "/")
	return t
}
