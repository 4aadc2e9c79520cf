// Copyright The Hypha Authors
// SPDX-License-Identifier: Apache-2.0

// Package hyphastallprocessor says when the rest of a logs pipeline stops
// accepting data. Placed last in the agent's pipeline, in front of an
// exporter whose persistent queue blocks when full (block_on_overflow), it
// turns that silent pause into one log line and a metric while it lasts,
// and one more line when data flows again. It passes data through
// unchanged.
//
//go:generate go tool -modfile=../../tools/go.mod mdatagen metadata.yaml
package hyphastallprocessor // import "github.com/hypha-obs/hypha/processor/hyphastallprocessor"
