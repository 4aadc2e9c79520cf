// Copyright The Hypha Authors
// SPDX-License-Identifier: Apache-2.0

package hyphauiextension // import "github.com/hypha-obs/hypha/extension/hyphauiextension"

import (
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Bounds of the text parameters: long enough for any service, operation or
// search, short enough that no query grows without bound.
const (
	maxNameLen = 256
	maxTextLen = 1024
)

// paramError is a bad parameter: 400, naming it.
type paramError struct{ msg string }

func (e *paramError) Error() string { return e.msg }

func badParam(format string, args ...any) error {
	return &paramError{msg: fmt.Sprintf(format, args...)}
}

// params reads a request's query string. Any parameter the endpoint does
// not know is refused, so nothing the browser sends is passed on unread.
type params struct {
	v   url.Values
	err error
}

func newParams(raw string, allowed ...string) *params {
	v, err := url.ParseQuery(raw)
	p := &params{v: v}
	if err != nil {
		p.err = badParam("the query string cannot be read: %v", err)
		return p
	}
	for name, vals := range v {
		if !slices.Contains(allowed, name) {
			p.fail(badParam("unknown parameter %q", name))
		} else if len(vals) > 1 {
			p.fail(badParam("parameter %q is given %d times", name, len(vals)))
		}
	}
	return p
}

func (p *params) fail(err error) {
	if p.err == nil {
		p.err = err
	}
}

// text is a free-text parameter: valid UTF-8, no control characters, at
// most max bytes.
func (p *params) text(name string, maxLen int) string {
	s := p.v.Get(name)
	switch {
	case !utf8.ValidString(s):
		p.fail(badParam("%s is not valid UTF-8", name))
	case len(s) > maxLen:
		p.fail(badParam("%s is longer than %d bytes", name, maxLen))
	case strings.ContainsFunc(s, unicode.IsControl):
		p.fail(badParam("%s holds a control character", name))
	default:
		return s
	}
	return ""
}

// hexID is an optional trace (32) or span (16) id, lower-cased.
func (p *params) hexID(name string, length int) string {
	s := p.v.Get(name)
	if s == "" {
		return ""
	}
	if !isHexID(s, length) {
		p.fail(badParam("%s must be %d hexadecimal digits", name, length))
		return ""
	}
	return strings.ToLower(s)
}

func isHexID(s string, length int) bool {
	if len(s) != length || strings.Trim(s, "0") == "" {
		return false
	}
	for _, c := range s {
		if !strings.ContainsRune("0123456789abcdefABCDEF", c) {
			return false
		}
	}
	return true
}

// limit is a positive count, def when absent, at most maxN.
func (p *params) limit(def, maxN int) int {
	s := p.v.Get("limit")
	if s == "" {
		return def
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 || n > maxN {
		p.fail(badParam("limit must be a whole number from 1 to %d", maxN))
		return def
	}
	return n
}

func (p *params) severity() string {
	s := strings.ToUpper(p.v.Get("severity"))
	if s != "" && !slices.Contains(severities, s) {
		p.fail(badParam("severity must be one of %s", strings.Join(severities, ", ")))
		return ""
	}
	return s
}

func (p *params) boolean(name string) bool {
	switch p.v.Get(name) {
	case "", "false":
		return false
	case "true":
		return true
	}
	p.fail(badParam("%s must be true or false", name))
	return false
}

func (p *params) duration(name string) time.Duration {
	s := p.v.Get(name)
	if s == "" {
		return 0
	}
	d, err := time.ParseDuration(s)
	if err != nil || d < 0 {
		p.fail(badParam("%s must be a duration such as 250ms or 2s", name))
		return 0
	}
	return d
}

// timeRange is [start, end): RFC 3339 times, by default the last
// defaultRange, never longer than maxRange.
func (p *params) timeRange(now time.Time, defaultRange, maxRange time.Duration) (time.Time, time.Time) {
	end := now
	if s := p.v.Get("end"); s != "" {
		end = p.time("end", s)
	}
	start := end.Add(-defaultRange)
	if s := p.v.Get("start"); s != "" {
		start = p.time("start", s)
	}
	switch {
	case !start.Before(end):
		p.fail(badParam("start must be before end"))
	case end.Sub(start) > maxRange:
		p.fail(badParam("the range from start to end is longer than %s", maxRange))
	}
	return start, end
}

func (p *params) time(name, s string) time.Time {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		p.fail(badParam("%s must be an RFC 3339 time such as 2026-01-02T15:04:05Z", name))
	}
	return t
}
