package extract

import "testing"

func TestBuiltinKeyHolds(t *testing.T) {
	for key, want := range map[string]string{
		"trace_id":       HoldsTraceID,
		"dd.trace_id":    HoldsTraceID,
		"@sp":            HoldsSpanID,
		"transaction.id": HoldsSpanID,
		"trace_sampled":  HoldsTraceFlags,
		"traceparent":    "a W3C traceparent",
		"trace":          "an object holding the trace id",
		"@t":             "the time",
		"v":              "bunyan's format version",
		"Scopes":         ".NET's logging scopes",
		"request_trace":  "",
		"":               "",
	} {
		if got := BuiltinKeyHolds(key); got != want {
			t.Errorf("BuiltinKeyHolds(%q) = %q, want %q", key, got, want)
		}
	}
}
