// Copyright The Hypha Authors
// SPDX-License-Identifier: Apache-2.0

// Package hyphafilelogreceiver is contrib's file_log receiver, under the
// same name and with every one of its settings, that also joins the lines of
// one event into one record: an error line and its stack trace, .NET's
// two-line console records, a Kubernetes container's stack trace written as
// many CRI lines. It needs no configuration: each file's records are told
// apart by the shape of their first line (see internal/join).
//
// The joining is a split function of the file reader, not a stage after it.
// A record that may still grow is never handed on, so the offset file_log
// checkpoints never passes a line that is held: with end-to-end
// acknowledgement (hypha_ack_storage) a process killed while it holds a
// record reads that record again after the restart, and loses nothing.
//
//go:generate go tool -modfile=../../tools/go.mod mdatagen metadata.yaml
package hyphafilelogreceiver // import "github.com/hypha-obs/hypha/receiver/hyphafilelogreceiver"
