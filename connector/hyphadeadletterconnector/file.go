// Copyright The Hypha Authors
// SPDX-License-Identifier: Apache-2.0

package hyphadeadletterconnector // import "github.com/hypha-obs/hypha/connector/hyphadeadletterconnector"

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"

	"go.opentelemetry.io/collector/pdata/plog"
)

// fileMode keeps the dead letters, which hold whole log records, from other
// users: the gateway writes, its group may read.
const fileMode = 0o640

// fileWriter appends the dead letters to a file, one OTLP/JSON request a
// line. Each line is written whole or not at all, so that a full disk never
// leaves half a record for the next one to be appended to; a file that was
// removed or rotated away is reopened, so that removing it frees its space;
// a file larger than maxBytes is rotated to path.1 … path.<backups>.
type fileWriter struct {
	path     string
	maxBytes int64
	backups  int
	marshal  plog.JSONMarshaler

	mu sync.Mutex
	f  *os.File
}

func newFileWriter(cfg *FileConfig) *fileWriter {
	return &fileWriter{path: cfg.Path, maxBytes: int64(cfg.MaxMegabytes) << 20, backups: cfg.MaxBackups}
}

// write appends ld as one line.
func (w *fileWriter) write(ld plog.Logs) error {
	line, err := w.marshal.MarshalLogs(ld)
	if err != nil {
		return err
	}
	line = append(line, '\n')
	w.mu.Lock()
	defer w.mu.Unlock()
	size, err := w.open()
	if err != nil {
		return err
	}
	if size > 0 && w.maxBytes > 0 && size+int64(len(line)) > w.maxBytes {
		if err := w.rotate(); err != nil {
			return err
		}
		size = 0
	}
	// O_APPEND: a file truncated in place is written from its new end,
	// not from an old offset behind a hole of NUL bytes.
	n, err := w.f.Write(line)
	if err == nil {
		return nil
	}
	if n > 0 {
		// Cut the partial line off; if even that fails, close the file so
		// that the next write checks it again from the start.
		if terr := w.f.Truncate(size); terr != nil {
			_ = w.f.Close()
			w.f = nil
			return errors.Join(err, fmt.Errorf("removing a partial dead letter from %s: %w", w.path, terr))
		}
	}
	return err
}

// open makes sure the file at path is the one open, and returns its size.
func (w *fileWriter) open() (int64, error) {
	if w.f != nil {
		cur, err1 := w.f.Stat()
		onDisk, err2 := os.Stat(w.path)
		if err1 == nil && err2 == nil && os.SameFile(cur, onDisk) {
			return cur.Size(), nil
		}
		_ = w.f.Close() // removed or rotated away: let its space go
		w.f = nil
	}
	if err := os.MkdirAll(filepath.Dir(w.path), 0o750); err != nil {
		return 0, err
	}
	f, err := os.OpenFile(w.path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, fileMode)
	if err != nil {
		return 0, err
	}
	info, err := f.Stat()
	if err != nil {
		_ = f.Close()
		return 0, err
	}
	w.f = f
	return info.Size(), nil
}

// rotate renames path to path.1, after shifting the older files up by one
// and removing the oldest.
func (w *fileWriter) rotate() error {
	_ = w.f.Close()
	w.f = nil
	if w.backups == 0 {
		return os.Remove(w.path)
	}
	_ = os.Remove(fmt.Sprintf("%s.%d", w.path, w.backups))
	for i := w.backups - 1; i >= 1; i-- {
		_ = os.Rename(fmt.Sprintf("%s.%d", w.path, i), fmt.Sprintf("%s.%d", w.path, i+1))
	}
	if err := os.Rename(w.path, w.path+".1"); err != nil {
		return err
	}
	_, err := w.open()
	return err
}

func (w *fileWriter) close() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.f == nil {
		return nil
	}
	err := w.f.Close()
	w.f = nil
	return err
}
