// Copyright The Hypha Authors
// SPDX-License-Identifier: Apache-2.0

package hyphauiextension

import (
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hypha-obs/hypha/tools/logql"
)

// hostileTexts try to end a string literal, start a new selector or
// pipeline stage, or confuse the lexer.
var hostileTexts = []string{
	`plain`, `with "quotes"`, `back\slash`, `\"`, `"} or {job=~".+"`, "`backtick`", `|= "x"`, `{}`, `#comment`,
	"tab\there", "new\nline", "nul\x00byte", `end\`, `ünïcödé ✓`, `'single'`, `$${env:HOME}`, `\u0022`, "\u2028",
}

// TestLokiQueriesParseWithGrafanasGrammar builds every kind of query the
// Loki adapter sends and parses them with Grafana's LogQL grammar: no
// syntax error, and every piece of user text is exactly one string literal
// that unquotes to the text itself.
func TestLokiQueriesParseWithGrafanasGrammar(t *testing.T) {
	type built struct {
		query string
		texts []string // the user texts, in the order they appear
	}
	var all []built
	const tid, sid = "0123456789abcdef0123456789abcdef", "0123456789abcdef"
	for _, sev := range append([]string{""}, severities...) {
		all = append(all, built{query: lokiQuery(logQuery{Severity: sev})})
	}
	all = append(all,
		built{query: lokiQuery(logQuery{TraceID: tid}), texts: []string{tid}},
		built{query: lokiQuery(logQuery{TraceID: tid, SpanID: sid}), texts: []string{tid, sid}},
		built{query: lokiQuery(logQuery{ErrorsOnly: true})},
	)
	for _, text := range hostileTexts {
		all = append(all,
			built{query: lokiQuery(logQuery{Service: text, Text: text, Severity: "WARN", TraceID: tid}), texts: []string{text, tid, text}},
		)
	}
	for _, step := range bucketSteps {
		total, errs := lokiCountQueries(step)
		all = append(all, built{query: total}, built{query: errs})
	}
	queries := make([]string, len(all))
	for i, b := range all {
		queries[i] = b.query
	}
	for i, r := range logql.Parse(t, queries) {
		assert.Empty(t, r.Errors, "LogQL %s", r.Query)
		// The fixed literals (regexps of the adapter's own) are skipped;
		// the user's texts must appear as whole literals, in order.
		var got []string
		for _, lit := range r.Strings {
			s, err := strconv.Unquote(lit)
			require.NoError(t, err, "literal %s of %s", lit, r.Query)
			got = append(got, s)
		}
		j := 0
		for _, s := range got {
			if j < len(all[i].texts) && s == all[i].texts[j] {
				j++
			}
		}
		assert.Equal(t, len(all[i].texts), j, "every user text is one literal in %s (literals %q)", r.Query, got)
	}
}

// TestLogQLQuoteParsesForRandomishText parses line filters of every ASCII
// byte, control characters included, with Grafana's grammar.
func TestLogQLQuoteParsesForRandomishText(t *testing.T) {
	texts := append([]string{}, hostileTexts...)
	for i := range 64 {
		b := make([]byte, 0, 8)
		for j := range 8 {
			b = append(b, byte((i*31+j*17)%128))
		}
		texts = append(texts, string(b))
	}
	queries := make([]string, len(texts))
	for i, s := range texts {
		queries[i] = `{service_name="a"} |= ` + quoteLogQL(s)
	}
	for i, r := range logql.Parse(t, queries) {
		require.Empty(t, r.Errors, r.Query)
		require.Len(t, r.Strings, 2, r.Query)
		s, err := strconv.Unquote(r.Strings[1])
		require.NoError(t, err)
		assert.Equal(t, texts[i], s)
	}
}
