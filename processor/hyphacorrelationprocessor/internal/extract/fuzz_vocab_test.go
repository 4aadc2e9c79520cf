// Copyright The Hypha Authors
// SPDX-License-Identifier: Apache-2.0

package extract

import (
	"encoding/hex"
	"strconv"
	"strings"
	"testing"
)

// containerSyntaxes are the shapes a key and its value are written in: K
// is the key, V the value. Every vocabulary key must be found in each, and
// no other key in any.
var containerSyntaxes = []string{
	`{"K":"V"}`,
	`{"level":"info","msg":"m","K":"V"}`,
	`{"req":{"headers":[{"K":"V"}]},"msg":"m"}`,
	`{"a":{"b":{"c":{"K":"V"}}}}`,
	`level=info K=V msg=done`,
	`level=info msg="done" K="V"`,
	`K: V`,
	`    "K": "V",`,
	`example.com - [2024-05-21T15:40:13.892Z] "GET / HTTP/1.1" 200 0 1 "-" "curl" K:"V" app_index:"0"`,
	`2024-03-01T10:00:00Z INFO handled [K=V, status=200]`,
	`{:K=>"V", :path=>"/orders"}`,
	`{"K"=>"V", "path"=>"/orders"}`,
	`{'K': 'V', 'path': '/orders'}`,
	`map[Accept:[*/*] K:[V]]`,
	`checkout-1  | {"K":"V"}`,
	`[pod/checkout-7d9f8b6c5-x2x4q/app] K=V level=info`,
	"2024-03-01T10:00:00Z stdout F {\"K\":\"V\"}",
}

// fillSyntax writes key and value into a container syntax.
func fillSyntax(syntax, key, value string) string {
	return strings.NewReplacer("K", key, "V", value).Replace(syntax)
}

// vocabWords splits the vocabulary's rows into words, so that the fuzz
// targets can write a row the ways loggers do: X-B3-TraceId, x_b3_traceid.
var vocabWords = []string{
	"traceparent", "xcloud", "context", "datadog", "sampled", "request", "sentry", "trace", "flags",
	"amzn", "xray", "span", "uber", "http", "b3", "dd", "id", "x", "p", "tid",
}

func splitWords(norm string) []string {
	var words []string
	for norm != "" {
		for _, w := range vocabWords {
			if strings.HasPrefix(norm, w) {
				words = append(words, w)
				norm = norm[len(w):]
				goto next
			}
		}
		words = append(words, norm)
		break
	next:
	}
	return words
}

// spell writes the words of a row as a key: style picks the separator and
// the case of each word from its bits.
func spell(words []string, style uint16) string {
	seps := []string{"", "_", "-", "."}
	sep := seps[style&3]
	var b strings.Builder
	for i, w := range words {
		if i > 0 {
			b.WriteString(sep)
		}
		switch (style >> (2 + i%7)) & 3 {
		case 1:
			// Any word in capitals but the one whose 'c' or 'p'
			// keyAhead looks for (see mayBeVocabKey).
			if !strings.Contains(w, "trace") && !strings.Contains(w, "span") {
				w = strings.ToUpper(w)
				break
			}
			fallthrough
		case 2:
			w = strings.ToUpper(w[:1]) + w[1:]
		}
		b.WriteString(w)
	}
	return b.String()
}

// carrierValue writes id as a value of the Field f, or "" when f gives no
// trace id of its own.
func carrierValue(f Field, id [16]byte, span [8]byte) string {
	t, s := hex.EncodeToString(id[:]), hex.EncodeToString(span[:])
	switch f {
	case fieldTraceID:
		return t
	case fieldTraceparent:
		return "00-" + t + "-" + s + "-01"
	case fieldB3Single:
		return t + "-" + s + "-1"
	case fieldUberTraceID:
		return t + ":" + s + ":0:1"
	case fieldXRayTrace:
		return "Root=1-" + t[:8] + "-" + t[8:] + ";Parent=" + s + ";Sampled=1"
	case fieldSentryTrace:
		return t + "-" + s + "-1"
	case fieldCloudTraceCtx:
		return t + "/12345;o=1"
	case fieldDatadogTraceID:
		var v uint64
		for _, b := range id[8:] {
			v = v<<8 | uint64(b)
		}
		return strconv.FormatUint(v, 10)
	}
	return ""
}

// FuzzVocabularyKeysLink writes a valid id under a spelling of every
// vocabulary row that gives a trace id, in every container syntax, and
// requires the link.
func FuzzVocabularyKeysLink(f *testing.F) {
	f.Add(uint8(0), uint16(0), uint8(0), []byte("4bf92f3577b34da6a3ce929d0e0e4736"))
	f.Add(uint8(3), uint16(0x55), uint8(7), []byte("0af7651916cd43dd8448eb211c80319c"))
	e := New(Options{})
	f.Fuzz(func(t *testing.T, row uint8, style uint16, syntax uint8, seed []byte) {
		r := vocabulary[int(row)%len(vocabulary)]
		var id [16]byte
		var span [8]byte
		copy(id[:], seed)
		copy(span[:], seed[min(len(seed), 16):])
		id[0], id[8], span[0] = id[0]|1, id[8]|1, span[0]|1 // nonzero halves
		value := carrierValue(r.field, id, span)
		if value == "" {
			return
		}
		want := id
		if r.field == fieldDatadogTraceID {
			clear(want[:8])
		}
		key := r.norm
		if len(r.norm) >= minVocabKey {
			key = spell(splitWords(r.norm), style)
		}
		line := fillSyntax(containerSyntaxes[int(syntax)%len(containerSyntaxes)], key, value)
		var res Result
		e.FromString(line, &res)
		if !res.HasTrace || res.TraceID != want {
			t.Fatalf("%q (row %q): got %x %v, want %x", line, r.norm, res.TraceID, res.HasTrace, want)
		}
	})
}

// FuzzOtherKeysNeverLink writes hex and decimal ids under keys that are
// neither built in nor in the vocabulary, in every container syntax, and
// requires no link.
func FuzzOtherKeysNeverLink(f *testing.F) {
	for _, k := range []string{"request_id", "x-request-id", "correlationId", "event_id", "cf-ray", "etag", "sha", "digest", "xtrace_id", "parent_span_id", "traceid2", "subtraceid", "RayID"} {
		f.Add(k, uint8(0), []byte("4bf92f3577b34da6a3ce929d0e0e4736"))
	}
	e := New(Options{})
	f.Fuzz(func(t *testing.T, key string, syntax uint8, seed []byte) {
		if key == "" || len(key) > 64 || builtinField(key) != FieldNone || strings.ContainsAny(key, "KV") {
			return
		}
		for i := 0; i < len(key); i++ {
			if !isKeyByte(key[i]) {
				return
			}
		}
		var id [16]byte
		copy(id[:], seed)
		id[0] |= 1
		t32 := hex.EncodeToString(id[:])
		s := containerSyntaxes[int(syntax)%len(containerSyntaxes)]
		if base := fillSyntax(s, key, "-"); linksAlone(e, base) {
			return // the key's own text is a traceparent or such: not what this tests
		}
		for _, value := range []string{t32, t32[:16], "1234567890123456789", t32[:16] + "-" + t32[16:]} {
			line := fillSyntax(s, key, value)
			var r Result
			e.FromString(line, &r)
			if r.HasTrace {
				t.Fatalf("%q: linked %x under a key that is no trace-context key", line, r.TraceID)
			}
		}
	})
}

func linksAlone(e *Extractor, line string) bool {
	var r Result
	e.FromString(line, &r)
	return r.HasTrace
}

// TestVocabularyEverySyntax runs the positive fuzz target's check over
// every row, a few spellings and every syntax, so that plain go test covers
// them all.
func TestVocabularyEverySyntax(t *testing.T) {
	e := New(Options{})
	id := [16]byte{0x4b, 0xf9, 0x2f, 0x35, 0x77, 0xb3, 0x4d, 0xa6, 0xa3, 0xce, 0x92, 0x9d, 0x0e, 0x0e, 0x47, 0x36}
	span := [8]byte{0x00, 0xf0, 0x67, 0xaa, 0x0b, 0xa9, 0x02, 0xb7}
	n := 0
	for _, r := range vocabulary {
		value := carrierValue(r.field, id, span)
		if value == "" {
			continue
		}
		want := id
		if r.field == fieldDatadogTraceID {
			clear(want[:8])
		}
		for _, style := range []uint16{0, 1, 2, 3, 0x54, 0x2a9, 0xffff} {
			key := r.norm
			if len(r.norm) >= minVocabKey {
				key = spell(splitWords(r.norm), style)
			}
			for _, s := range containerSyntaxes {
				line := fillSyntax(s, key, value)
				var res Result
				e.FromString(line, &res)
				n++
				if !res.HasTrace || res.TraceID != want {
					t.Errorf("%q (row %q): got %x %v", line, r.norm, res.TraceID, res.HasTrace)
				}
			}
		}
	}
	if n < 500 {
		t.Fatalf("only %d lines checked", n)
	}
}
