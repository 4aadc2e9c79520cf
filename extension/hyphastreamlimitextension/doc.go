// Copyright The Hypha Authors
// SPDX-License-Identifier: Apache-2.0

// Package hyphastreamlimitextension is a gRPC server middleware that bounds
// how fast one connection may open streams.
//
// grpc-go starts a goroutine and runs the interceptors for every stream a
// client opens, even one the client resets at once, and has no limit on
// resets (HTTP/2 rapid reset, CVE-2023-44487): one connection can keep a
// server's cores busy. This middleware paces, in gRPC's tap handle, the
// streams a connection opens beyond a token bucket: the handle runs in the
// connection's reader, so while it waits the client's frames stay in the
// socket and that client alone is slowed down. An OTLP client sends a few
// requests a second on a connection; the bucket is far above that.
//
//go:generate go tool -modfile=../../tools/go.mod mdatagen metadata.yaml
package hyphastreamlimitextension // import "github.com/hypha-obs/hypha/extension/hyphastreamlimitextension"
