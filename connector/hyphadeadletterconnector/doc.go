// Copyright The Hypha Authors
// SPDX-License-Identifier: Apache-2.0

// Package hyphadeadletterconnector sends logs on to the store's pipelines
// and keeps what the store cannot take. A record whose body is longer than
// the store accepts, and every record of a request the store refuses with a
// permanent error, go to the dead-letter pipelines instead (a file, usually)
// where an operator can read and replay them. They are counted and each
// cause is logged once. A retryable error is handed back unchanged, so the
// sender keeps the data and tries again.
//
//go:generate go tool -modfile=../../tools/go.mod mdatagen metadata.yaml
package hyphadeadletterconnector // import "github.com/hypha-obs/hypha/connector/hyphadeadletterconnector"
