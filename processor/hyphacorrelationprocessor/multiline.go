// Copyright The Hypha Authors
// SPDX-License-Identifier: Apache-2.0

package hyphacorrelationprocessor // import "github.com/hypha-obs/hypha/processor/hyphacorrelationprocessor"

import (
	"strings"

	"github.com/hypha-obs/hypha/processor/hyphacorrelationprocessor/internal/extract"
)

// fromText reads a string body. A body of several lines, such as a stack
// trace the agent joined to the line that logged it, is read from its first
// line first: when that line holds a trace id, its ids, severity and time
// are the record's, and no id met deeper (in a frame, in a cause's message,
// in a request dump) can replace or contradict them. Only a first line
// without a trace id sends the search on through the whole body, as .NET's
// console logger writes its scope ("=> SpanId:…, TraceId:…") on the
// second line. A JSON body is read whole: it is one object.
func (p *logsProcessor) fromText(s string, r *extract.Result) {
	if nl := strings.IndexByte(s, '\n'); nl > 0 && s[0] != '{' {
		p.extractor.FromString(s[:nl], r)
		if r.HasTrace {
			return
		}
	}
	p.extractor.FromString(s, r)
}
