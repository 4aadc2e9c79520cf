package hyphacorrelationprocessor // import "github.com/hypha-obs/hypha/processor/hyphacorrelationprocessor"

import "go.opentelemetry.io/collector/pdata/plog"

// serviceGroups remembers the service each record of one resource named in
// its content, so that the resource's service.name can be set from them.
type serviceGroups struct {
	// byScope[j][k] is the service named by record k of scope j ("" for none).
	byScope [][]string
	// first is the first service seen; uniform stays true while every record
	// names that same service.
	first   string
	uniform bool
	started bool
}

func (g *serviceGroups) add(scope int, service string) {
	for len(g.byScope) <= scope {
		g.byScope = append(g.byScope, nil)
	}
	g.byScope[scope] = append(g.byScope[scope], service)
	switch {
	case !g.started:
		g.first, g.uniform, g.started = service, true, true
	case service != g.first:
		g.uniform = false
	}
}

// apply sets service.name on resource rl. When all records name one service
// the resource gets it directly; otherwise the records that name a service
// move to a copy of the resource per service, appended to rls, and the rest
// stay where they are (the agent's resource processor gives those the
// fallback name). It reports whether records moved.
func (g *serviceGroups) apply(rls plog.ResourceLogsSlice, rl plog.ResourceLogs) bool {
	if !g.started || (g.uniform && g.first == "") {
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
