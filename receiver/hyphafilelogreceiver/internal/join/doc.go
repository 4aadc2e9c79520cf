// Copyright The Hypha Authors
// SPDX-License-Identifier: Apache-2.0

// Package join splits the bytes of a log file into records of one or more
// lines: an error's stack trace becomes one record with the line that
// logged it, while JSON lines, access logs and ordinary lines stay one
// record each.
//
// It is a bufio.SplitFunc, and that is what makes it safe to use with
// end-to-end acknowledgement: a record that may still grow is never handed
// out as a token, so the reader's offset, and any checkpoint written from
// it, stays at the record's first byte until the whole record leaves. A
// process killed while a record is held reads it again after the restart.
// Loggers write a record in one go, so a record the reader finds whole at
// the end of the file is sent at once, unless its last line announces more
// ("Traceback (most recent call last):", a blank line, a frame inside a
// Python traceback): those wait for the next lines or the flush timer.
//
// The split keeps no state between calls. The buffer it is given always
// starts where the record being built starts, so that record's first line,
// the file's own header for it, is what later lines are compared with: the
// header shape is learned from the file itself, not from a list of
// languages. A line starts a new record when it is JSON, has the same
// leading shape as the record's first line, or starts with a time, a level
// or an address; it joins when it is indented further than the first line,
// is one of the lines stack traces are made of (Caused by:, goroutine N
// [running]:, Traceback…, #0 …, … 23 more), or follows a header line that
// it does not look like.
package join // import "github.com/hypha-obs/hypha/receiver/hyphafilelogreceiver/internal/join"
