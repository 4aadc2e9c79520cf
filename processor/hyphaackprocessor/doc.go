// Copyright The Hypha Authors
// SPDX-License-Identifier: Apache-2.0

// Package hyphaackprocessor hands each batch on to the rest of the pipeline
// (an exporter that returns only once the gateway acknowledged the data)
// without making the receiver wait for it, and reports the exporter's result
// to a hypha_ack_storage extension. file_log keeps its checkpoints in that
// extension, which writes a checkpoint only once every batch before it was
// acknowledged. Several batches are thus on their way at once, up to the
// extension's max_in_flight, while a file offset still moves only after the
// gateway has the lines: throughput does not fall to one batch per round
// trip, and the log file is the durable buffer.
//
// Put it last in a logs pipeline whose only receivers are file_log receivers
// with `storage:` set to the same hypha_ack_storage. Data from a receiver
// that does not checkpoint there would be acknowledged to it before the
// gateway has it.
//
//go:generate go tool -modfile=../../tools/go.mod mdatagen metadata.yaml
package hyphaackprocessor // import "github.com/hypha-obs/hypha/processor/hyphaackprocessor"
