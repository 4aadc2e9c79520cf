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
		p.setValue(r, key, p.extractor.Classify(key), v)
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

// maxMapDepth bounds the nesting of maps and slices read for trace
// context, as the JSON scanner bounds objects.
const maxMapDepth = 8

// setValue hands one value to the result. Maps and slices under a key with
// known members (trace, span, dd, Scopes, …) are read one level deep, as
// in JSON; any other map or slice is read for trace-context keys at any
// depth into a second rank (see extract.Result.Nested), as JSON's nested
// objects are.
func (p *logsProcessor) setValue(r *extract.Result, key string, f extract.Field, v pcommon.Value) {
	switch v.Type() {
	case pcommon.ValueTypeStr:
		if f != extract.FieldNone {
			r.SetString(f, v.Str())
		}
	case pcommon.ValueTypeInt:
		r.SetInt(f, v.Int())
	case pcommon.ValueTypeDouble:
		r.SetDouble(f, v.Double())
	case pcommon.ValueTypeBool:
		r.SetBool(f, v.Bool())
	case pcommon.ValueTypeMap, pcommon.ValueTypeSlice:
		switch c := p.extractor.Container(key, f); {
		case c.Nested() && !c.Walked():
			p.setKnown(r, c, v)
		case c.Walked():
			n := r.Nested()
			p.walk(&n, c, v, 1)
			r.AddNested(&n)
		}
	}
}

// setKnown reads the members of the objects (and .NET's Scopes array of
// objects) under a key with known members, one level deep.
func (p *logsProcessor) setKnown(r *extract.Result, parent extract.Field, v pcommon.Value) {
	if v.Type() == pcommon.ValueTypeMap {
		p.setMembers(r, parent, v.Map())
		return
	}
	s := v.Slice()
	for i := 0; i < s.Len(); i++ {
		if e := s.At(i); e.Type() == pcommon.ValueTypeMap {
			p.setMembers(r, parent, e.Map())
		}
	}
}

func (p *logsProcessor) setMembers(r *extract.Result, parent extract.Field, m pcommon.Map) {
	m.Range(func(key string, v pcommon.Value) bool {
		f := p.extractor.ClassifyIn(parent, key)
		// Members of a known object are leaves: nothing nests further.
		if v.Type() != pcommon.ValueTypeMap && v.Type() != pcommon.ValueTypeSlice && f != extract.FieldNone {
			p.setValue(r, key, f, v)
		}
		return true
	})
}

// walk reads a container of Field parent (see extract.Extractor.Container)
// at the given depth into the nested result n.
func (p *logsProcessor) walk(n *extract.Result, parent extract.Field, v pcommon.Value, depth int) {
	if depth > maxMapDepth {
		return
	}
	if v.Type() == pcommon.ValueTypeSlice {
		s := v.Slice()
		for i := 0; i < s.Len(); i++ {
			p.walkValue(n, parent, "", extract.FieldNone, s.At(i), depth)
		}
		return
	}
	v.Map().Range(func(key string, m pcommon.Value) bool {
		p.walkValue(n, parent, key, p.extractor.ClassifyIn(parent, key), m, depth)
		return true
	})
}

// walkValue reads one member (or element, key "") of a walked container.
func (p *logsProcessor) walkValue(n *extract.Result, parent extract.Field, key string, f extract.Field, v pcommon.Value, depth int) {
	switch v.Type() {
	case pcommon.ValueTypeMap, pcommon.ValueTypeSlice:
		c := extract.Field(0)
		if key == "" {
			c = parent // an array's element
		} else {
			c = p.extractor.Container(key, f)
		}
		if c.Nested() {
			p.walk(n, c, v, depth+1)
		}
	case pcommon.ValueTypeStr:
		if f != extract.FieldNone {
			n.SetString(f, v.Str())
		} else {
			n.SetValueOnly(v.Str())
		}
	default:
		if f != extract.FieldNone {
			p.setValue(n, key, f, v)
		}
	}
}
