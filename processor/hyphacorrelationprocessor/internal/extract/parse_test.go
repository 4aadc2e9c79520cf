package extract

import (
	"bytes"
	"encoding/hex"
	"strings"
	"testing"
	"time"
	_ "time/tzdata" // Europe/Berlin on machines without a zone database
)

func TestParseTime(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want string // RFC 3339 in UTC, "" for not a time
	}{
		{"2026-11-24T23:11:32.208449264Z", "2026-11-24T23:11:32.208449264Z"},
		{"2023-12-16T00:00:00.0000000Z", "2023-12-16T00:00:00Z"},
		{"2024-05-01T14:00:00.5+02:00", "2024-05-01T12:00:00.5Z"},
		{"2024-05-01T10:30:00-0130", "2024-05-01T12:00:00Z"},
		{"2024-05-01t12:00:00z", "2024-05-01T12:00:00Z"},
		{"2024-05-01 12:00:00,123", "2024-05-01T12:00:00.123Z (no zone)"},
		{"2024-05-01T12:00:00", "2024-05-01T12:00:00Z (no zone)"},
		{"2024/05/01 12:00:00", "2024-05-01T12:00:00Z (no zone)"},
		{"2024/05/01T12:00:00+02", "2024-05-01T10:00:00Z"},
		{"2024/05-01T12:00:00Z", ""},
		{"2024-05-01T12:00:00+02:0", ""},
		{"2024-05-01T12:00:00+020", ""},
		{"2024-05-01T12:00:00+02000", ""},
		{"2024-05-01T12:00:00 ", ""},
		{"2024-02-29T00:00:00Z", "2024-02-29T00:00:00Z"},
		{"2023-02-29T00:00:00Z", ""},
		{"2024-13-01T00:00:00Z", ""},
		{"2024-05-01T12:00:00Zjunk", ""},
		{"2024-05-01T12:00:00.Z", ""},
		{"1969-12-31T23:59:59Z", ""},
		{"1795562617043", "2026-11-24T23:23:37.043Z"},
		{"1795561892.2085588", "2026-11-24T23:11:32.2085588Z"},
		{"1714564800", "2024-05-01T12:00:00Z"},
		{"1714564800123456", "2024-05-01T12:00:00.123456Z"},
		{"1714564800123456789", "2024-05-01T12:00:00.123456789Z"},
		{"1.7145648e9", "2024-05-01T12:00:00Z"},
		{"0", ""},
		{"", ""},
		{"-1714564800", ""},
		{"99999999999999999999", ""},
	} {
		ns, zoneless, ok := ParseTime(tc.in)
		got := ""
		if ok {
			got = time.Unix(0, ns).UTC().Format(time.RFC3339Nano)
			if zoneless {
				got += " (no zone)"
			}
		}
		if got != tc.want {
			t.Errorf("ParseTime(%q) = %q, want %q", tc.in, got, tc.want)
		}
		// The standard library must agree on every RFC 3339 shape it knows.
		if ref, err := time.Parse(time.RFC3339Nano, tc.in); err == nil && ok && ref.UnixNano() != ns {
			t.Errorf("ParseTime(%q) = %d, time.Parse says %d", tc.in, ns, ref.UnixNano())
		}
	}
}

func TestParseIDs(t *testing.T) {
	for _, tc := range []struct {
		in        string
		trace, sp idStatus
	}{
		{"4bf92f3577b34da6a3ce929d0e0e4736", idValid, idInvalid},
		{"4BF92F3577B34DA6A3CE929D0E0E4736", idValid, idInvalid},
		{"00f067aa0ba902b7", idValid, idValid},
		{"", idAbsent, idAbsent},
		{"0", idAbsent, idAbsent},
		{"null", idAbsent, idAbsent},
		{strings.Repeat("0", 32), idAbsent, idAbsent},
		{strings.Repeat("0", 16), idAbsent, idAbsent},
		{"4bf92f3577b34da6a3ce929d0e0e473g", idInvalid, idInvalid},
		{"4bf92f3577b34da6a3ce929d0e0e47", idInvalid, idInvalid},
		{"4bf92f35-77b3-4da6-a3ce-929d0e0e4736", idInvalid, idInvalid},
	} {
		if _, st := parseTrace(tc.in); st != tc.trace {
			t.Errorf("parseTrace(%q) = %v, want %v", tc.in, st, tc.trace)
		}
		if _, st := parseSpan(tc.in); st != tc.sp {
			t.Errorf("parseSpan(%q) = %v, want %v", tc.in, st, tc.sp)
		}
	}
	if id, ok := ParseTraceID("a3ce929d0e0e4736"); !ok || id != [16]byte{8: 0xa3, 0xce, 0x92, 0x9d, 0x0e, 0x0e, 0x47, 0x36} {
		t.Errorf("64-bit trace id not left-padded: %x %v", id, ok)
	}
}

// TestDecodeHex puts every byte value at every position of two ids, one in
// either case, and compares with encoding/hex.
func TestDecodeHex(t *testing.T) {
	for _, id := range []string{"4bF92f3577B34da6", "a3CE92"} {
		for pos := range len(id) {
			for c := range 256 {
				s := id[:pos] + string([]byte{byte(c)}) + id[pos+1:]
				want, err := hex.DecodeString(s)
				got := make([]byte, len(id)/2)
				if ok := decodeHex(got, s); ok != (err == nil) || ok && !bytes.Equal(got, want) {
					t.Fatalf("decodeHex(%q) = %x, %v; want %x, %v", s, got, ok, want, err)
				}
			}
		}
	}
}

func TestParseLevel(t *testing.T) {
	for in, want := range map[string]int32{
		"trace": 1, "TRACE": 1, "Verbose": 1, "debug": 5, "info": 9, "Information": 9, "NOTICE": 9,
		"warn": 13, "Warning": 13, "error": 17, "ERR": 17, "fail": 17, "fatal": 21, "Critical": 21,
		"crit": 21, "panic": 21, "emerg": 21, "alert": 21, "30": 9, "60": 21,
		"": 0, "custom": 0, "informational": 0, "35": 0,
	} {
		if got, _, _ := ParseLevel(in); got != want {
			t.Errorf("ParseLevel(%q) = %d, want %d", in, got, want)
		}
	}
}

// TestDeepNesting makes sure pathological nesting does not recurse (the
// scanners count brackets) and finds nothing; BenchmarkLongLine shows that
// such lines take time in proportion to their length.
func TestDeepNesting(t *testing.T) {
	e := New(Options{})
	deep := strings.Repeat("[", 10000)
	for _, line := range []string{
		deep,
		strings.Repeat("{", 10000),
		`{"a":` + deep,
		`{"a":` + strings.Repeat(`{"b":`, 10000),
		`{"a":` + strings.Repeat("[", 500) + strings.Repeat("]", 500) + `,"trace_id":"4bf92f3577b34da6a3ce929d0e0e4736"}`,
		`{"Scopes":` + deep,
		`{"trace":` + strings.Repeat(`{"id":`, 10000),
	} {
		var r Result
		e.FromString(line, &r)
		if r.HasTrace != strings.Contains(line, "trace_id") {
			t.Errorf("%.20q...: HasTrace %v", line, r.HasTrace)
		}
	}
	var r Result
	e.FromString(`{"a":`+strings.Repeat("[", 500)+strings.Repeat("]", 500)+`,"trace_id":"4bf92f3577b34da6a3ce929d0e0e4736"}`, &r)
	if !r.HasTrace {
		t.Error("trace id after a 500-deep array was not found")
	}
}

// TestConcurrent shares one Extractor between goroutines; run with -race.
func TestConcurrent(t *testing.T) {
	e := New(goldenOptions)
	done := make(chan bool)
	for range 4 {
		go func() {
			var r Result
			for range 1000 {
				e.FromString(benchPino, &r)
			}
			done <- r.HasTrace
		}()
	}
	for range 4 {
		if !<-done {
			t.Error("no trace found")
		}
	}
}

// stringEndReference is the plain byte loop stringEnd must agree with.
func stringEndReference(s string, i int) int {
	for ; i < len(s); i++ {
		switch s[i] {
		case '\\':
			i++
		case '"':
			return i
		}
	}
	return -1
}

// stringEndCases have quotes and backslashes before, inside and after
// indexQuote's words, and bytes above 0x7f, whose top bit its arithmetic
// must not take for a quote.
var stringEndCases = []string{
	`"`, `a"`, `abc`, ``, `\"`, `\\"`, `\\\"`, `\\\\"x"`, `a\"b"`, `a\"b\"c`,
	`\`, `ab\`, `abcdefghijklmnopqrstuvwxyz"`, `abcdefgh\"ijklmnop"`,
	`abcdefg"`, `abcdefgh"`, `abcdefghijklmno"`, `abcdefghijklmnop"`, `abcdefghijklmnopqrstuvw"`,
	`abcdefghijklmnopqrstuvwx"`, "\xa2\xa2\xa2\xa2\xa2\xa2\xa2\xa2\xa2\"", "\x00\x01\x21\x23\xff\x7f\"\x22",
	strings.Repeat("a", 39) + `"`, strings.Repeat("a", 40) + `"`, strings.Repeat("a", 41) + `"`,
	`abc\\def"`, `abcdefg\"h"`, `abcdefgh\\\"ijklmnopqrstuvw\\"x"`, `\\\\\\\\\\\\\\\\\\\\"`,
}

func TestStringEnd(t *testing.T) {
	for _, s := range stringEndCases {
		checkWordScans(t, s)
	}
}

// checkWordScans compares stringEnd and indexQuote with byte loops from the
// first 64 offsets of s: every alignment of indexQuote's quoteWords words,
// without a search per byte of a long fuzzed input.
func checkWordScans(t *testing.T, s string) {
	t.Helper()
	for i := 0; i <= len(s) && i < 64; i++ {
		if got, want := stringEnd(s, i), stringEndReference(s, i); got != want {
			t.Fatalf("stringEnd(%q, %d) = %d, want %d", s, i, got, want)
		}
		want := strings.IndexByte(s[i:], '"')
		if want >= 0 {
			want += i
		}
		if got := indexQuote(s, i); got != want {
			t.Fatalf("indexQuote(%q, %d) = %d, want %d", s, i, got, want)
		}
	}
}

func FuzzStringEnd(f *testing.F) {
	for _, s := range stringEndCases {
		f.Add(s)
	}
	f.Fuzz(checkWordScans)
}

// digitsEndReference is the plain byte loop digitsEnd must agree with.
func digitsEndReference(s string, i, limit int) int {
	j := i
	for j < len(s) && j-i < limit && s[j] >= '0' && s[j] <= '9' {
		j++
	}
	return j
}

var digitsEndCases = []string{
	``, `0`, `30,`, `1795562617043,"pid"`, `12345678`, `123456789`, `1234567812345678`, `12345678123456789`,
	`1234567890123456789012`, `12.5`, `1/2:3`, "9\xb9\xb0\x3a\x2f\xff123", `-12`, `0000000000000000000000`,
}

func TestDigitsEnd(t *testing.T) {
	for _, s := range digitsEndCases {
		checkDigitsEnd(t, s)
	}
}

// checkDigitsEnd compares digitsEnd with a byte loop from every offset of s,
// at the limit scanValue uses and at smaller ones.
func checkDigitsEnd(t *testing.T, s string) {
	t.Helper()
	for i := 0; i <= len(s); i++ {
		for _, limit := range []int{0, 1, 7, 8, 9, 16, 18} {
			if got, want := digitsEnd(s, i, limit), digitsEndReference(s, i, limit); got != want {
				t.Fatalf("digitsEnd(%q, %d, %d) = %d, want %d", s, i, limit, got, want)
			}
		}
	}
}

func FuzzDigitsEnd(f *testing.F) {
	for _, s := range digitsEndCases {
		f.Add(s)
	}
	f.Fuzz(checkDigitsEnd)
}

// TestEarlyStop reads lines whose last members still matter with and
// without scanJSON's early stop (see lacksSettledFields), which must agree.
func TestEarlyStop(t *testing.T) {
	e := New(goldenOptions)
	const head = `{"level":"info","time":1,"service":"cart"`
	const ids = `"trace_id":"d9648d7435eb97a56cef65002fb618ed","span_id":"b8fd3ff4b8d5b426","trace_flags":"01"`
	for _, line := range []string{
		// A level key after a bare severityNumber still gives the text.
		`{"severityNumber":9,"time":1,"service":"cart","level":"info"}`,
		// Keys whose ids stand in for a span count when invalid.
		head + `,"trace.id":"1","transaction.id":"x"}`,
		head + `,"trace.id":"1","transaction":{"id":"x"}}`,
		head + `,` + ids + `,"transaction.id":"x"}`,
		head + `,` + ids + `,"span_id":"a8fd3ff4b8d5b426"}`,
		head + `,` + ids + `,"@sp":"x"}`,
		head + `,` + ids + `,"x_span":"x"}`,
		// Trace keys late in the line, after words that look like them.
		head + `,"msg":"a race","note":"embrace","@tr":"d9648d7435eb97a56cef65002fb618ed"}`,
		head + `,"a":"@t","b":"trac","x_trace":"d9648d7435eb97a56cef65002fb618ed"}`,
		head + `,"dd":{"trace_id":"1234","span_id":"5678"}}`,
		head + `,"Scopes":[{"TraceId":"d9648d7435eb97a56cef65002fb618ed","SpanId":"b8fd3ff4b8d5b426"}]}`,
	} {
		var early, whole Result
		e.Reset(&early, FormatJSON)
		if !e.scanJSON(line, &early) {
			t.Fatalf("not read as JSON: %s", line)
		}
		early.Finish()
		e.Reset(&whole, FormatJSON)
		if end, _ := e.scanObject(line, 1, FieldNone, &whole, false); end != len(line) {
			t.Fatalf("not read to the end: %s", line)
		}
		whole.Finish()
		if public(early) != public(whole) {
			t.Errorf("early stop changed the result for %s:\n%+v\n%+v", line, public(early), public(whole))
		}
	}
}

// TestDefaultTimeZone: a time written without a zone is read in the
// configured zone, and not at all without one, in JSON and text alike; a
// zoned time is never moved.
func TestDefaultTimeZone(t *testing.T) {
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		line string
		zone *time.Location
		want string // RFC 3339 in UTC, "" for no time
	}{
		{`2024-05-01 14:00:00,123 INFO [app] - x`, nil, ""},
		{`2024-05-01 14:00:00,123 INFO [app] - x`, time.UTC, "2024-05-01T14:00:00.123Z"},
		{`2024-05-01 14:00:00,123 INFO [app] - x`, berlin, "2024-05-01T12:00:00.123Z"},
		{`2024-01-15 14:00:00 INFO winter time`, berlin, "2024-01-15T13:00:00Z"},
		{`{"asctime":"x","timestamp":"2024-05-01 14:00:00,123","level":"info"}`, nil, ""},
		{`{"timestamp":"2024-05-01 14:00:00,123","level":"info"}`, berlin, "2024-05-01T12:00:00.123Z"},
		// Without a zone the zone-less time is no time, so a later one counts.
		{`{"timestamp":"2024-05-01 14:00:00","time":"2024-05-01T14:00:00Z"}`, nil, "2024-05-01T14:00:00Z"},
		{`{"timestamp":"2024-05-01 14:00:00","time":"2024-05-01T14:00:00Z"}`, berlin, "2024-05-01T12:00:00Z"},
		// Zoned times and epochs are what they say, whatever the zone.
		{`2024-05-01T14:00:00+02:00 INFO x`, berlin, "2024-05-01T12:00:00Z"},
		{`{"time":1714564800000}`, berlin, "2024-05-01T12:00:00Z"},
		// The first second of 1970 in a zone east of UTC is before the epoch.
		{`1970-01-01 00:00:00 INFO x`, berlin, ""},
	} {
		e := New(Options{DefaultTimeZone: tc.zone})
		var r Result
		e.FromString(tc.line, &r)
		got := ""
		if r.Timestamp != 0 {
			got = time.Unix(0, r.Timestamp).UTC().Format(time.RFC3339Nano)
		}
		if got != tc.want {
			t.Errorf("zone %v, %q: time %q, want %q", tc.zone, tc.line, got, tc.want)
		}
	}
}
