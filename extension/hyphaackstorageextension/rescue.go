// Copyright The Hypha Authors
// SPDX-License-Identifier: Apache-2.0

package hyphaackstorageextension // import "github.com/hypha-obs/hypha/extension/hyphaackstorageextension"

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"go.uber.org/zap"
)

// maxWatchedDirs bounds the folders remembered; past it the set starts over.
const maxWatchedDirs = 4096

// rescuer keeps, at shutdown, the files file_log still holds open after
// they were deleted (rotated away during an outage). Their lines exist
// nowhere else: the checkpoint that will be read again after the restart
// points into them. Each one is copied whole into dir, which file_log
// follows (the hypha converter adds it to its include): the copy begins
// with the same bytes, so file_log takes it for the deleted file and reads
// on from the last offset the gateway acknowledged.
//
// It finds them in /proc/self/fd, as links that end in " (deleted)", in a
// folder from which file_log delivered lines in this run. Where there is
// no /proc (other systems), nothing is rescued.
type rescuer struct {
	dir    string
	logger *zap.Logger
	now    func() time.Time
	procFD string // /proc/self/fd

	mu   sync.Mutex
	dirs map[string]bool // folders of the files read in this run
}

func newRescuer(dir string, logger *zap.Logger) *rescuer {
	return &rescuer{dir: dir, logger: logger, now: time.Now, procFD: "/proc/self/fd", dirs: map[string]bool{}}
}

// reading records that file_log delivered lines of path.
func (r *rescuer) reading(path string) {
	d := filepath.Dir(path)
	r.mu.Lock()
	defer r.mu.Unlock()
	if !r.dirs[d] {
		if len(r.dirs) >= maxWatchedDirs {
			clear(r.dirs)
		}
		r.dirs[d] = true
	}
}

// openDeleted is a deleted file this process holds open.
type openDeleted struct {
	fd   string // /proc/self/fd/N
	path string // its last name
	size int64
	pos  int64 // how far the descriptor has read
}

// deleted lists the deleted regular files open in this process whose
// folder file_log read from.
func (r *rescuer) deleted() []openDeleted {
	entries, err := os.ReadDir(r.procFD)
	if err != nil {
		return nil
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []openDeleted
	for _, e := range entries {
		fd := filepath.Join(r.procFD, e.Name())
		target, err := os.Readlink(fd)
		if err != nil {
			continue
		}
		path, ok := strings.CutSuffix(target, " (deleted)")
		if !ok || !r.dirs[filepath.Dir(path)] {
			continue
		}
		info, err := os.Stat(fd)
		if err != nil || !info.Mode().IsRegular() {
			continue
		}
		out = append(out, openDeleted{fd: fd, path: path, size: info.Size(), pos: fdPos(r.procFD, e.Name())})
	}
	return out
}

// fdPos reads a descriptor's offset from /proc/self/fdinfo; -1 if unknown.
func fdPos(procFD, fd string) int64 {
	b, err := os.ReadFile(filepath.Join(filepath.Dir(procFD), "fdinfo", fd))
	if err != nil {
		return -1
	}
	s := bufio.NewScanner(bytes.NewReader(b))
	for s.Scan() {
		if v, ok := strings.CutPrefix(s.Text(), "pos:"); ok {
			n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
			if err == nil {
				return n
			}
		}
	}
	return -1
}

// rescue copies the deleted files that may hold lines the gateway has not
// acknowledged. When every batch was acknowledged (delivered), a file read
// to its end holds none and is left to go.
func (r *rescuer) rescue(delivered bool) {
	seen := map[string]bool{} // one copy per file, however many descriptors
	for _, f := range r.deleted() {
		key := f.path + "\x00" + strconv.FormatInt(f.size, 10)
		if seen[key] || (delivered && f.pos >= f.size) {
			continue
		}
		seen[key] = true
		to, err := r.copy(f)
		if err != nil {
			r.logger.Error("A log file was deleted before all its lines were delivered, and keeping a copy of it failed: the lines after the last acknowledged offset are lost",
				zap.String("path", f.path), zap.Int64("size", f.size), zap.Error(err))
			continue
		}
		r.logger.Warn("A log file was deleted before all its lines were delivered; its content is kept and read from the copy after the restart",
			zap.String("path", f.path), zap.String("copy", to), zap.Int64("size", f.size), zap.Bool("all_acknowledged", delivered))
	}
}

// copy writes the file's content beside the others, whole, under its final
// name only once complete, so that file_log never sees part of it.
func (r *rescuer) copy(f openDeleted) (string, error) {
	if err := os.MkdirAll(r.dir, 0o750); err != nil {
		return "", err
	}
	src, err := os.Open(f.fd)
	if err != nil {
		return "", err
	}
	defer src.Close()
	name := r.now().UTC().Format("20060102T150405.000Z") + "-" + filepath.Base(f.path)
	// A folder is never matched by file_log's <dir>/* glob.
	partial := filepath.Join(r.dir, ".partial")
	if err := os.MkdirAll(partial, 0o750); err != nil {
		return "", err
	}
	tmp, err := os.CreateTemp(partial, name+"-*")
	if err != nil {
		return "", err
	}
	defer os.Remove(tmp.Name())
	if _, err := io.Copy(tmp, src); err != nil {
		tmp.Close()
		return "", err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return "", err
	}
	if err := tmp.Close(); err != nil {
		return "", err
	}
	to := filepath.Join(r.dir, name)
	if err := os.Rename(tmp.Name(), to); err != nil {
		return "", fmt.Errorf("move the copy into %s: %w", r.dir, err)
	}
	return to, nil
}

// cleanUp removes the copies this run read to their end, once every batch
// was acknowledged: they hold nothing left to deliver.
func (r *rescuer) cleanUp(delivered bool) {
	if !delivered {
		return
	}
	entries, err := os.ReadDir(r.procFD)
	if err != nil {
		return
	}
	dir := filepath.Clean(r.dir)
	for _, e := range entries {
		target, err := os.Readlink(filepath.Join(r.procFD, e.Name()))
		if err != nil || filepath.Dir(target) != dir {
			continue
		}
		info, err := os.Stat(target)
		if err != nil || fdPos(r.procFD, e.Name()) < info.Size() {
			continue
		}
		if err := os.Remove(target); err == nil {
			r.logger.Info("A kept copy of a deleted log file was read to its end and delivered; it is removed", zap.String("copy", target))
		}
	}
}
