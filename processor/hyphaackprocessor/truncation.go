// Copyright The Hypha Authors
// SPDX-License-Identifier: Apache-2.0

package hyphaackprocessor // import "github.com/hypha-obs/hypha/processor/hyphaackprocessor"

import (
	"bytes"
	"errors"
	"io"
	"os"
	"sync"
	"time"
)

const (
	// headSize is how much of a file's start is compared: file_log's
	// fingerprint in the shipped agent.
	headSize = 4096
	// headEvery bounds how often a file's start is read while lines flow.
	headEvery = time.Second
	// longWait is a wait for a place in flight after which the file read
	// is checked: the reader stood still inside it for that long.
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

// truncationWatch notices a file truncated and written again while
// file_log's reader waited inside it for a place in flight.
//
// file_log's reader keeps its descriptor and its offset while it waits. If
// the file is copied away and truncated meanwhile (logrotate's
// copytruncate), the reader goes on at its old offset inside the new
// content, and the rotated copy is later resumed from where the reader
// stopped: fileconsumer (v0.165) checks a file's first bytes only between
// polls, not between the batches of one read. The watch cannot move the
// reader; it says so, once per file and event.
type truncationWatch struct {
	mu    sync.Mutex
	heads map[string]head
	now   func() time.Time
}

func newTruncationWatch() *truncationWatch {
	return &truncationWatch{heads: map[string]head{}, now: time.Now}
}

// check records path's start at most every headEvery, and, after a long
// wait, reports whether the same file now starts with other bytes than
// before the wait.
func (w *truncationWatch) check(path string, waited time.Duration) (truncated bool) {
	if path == "" {
		return false
	}
	w.mu.Lock()
	last, known := w.heads[path]
	w.mu.Unlock()
	if known && waited < longWait && w.now().Sub(last.at) < headEvery {
		return false
	}
	now, ok := readHead(path)
	if !ok {
		return false
	}
	now.at = w.now()
	truncated = known && waited >= longWait && os.SameFile(last.info, now.info) &&
		(now.info.Size() < last.info.Size() || !bytes.HasPrefix(now.bytes, last.bytes))
	w.mu.Lock()
	if len(w.heads) >= maxHeads {
		clear(w.heads)
	}
	w.heads[path] = now
	w.mu.Unlock()
	return truncated
}

func readHead(path string) (head, bool) {
	f, err := os.Open(path)
	if err != nil {
		return head{}, false
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return head{}, false
	}
	b := make([]byte, headSize)
	n, err := io.ReadFull(f, b)
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, io.EOF) {
		return head{}, false
	}
	return head{info: info, bytes: b[:n]}, true
}
