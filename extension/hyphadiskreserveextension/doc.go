// Copyright The Hypha Authors
// SPDX-License-Identifier: Apache-2.0

// Package hyphadiskreserveextension is an HTTP and gRPC server middleware
// for the OTLP receiver that refuses requests while the disk holding the
// persistent sending queue is nearly full.
//
// On a full disk the persistent queue cannot save its read index, and the
// exporter helper then skips every item it reads, with only a debug line:
// requests answered with 200 are dropped. Refusing them at the door instead
// (HTTP 503, gRPC Unavailable, both retryable for OTLP senders) leaves the
// data with the sender until space is freed, and keeps a reserve that the
// queue itself needs to drain.
//
//go:generate go tool -modfile=../../tools/go.mod mdatagen metadata.yaml
package hyphadiskreserveextension // import "github.com/hypha-obs/hypha/extension/hyphadiskreserveextension"
