// Copyright The Hypha Authors
// SPDX-License-Identifier: Apache-2.0

package hyphaackstorageextension // import "github.com/hypha-obs/hypha/extension/hyphaackstorageextension"

import (
	"bytes"
	"errors"
	"io"
	"os"
	"slices"
	"strings"

	"github.com/bmatcuk/doublestar/v4"
	"go.uber.org/zap"
)

// twinFinder finds files that file_log cannot tell apart: it knows a file
// by its first fingerprint_size bytes, so of several files that begin with
// the same bytes (a long banner, the NUL bytes copytruncate leaves in a
// file written without O_APPEND) it reads one and takes the others for it.
// fileconsumer says so only at debug level. The finder matches the same
// globs, compares the files' starts, and logs each set of such files once,
// at error, once it was seen on two scans in a row (a copytruncate makes
// twins for an instant, between its copy and its truncation).
type twinFinder struct {
	include, exclude []string
	size             int
	logger           *zap.Logger

	pending  map[string]bool // sets seen on the last scan
	reported map[string]bool // sets already logged
}

func newTwinFinder(f FollowedFiles, logger *zap.Logger) *twinFinder {
	return &twinFinder{
		include: f.Include, exclude: f.Exclude, size: f.FingerprintSize, logger: logger,
		pending: map[string]bool{}, reported: map[string]bool{},
	}
}

// scan returns how many files are taken for another one now, and logs the
// sets not logged before.
func (t *twinFinder) scan() int {
	byStart := map[string][]string{}
	var infos []os.FileInfo
	for _, path := range t.files() {
		start, info, ok := readStart(path, t.size)
		if !ok || len(start) < t.size {
			continue // shorter files may still grow apart
		}
		if i := slices.IndexFunc(infos, func(o os.FileInfo) bool { return os.SameFile(o, info) }); i >= 0 {
			continue // a hard link, or the same file matched twice
		}
		infos = append(infos, info)
		byStart[string(start)] = append(byStart[string(start)], path)
	}
	twins, seen := 0, map[string]bool{}
	for start, set := range byStart {
		if len(set) < 2 {
			continue
		}
		slices.Sort(set)
		key := strings.Join(set, "\x00")
		seen[key] = true
		if !t.pending[key] {
			continue
		}
		twins += len(set) - 1
		if !t.reported[key] {
			t.reported[key] = true
			t.logger.Error("Log files begin with the same bytes: file_log takes them for one file and reads only one of them; make their starts differ or raise file_log's fingerprint_size",
				zap.Strings("paths", set), zap.Int("fingerprint_size", t.size), zap.Bool("all_nul", isNUL([]byte(start))))
		}
	}
	t.pending = seen
	return twins
}

// files lists the paths the globs match, as file_log's finder does.
func (t *twinFinder) files() []string {
	var out []string
	seen := map[string]bool{}
	for _, inc := range t.include {
		matches, _ := doublestar.FilepathGlob(inc, doublestar.WithFilesOnly())
	next:
		for _, m := range matches {
			if seen[m] {
				continue
			}
			seen[m] = true
			for _, exc := range t.exclude {
				if ok, _ := doublestar.PathMatch(exc, m); ok {
					continue next
				}
			}
			out = append(out, m)
		}
	}
	return out
}

func readStart(path string, size int) ([]byte, os.FileInfo, bool) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, false
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return nil, nil, false
	}
	b := make([]byte, size)
	n, err := io.ReadFull(f, b)
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, io.EOF) {
		return nil, nil, false
	}
	return b[:n], info, true
}

func isNUL(b []byte) bool { return len(bytes.Trim(b, "\x00")) == 0 }
