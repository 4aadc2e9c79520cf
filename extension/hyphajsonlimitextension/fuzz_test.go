// Copyright The Hypha Authors
// SPDX-License-Identifier: Apache-2.0

package hyphajsonlimitextension

import (
	"strings"
	"testing"

	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/plog/plogotlp"
)

// FuzzScanner: the scanner never panics, decides the same whatever the
// pieces the body arrives in, and never lets through a request whose
// protobuf encoding the next hop could not decode.
func FuzzScanner(f *testing.F) {
	ld := plog.NewLogs()
	nest(ld.ResourceLogs().AppendEmpty().ScopeLogs().AppendEmpty().LogRecords().AppendEmpty().Body(), 5, false)
	seed, _ := plogotlp.NewExportRequestFromLogs(ld).MarshalJSON()
	f.Add(seed, uint8(7))
	f.Add([]byte(`{"resourceLogs":[{"resource":{"attributes":[{"key":"a","value":{"arrayValue":{"values":[{"stringValue":"x"}]}}}]}}]}`), uint8(1))
	f.Add([]byte(strings.Repeat(`{"body":`, 50)), uint8(3))
	f.Add([]byte(`{"a":"\"{[","b\\"":[{"c":1}]}`), uint8(2))
	f.Fuzz(func(t *testing.T, doc []byte, piece uint8) {
		whole := scanAll(doc)
		if inPieces := scanInPieces(doc, int(piece)+1); (whole == nil) != (inPieces == nil) {
			t.Fatalf("whole: %v, in pieces of %d: %v", whole, piece+1, inPieces)
		}
		if whole != nil {
			return
		}
		req := plogotlp.NewExportRequest()
		if req.UnmarshalJSON(doc) != nil {
			return
		}
		pb, err := req.MarshalProto()
		if err != nil {
			t.Fatal(err)
		}
		if err := plogotlp.NewExportRequest().UnmarshalProto(pb); err != nil {
			t.Fatalf("accepted as JSON, refused as protobuf: %v", err)
		}
	})
}
