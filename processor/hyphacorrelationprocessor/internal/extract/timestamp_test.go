// Copyright The Hypha Authors
// SPDX-License-Identifier: Apache-2.0

package extract

import (
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
		ns, zoneless, ok := parseTime(tc.in)
		got := ""
		if ok {
			got = time.Unix(0, ns).UTC().Format(time.RFC3339Nano)
			if zoneless {
				got += " (no zone)"
			}
		}
		if got != tc.want {
			t.Errorf("parseTime(%q) = %q, want %q", tc.in, got, tc.want)
		}
		// The standard library must agree on every RFC 3339 shape it knows.
		if ref, err := time.Parse(time.RFC3339Nano, tc.in); err == nil && ok && ref.UnixNano() != ns {
			t.Errorf("parseTime(%q) = %d, time.Parse says %d", tc.in, ns, ref.UnixNano())
		}
	}
}

// FuzzParseTime checks the hand-written time parser: no panic, a result
// only for input that starts like a time or number, and the same instant as
// time.Parse wherever that reads the text as RFC 3339.
func FuzzParseTime(f *testing.F) {
	for _, s := range []string{
		"2026-11-24T23:11:32.208449264Z", "2024-05-01T14:00:00.5+02:00", "2024-05-01 12:00:00,123",
		"1795562617043", "1795561892.2085588", "1714564800", "1.7e9", "2024-02-29T00:00:00-0130",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		ns, zoneless, ok := parseTime(s)
		if !ok && zoneless {
			t.Fatalf("parseTime(%q): zoneless without a time", s)
		}
		if ok && ns <= 0 {
			t.Fatalf("parseTime(%q) = %d, true", s, ns)
		}
		if !ok && ns != 0 {
			t.Fatalf("parseTime(%q) = %d, false", s, ns)
		}
		// Where the standard library reads the same text, both agree.
		if ref, err := time.Parse(time.RFC3339Nano, s); err == nil && ok && (zoneless || ref.UnixNano() != ns) {
			t.Fatalf("parseTime(%q) = %d (zoneless %v), time.Parse says %d", s, ns, zoneless, ref.UnixNano())
		}
	})
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
