// Copyright The Hypha Authors
// SPDX-License-Identifier: Apache-2.0

package hyphacorrelationprocessor // import "github.com/hypha-obs/hypha/processor/hyphacorrelationprocessor"

import "go.opentelemetry.io/collector/pdata/plog"

// serviceGroups remembers the service each record of one resource named in
// its content, so that the resource's service.name can be set from them.
// While every record names the same service it stores nothing: the common
// case, one app per file, costs no allocation.
type serviceGroups struct {
	// first is the first record's service; uniform stays true while every
	// record names that same service.
	first   string
	uniform bool
	seen    int // records added so far
	// byScope[j][k] is the service named by record k of scope j ("" for
	// none); filled in only once the records disagree.
	byScope [][]string
}

// add records the service of the next record, in scope order; scopeLens
// gives the number of records of each scope.
func (g *serviceGroups) add(scope int, service string, scopeLens func(int) int) {
	switch {
	case g.seen == 0:
		g.first, g.uniform = service, true
	case g.uniform && service != g.first:
		g.uniform = false
		g.backfill(scope, scopeLens)
	}
	g.seen++
	if !g.uniform {
		for len(g.byScope) <= scope {
			g.byScope = append(g.byScope, nil)
		}
		g.byScope[scope] = append(g.byScope[scope], service)
	}
}

// backfill writes down the service of every record added so far, all of
// which named g.first, once a record disagrees.
func (g *serviceGroups) backfill(scope int, scopeLens func(int) int) {
	left := g.seen
	for j := 0; left > 0 || j <= scope; j++ {
		n := scopeLens(j)
		services := make([]string, 0, n)
		for k := 0; k < n && left > 0; k++ {
			services = append(services, g.first)
			left--
		}
		g.byScope = append(g.byScope, services)
	}
}

// apply sets service.name on resource rl. When all records name one service
// the resource gets it directly; otherwise the records that name a service
// move to a copy of the resource per service, appended to rls, and the rest
// stay where they are (the agent's resource processor gives those the
// fallback name). It reports whether records moved.
func (g *serviceGroups) apply(rls plog.ResourceLogsSlice, rl plog.ResourceLogs) bool {
	if g.seen == 0 || (g.uniform && g.first == "") {
		return false
	}
	if g.uniform {
		rl.Resource().Attributes().PutStr(serviceNameKey, g.first)
		return false
	}

	type split struct {
		rl     plog.ResourceLogs
		scopes map[int]plog.ScopeLogs
	}
	splits := map[string]*split{}
	target := func(service string, scope int) plog.LogRecordSlice {
		s, ok := splits[service]
		if !ok {
			s = &split{rl: rls.AppendEmpty(), scopes: map[int]plog.ScopeLogs{}}
			rl.Resource().CopyTo(s.rl.Resource())
			s.rl.SetSchemaUrl(rl.SchemaUrl())
			s.rl.Resource().Attributes().PutStr(serviceNameKey, service)
			splits[service] = s
		}
		sl, ok := s.scopes[scope]
		if !ok {
			src := rl.ScopeLogs().At(scope)
			sl = s.rl.ScopeLogs().AppendEmpty()
			src.Scope().CopyTo(sl.Scope())
			sl.SetSchemaUrl(src.SchemaUrl())
			s.scopes[scope] = sl
		}
		return sl.LogRecords()
	}

	sls := rl.ScopeLogs()
	for j, services := range g.byScope {
		k := 0
		sls.At(j).LogRecords().RemoveIf(func(lr plog.LogRecord) bool {
			service := services[k]
			k++
			if service == "" {
				return false
			}
			lr.MoveTo(target(service, j).AppendEmpty())
			return true
		})
	}
	sls.RemoveIf(func(sl plog.ScopeLogs) bool { return sl.LogRecords().Len() == 0 })
	return true
}
