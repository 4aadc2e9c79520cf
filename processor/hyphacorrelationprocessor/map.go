// Copyright The Hypha Authors
// SPDX-License-Identifier: Apache-2.0

package hyphacorrelationprocessor // import "github.com/hypha-obs/hypha/processor/hyphacorrelationprocessor"

import (
	"go.opentelemetry.io/collector/pdata/pcommon"

	"github.com/hypha-obs/hypha/processor/hyphacorrelationprocessor/internal/extract"
)

// fromMap reads trace context, severity, time and service from an OTLP map:
// a map body, or a record's attributes. The extractor's key table decides
// what each key means, the same table its JSON scanner uses.
func (p *logsProcessor) fromMap(m pcommon.Map, r *extract.Result, src extract.Format) {
	p.extractor.Reset(r, src)
	m.Range(func(key string, v pcommon.Value) bool {
		p.setValue(r, p.extractor.Classify(key), v)
		return true
	})
	r.Finish()
}

// anyKnownKey reports whether any key of m means something to the
// extractor. Most records' attributes mean nothing to it (file_log's
// log.file.path), and then reading them as a map would only come to nothing.
func (p *logsProcessor) anyKnownKey(m pcommon.Map) bool {
	known := false
	m.Range(func(key string, _ pcommon.Value) bool {
		known = p.extractor.Classify(key) != extract.FieldNone
		return !known
	})
	return known
}

// setValue hands one value to the result. Objects (and the .NET Scopes array
// of objects) under a known key are read one level deep, as in JSON.
func (p *logsProcessor) setValue(r *extract.Result, f extract.Field, v pcommon.Value) {
	if f == extract.FieldNone {
		return
	}
	switch v.Type() {
	case pcommon.ValueTypeStr:
		r.SetString(f, v.Str())
	case pcommon.ValueTypeInt:
		r.SetInt(f, v.Int())
	case pcommon.ValueTypeDouble:
		r.SetDouble(f, v.Double())
	case pcommon.ValueTypeBool:
		r.SetBool(f, v.Bool())
	case pcommon.ValueTypeMap:
		if f.Nested() {
			p.setMembers(r, f, v.Map())
		}
	case pcommon.ValueTypeSlice:
		if f.Nested() {
			s := v.Slice()
			for i := 0; i < s.Len(); i++ {
				if e := s.At(i); e.Type() == pcommon.ValueTypeMap {
					p.setMembers(r, f, e.Map())
				}
			}
		}
	}
}

func (p *logsProcessor) setMembers(r *extract.Result, parent extract.Field, m pcommon.Map) {
	m.Range(func(key string, v pcommon.Value) bool {
		f := p.extractor.ClassifyIn(parent, key)
		// Members are leaves: nothing nests further.
		if v.Type() != pcommon.ValueTypeMap && v.Type() != pcommon.ValueTypeSlice {
			p.setValue(r, f, v)
		}
		return true
	})
}
