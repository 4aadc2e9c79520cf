// Copyright The Hypha Authors
// SPDX-License-Identifier: Apache-2.0

package hyphauiextension // import "github.com/hypha-obs/hypha/extension/hyphauiextension"

import "strconv"

// quoteLogQL makes s one LogQL string literal. Loki's lexer reads a
// double-quoted string with Go's strconv.Unquote, so Go quoting is exact:
// quotes, backslashes and control characters are escaped, and the result
// cannot end the string early.
func quoteLogQL(s string) string {
	return strconv.Quote(s)
}

// quoteLogsQL makes s one LogsQL quoted string. VictoriaLogs unquotes a
// double-quoted token with strconv.Unquote too, so a filter built from it
// matches the text itself: `" or *` stays a phrase, not an operator.
func quoteLogsQL(s string) string {
	return strconv.Quote(s)
}
