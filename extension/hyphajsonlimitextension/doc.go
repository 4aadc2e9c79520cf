// Copyright The Hypha Authors
// SPDX-License-Identifier: Apache-2.0

// Package hyphajsonlimitextension is an HTTP server middleware for the OTLP
// receiver that gives OTLP/JSON the nesting limit protobuf already has.
//
// Protobuf decoding (pdata) refuses a body or attribute value nested 100
// messages deep or more. JSON decoding has no such limit, so a JSON request
// can be accepted that no later hop can decode: the persistent queue and the
// next collector read it back as protobuf and fail, silently for the other
// records of the request too, and a request thousands of levels deep makes
// the decoder and the backend spend gigabytes. The middleware reads the JSON
// body as the receiver does, without buffering it, and stops the read with a
// 400 the moment a value passes the protobuf limit, before anything is
// accepted.
//
//go:generate go tool -modfile=../../tools/go.mod mdatagen metadata.yaml
package hyphajsonlimitextension // import "github.com/hypha-obs/hypha/extension/hyphajsonlimitextension"
