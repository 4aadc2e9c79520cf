// Copyright The Hypha Authors
// SPDX-License-Identifier: Apache-2.0

package join

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var opts = Options{MaxLines: 1000, MaxBytes: 262144}

// TestHeldUntilTheNextRecord: the last record in the buffer is not a token
// yet (its continuation may still come), a JSON line is one at once.
func TestHeldUntilTheNextRecord(t *testing.T) {
	for _, tc := range []struct {
		name, data, token string
		advance           int
	}{
		{"header alone is held", "2024-10-08 13:08:15 ERROR boom\n", "", 0},
		{"frames are held with it", "2024-10-08 13:08:15 ERROR boom\n\tat a(A.java:1)\n", "", 0},
		{
			"the next header sends it", "2024-10-08 13:08:15 ERROR boom\n\tat a(A.java:1)\n2024-10-08 13:08:16 INFO ok\n",
			"2024-10-08 13:08:15 ERROR boom\n\tat a(A.java:1)", len("2024-10-08 13:08:15 ERROR boom\n\tat a(A.java:1)\n"),
		},
		{"a JSON line goes at once", "{\"msg\":\"a\"}\n", "{\"msg\":\"a\"}", len("{\"msg\":\"a\"}\n")},
		{"an incomplete line waits", "2024-10-08 13:08:15 ERR", "", 0},
		{"a blank line is dropped at once", "\n2024", "", 1},
		{"CRLF ends stay out of the token", "a b\r\n\tat x\r\nc d\r\n", "a b\r\n\tat x", len("a b\r\n\tat x\r\n")},
	} {
		t.Run(tc.name, func(t *testing.T) {
			adv, tok, err := SplitFunc(opts)([]byte(tc.data), false)
			require.NoError(t, err)
			assert.Equal(t, tc.advance, adv)
			assert.Equal(t, tc.token, string(tok))
		})
	}
}

// TestAtTheEndOfTheFile: once the reader has caught up with the writer, a
// whole record is sent at once, unless its last line announces more.
func TestAtTheEndOfTheFile(t *testing.T) {
	for _, tc := range []struct {
		name, data string
		sent       bool
	}{
		{"a header alone", "2024-10-08 13:08:15 INFO ok\n", true},
		{"a header and its frames", "2024-10-08 13:08:15 ERROR boom\n\tat a(A.java:1)\n", true},
		{"an ordinary line", "Listening on port 8080\n", true},
		{"an access log line", "127.0.0.1 - - [08/Oct/2024:13:08:15 +0000] \"GET / HTTP/1.1\" 200 5\n", true},
		{"Python's traceback has begun", "2024-10-08 13:08:15 ERROR boom\nTraceback (most recent call last):\n", false},
		{"inside Python's frames", "Traceback (most recent call last):\n  File \"a.py\", line 1, in <module>\n    f()\n", false},
		{"Python's exception line ends it", "Traceback (most recent call last):\n  File \"a.py\", line 1, in <module>\n    f()\nValueError: x\n", true},
		{"a Go panic before its goroutine", "panic: boom\n\n", false},
		{"a Go function line before its file line", "panic: boom\n\ngoroutine 1 [running]:\nmain.main()\n", false},
		{".NET's first line", "fail: Shop.Checkout[0]\n", false},
		{"java.util.logging's first line", "Oct 08, 2024 1:08:15 PM com.example.App main\n", false},
		{"an incomplete line", "2024-10-08 13:08:15 INFO o", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			adv, tok, err := SplitFunc(opts)([]byte(tc.data), true)
			require.NoError(t, err)
			if tc.sent {
				assert.Equal(t, len(tc.data), adv)
				assert.Equal(t, strings.TrimRight(tc.data, "\n"), string(tok))
			} else {
				assert.Zero(t, adv)
				assert.Nil(t, tok)
			}
		})
	}
}

// TestBounds: a record ends at max_lines lines and before max bytes.
func TestBounds(t *testing.T) {
	frames := "2024-10-08 13:08:15 ERROR boom\n" + strings.Repeat("\tat a(A.java:1)\n", 10)
	adv, tok, _ := SplitFunc(Options{MaxLines: 4, MaxBytes: 1 << 20})([]byte(frames), false)
	assert.Equal(t, 4, strings.Count(string(tok), "\n")+1)
	assert.Equal(t, len(tok)+1, adv)

	adv, tok, _ = SplitFunc(Options{MaxLines: 1000, MaxBytes: 80})([]byte(frames), false)
	assert.LessOrEqual(t, len(tok), 80)
	assert.Equal(t, len(tok)+1, adv)
	assert.Equal(t, "2024-10-08 13:08:15 ERROR boom\n\tat a(A.java:1)\n\tat a(A.java:1)\n\tat a(A.java:1)", string(tok))
}

// TestCRI: a stack trace on stderr becomes one CRI line whose log part
// holds the frames; a line of stdout in between ends it.
func TestCRI(t *testing.T) {
	data := "2024-10-08T13:08:15.510Z stderr F Error: boom\n" +
		"2024-10-08T13:08:15.511Z stderr F     at a (x.js:1:1)\n" +
		"2024-10-08T13:08:15.512Z stderr P     at b (x.js:2\n" +
		"2024-10-08T13:08:15.513Z stderr F :1)\n" +
		"2024-10-08T13:08:15.514Z stdout F {\"a\":1}\n"
	adv, tok, _ := SplitFunc(opts)([]byte(data), false)
	assert.Equal(t, "2024-10-08T13:08:15.510Z stderr F Error: boom\n    at a (x.js:1:1)\n    at b (x.js:2:1)", string(tok))
	assert.Equal(t, strings.Index(data, "2024-10-08T13:08:15.514Z"), adv)
	adv, tok, _ = SplitFunc(opts)([]byte(data[adv:]), false)
	assert.Equal(t, "2024-10-08T13:08:15.514Z stdout F {\"a\":1}", string(tok))
	assert.Positive(t, adv)
}
