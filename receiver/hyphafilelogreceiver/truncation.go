// Copyright The Hypha Authors
// SPDX-License-Identifier: Apache-2.0

package hyphafilelogreceiver // import "github.com/hypha-obs/hypha/receiver/hyphafilelogreceiver"

import (
	"bytes"
	"errors"
	"io"
	"os"
	"sync"
	"time"
)

const (
	// headEvery bounds how often a file's start is read while lines flow.
	headEvery = time.Second
	// longWait is a hand-on after which the file is checked: the reader
	// stood still inside it for that long.
	longWait = time.Second
	// maxHeads bounds the files remembered; past it the set starts over.
	maxHeads = 4096
)

// head is the start of a file as last seen.
type head struct {
	info  os.FileInfo
	bytes []byte
	at    time.Time
}

// truncationWatch notices a file truncated and written again while its
// reader waited inside it for the pipeline.
//
// fileconsumer's reader keeps its descriptor and its offset while it waits.
// If the file is copied away and truncated meanwhile (logrotate's
// copytruncate during an outage), the reader would go on at its old offset
// inside the new content, and the rotated copy, which has the old first
// bytes, would later be resumed from where the reader stopped. fileconsumer
// (v0.165) checks a file's first bytes only between polls, not between the
// batches of one read, so the receiver checks after a long hand-on.
type truncationWatch struct {
	size  int // bytes compared: the fingerprint's size
	mu    sync.Mutex
	heads map[string]head
	now   func() time.Time
}

func newTruncationWatch(size int) *truncationWatch {
	return &truncationWatch{size: size, heads: map[string]head{}, now: time.Now}
}

// before records path's start, at most every headEvery, before its lines
// are handed on.
func (w *truncationWatch) before(path string) {
	if path == "" {
		return
	}
	w.mu.Lock()
	last, known := w.heads[path]
	w.mu.Unlock()
	if known && w.now().Sub(last.at) < headEvery {
		return
	}
	w.record(path)
}

// after reports whether the file at path is the one recorded before, now
// shorter or starting with other bytes.
func (w *truncationWatch) after(path string) (truncated bool) {
	if path == "" {
		return false
	}
	w.mu.Lock()
	last, known := w.heads[path]
	w.mu.Unlock()
	now, ok := w.record(path)
	return known && ok && os.SameFile(last.info, now.info) &&
		(now.info.Size() < last.info.Size() || !bytes.HasPrefix(now.bytes, last.bytes))
}

func (w *truncationWatch) record(path string) (head, bool) {
	h, ok := readHead(path, w.size)
	if !ok {
		return head{}, false
	}
	h.at = w.now()
	w.mu.Lock()
	if len(w.heads) >= maxHeads {
		clear(w.heads)
	}
	w.heads[path] = h
	w.mu.Unlock()
	return h, true
}

func readHead(path string, size int) (head, bool) {
	f, err := os.Open(path)
	if err != nil {
		return head{}, false
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return head{}, false
	}
	b := make([]byte, size)
	n, err := io.ReadFull(f, b)
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, io.EOF) {
		return head{}, false
	}
	return head{info: info, bytes: b[:n]}, true
}
