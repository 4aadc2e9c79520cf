// Copyright The Hypha Authors
// SPDX-License-Identifier: Apache-2.0

// Package hyphaackstorageextension lets file_log's file offsets move only
// after the gateway acknowledged the lines before them, so that the log file
// itself is the agent's durable buffer and no sending queue on disk is needed.
//
// It is a storage extension in front of another one (file_storage): file_log
// keeps its checkpoints through it. The hypha_ack processor, last in the
// pipeline, hands each batch on to the exporter without waiting and reports
// here when the exporter returns. A write of a checkpoint waits until every
// batch handed on before it has been acknowledged, so a saved offset never
// covers a line that is not at the gateway: a SIGKILL at any moment loses
// nothing, and what was in flight is read again (duplicates). The number of
// batches in flight is bounded (max_in_flight), which bounds memory and makes
// file_log wait when the gateway is slow or away.
//
//go:generate go tool -modfile=../../tools/go.mod mdatagen metadata.yaml
package hyphaackstorageextension // import "github.com/hypha-obs/hypha/extension/hyphaackstorageextension"
