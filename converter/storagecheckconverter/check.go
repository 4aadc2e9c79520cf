// Copyright The Hypha Authors
// SPDX-License-Identifier: Apache-2.0

package storagecheckconverter // import "github.com/hypha-obs/hypha/converter/storagecheckconverter"

import (
	"errors"
	"fmt"
	"os"
	"runtime/debug"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"
)

// knownFilesKey is the key under which fileconsumer saves its offsets.
const knownFilesKey = "knownFiles"

// errInUse says another process holds the file: it is not checked.
var errInUse = errors.New("in use by another process")

// checkDB reports why the bbolt file at path cannot be used, or nil. It
// opens the file read-only and reads every page a later read-write open
// would touch, in a goroutine where a fault on a page past the end of a
// truncated file is a panic that can be recovered, not a crash: that is how
// a half-written file shows (SIGBUS), besides bbolt's own assertion panics.
func checkDB(path string, lockTimeout time.Duration) error {
	info, err := os.Stat(path)
	if err != nil {
		return err
	}
	if info.Size() == 0 {
		return nil // bbolt initialises an empty file
	}
	done := make(chan error, 1)
	go func() {
		debug.SetPanicOnFault(true)
		defer func() {
			if r := recover(); r != nil {
				done <- fmt.Errorf("unreadable: %v", r)
			}
		}()
		done <- readAll(path, info.Size(), lockTimeout)
	}()
	return <-done
}

func readAll(path string, fileSize int64, lockTimeout time.Duration) error {
	db, err := bolt.Open(path, 0o600, &bolt.Options{ReadOnly: true, Timeout: lockTimeout})
	if errors.Is(err, berrors.ErrTimeout) {
		return errInUse
	}
	if err != nil {
		return err
	}
	defer db.Close()
	return db.View(func(tx *bolt.Tx) error {
		// The meta page says how far the file must reach; a shorter file
		// was cut off, and the pages it lacks (the freelist among them)
		// would fault when read.
		if want := tx.Size(); fileSize < want {
			return fmt.Errorf("truncated: %d bytes of %d", fileSize, want)
		}
		return tx.ForEach(func(_ []byte, b *bolt.Bucket) error { return readBucket(b) })
	})
}

// readBucket touches every key and value, so that every branch and leaf
// page is read.
func readBucket(b *bolt.Bucket) error {
	var sum byte
	err := b.ForEach(func(k, v []byte) error {
		if v == nil {
			if nested := b.Bucket(k); nested != nil {
				return readBucket(nested)
			}
			return nil
		}
		// One byte a page faults in every page the value spans.
		for i := 0; i < len(v); i += os.Getpagesize() {
			sum += v[i]
		}
		if len(v) > 0 {
			sum += v[len(v)-1]
		}
		return nil
	})
	_ = sum
	return err
}

// hasOffsets reports whether the bbolt file at path, a file_log receiver's
// storage, holds the offsets of at least one file: fileconsumer's
// "knownFiles" key (scoped, for example "$.file_input.knownFiles") with a
// value. It is called only on files checkDB found sound.
func hasOffsets(path string) (bool, error) {
	db, err := bolt.Open(path, 0o600, &bolt.Options{ReadOnly: true, Timeout: lockTimeout})
	if err != nil {
		return false, err
	}
	defer db.Close()
	found := false
	err = db.View(func(tx *bolt.Tx) error {
		return tx.ForEach(func(_ []byte, b *bolt.Bucket) error {
			return b.ForEach(func(k, v []byte) error {
				if len(v) > 0 && (string(k) == knownFilesKey || strings.HasSuffix(string(k), "."+knownFilesKey)) {
					found = true
				}
				return nil
			})
		})
	})
	return found, err
}
