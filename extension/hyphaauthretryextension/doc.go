// Copyright The Hypha Authors
// SPDX-License-Identifier: Apache-2.0

// Package hyphaauthretryextension is a client middleware for OTLP exporters
// that turns an authentication or authorization refusal (gRPC Unauthenticated
// or PermissionDenied, HTTP 401 or 403) into a retryable error. The exporter
// then keeps the data in its sending queue and retries with backoff instead
// of dropping it: a token rotated on one side, or a gateway restarted with a
// new token, delays delivery but loses nothing. The refusal is reported
// loudly, in the log and in a metric, because nothing gets through until the
// credentials are fixed.
//
//go:generate go tool -modfile=../../tools/go.mod mdatagen metadata.yaml
package hyphaauthretryextension // import "github.com/hypha-obs/hypha/extension/hyphaauthretryextension"
