package extract

import (
	"math"
	"time"
)

// SetString interprets a string value found under a key of Field f. Values
// that do not parse are ignored, except ids, which are counted in Rejected.
// The first level, time and service found win.
func (r *Result) SetString(f Field, s string) {
	switch f {
	case FieldTraceID, FieldECSTraceID, FieldSerilogTraceID, FieldScopeTraceID:
		id, st := parseTrace(s)
		r.applyTrace(f, id, st)
	case FieldDatadogTraceID:
		id, st := parseDatadogTrace(s)
		r.applyTrace(f, id, st)
	case FieldGCPTrace:
		id, st := parseGCPTrace(s)
		r.applyTrace(f, id, st)
	case FieldSpanID, FieldECSSpanID, FieldECSTransactionID, FieldGCPSpanID, FieldSerilogSpanID, FieldScopeSpanID:
		id, st := parseSpan(s)
		r.applySpan(f, id, st)
	case FieldDatadogSpanID:
		id, st := parseDatadogSpan(s)
		r.applySpan(f, id, st)
	case FieldTraceparent:
		tp, st := parseTraceparent(s)
		if st == idInvalid {
			r.Rejected++
		} else if st == idValid {
			r.setTraceparent(tp, r.formatOf(f))
		}
	case FieldTraceFlags:
		if v, ok := ParseFlags(s); ok {
			r.setFlags(v)
		}
	case FieldSampled:
		if b, ok := parseBool(s); ok {
			r.SetBool(f, b)
		}
	case FieldLevel:
		if r.SeverityText == "" {
			r.setLevel(ParseLevel(s))
		}
	case FieldSeverityNumber:
		if n, ok := parseInt(s); ok {
			r.SetInt(f, n)
		}
	case FieldTime, FieldCLEFTime:
		if r.wantTime(f) {
			r.Timestamp = r.parseTime(s)
		}
	case FieldService:
		if r.Service == "" {
			r.Service = s
		}
	case FieldBunyanName:
		if r.bunyanName == "" {
			r.bunyanName = s
		}
	}
}

// SetInt interprets an integer value found under a key of Field f.
func (r *Result) SetInt(f Field, n int64) {
	switch f {
	case FieldDatadogTraceID:
		var id [16]byte
		putUint64(id[8:], uint64(n))
		r.applyTrace(f, id, decimalStatus(n))
	case FieldDatadogSpanID:
		var id [8]byte
		putUint64(id[:], uint64(n))
		r.applySpan(f, id, decimalStatus(n))
	case FieldTraceID, FieldECSTraceID, FieldSerilogTraceID, FieldScopeTraceID, FieldGCPTrace, FieldTraceparent,
		FieldSpanID, FieldECSSpanID, FieldECSTransactionID, FieldGCPSpanID, FieldSerilogSpanID, FieldScopeSpanID:
		// These ids are hex text; a number can only be the placeholder 0.
		if n != 0 {
			r.reject(f)
		}
	case FieldTraceFlags:
		if n >= 0 && n <= 0xff {
			r.setFlags(uint8(n))
		}
	case FieldSampled:
		r.SetBool(f, n != 0)
	case FieldLevel:
		if r.SeverityText == "" {
			r.setLevel(ParseLevelNumber(n))
		}
	case FieldSeverityNumber:
		if r.SeverityNumber == 0 && n >= 1 && n <= 24 {
			r.SeverityNumber = int32(n)
		}
	case FieldTime, FieldCLEFTime:
		if r.wantTime(f) {
			r.Timestamp, _ = epochInt(n, "")
		}
	case FieldBunyanVersion:
		r.bunyanV = true
	}
}

// SetDouble interprets a floating-point value found under a key of Field f.
// Integral values are handled as by SetInt.
func (r *Result) SetDouble(f Field, x float64) {
	if x == math.Trunc(x) && math.Abs(x) < 1<<53 {
		r.SetInt(f, int64(x))
		return
	}
	switch f {
	case FieldTime, FieldCLEFTime:
		if r.wantTime(f) {
			r.Timestamp, _ = ParseEpoch(x)
		}
	case FieldTraceID, FieldECSTraceID, FieldSerilogTraceID, FieldScopeTraceID, FieldGCPTrace, FieldTraceparent,
		FieldDatadogTraceID, FieldDatadogSpanID,
		FieldSpanID, FieldECSSpanID, FieldECSTransactionID, FieldGCPSpanID, FieldSerilogSpanID, FieldScopeSpanID:
		r.reject(f)
	}
}

// reject counts an invalid id value. A span id only matters next to a trace
// id, so an invalid one is counted only in a record with a trace key (see
// Finish): a record without any trace context is never counted for a span.
func (r *Result) reject(f Field) {
	switch f {
	case FieldSpanID, FieldECSSpanID, FieldECSTransactionID, FieldGCPSpanID, FieldSerilogSpanID, FieldScopeSpanID, FieldDatadogSpanID:
		r.spanRejected++
	default:
		r.Rejected++
	}
}

// SetBool interprets a boolean value found under a key of Field f.
func (r *Result) SetBool(f Field, b bool) {
	if f == FieldSampled || f == FieldTraceFlags {
		if b {
			r.setFlags(1)
		} else {
			r.setFlags(0)
		}
	}
}

// setLevel records the first level found. A number from OTLP's
// severityNumber may already be there; the text still fills in.
func (r *Result) setLevel(num int32, text string, ok bool) {
	if ok {
		r.SeverityText = text
		if r.SeverityNumber == 0 {
			r.SeverityNumber = num
		}
	}
}

// parseTime reads a time value as ParseTime does, one written without a
// zone only in the default zone (none: 0, as if there were no time).
func (r *Result) parseTime(s string) int64 {
	ns, zoneless, ok := ParseTime(s)
	if !ok {
		return 0
	}
	if zoneless {
		return inZone(ns, r.zone)
	}
	return ns
}

// inZone reads the wall clock ns (unix nanoseconds as if in UTC) in zone;
// 0 when zone is nil or the result is not after the epoch.
func inZone(ns int64, zone *time.Location) int64 {
	switch zone {
	case nil:
		return 0
	case time.UTC:
		return ns
	}
	wall := time.Unix(0, ns).UTC()
	t := time.Date(wall.Year(), wall.Month(), wall.Day(), wall.Hour(), wall.Minute(), wall.Second(), wall.Nanosecond(), zone)
	return max(t.UnixNano(), 0)
}

// wantTime notes that a time key was seen (Serilog's @t marks a CLEF
// record) and reports whether the time is still to be found.
func (r *Result) wantTime(f Field) bool {
	r.clef = r.clef || f == FieldCLEFTime
	return r.Timestamp == 0
}

func (r *Result) formatOf(f Field) Format {
	if f == FieldTraceparent && r.src != FormatOTLPMap && r.src != FormatOTLPAttributes {
		return FormatTraceparent
	}
	if r.src == FormatJSON {
		return f.jsonFormat()
	}
	return r.src
}

func (r *Result) applyTrace(f Field, id [16]byte, st idStatus) {
	switch st {
	case idInvalid:
		r.Rejected++
	case idValid:
		r.setTrace(id, r.formatOf(f))
	}
}

func (r *Result) applySpan(f Field, id [8]byte, st idStatus) {
	switch st {
	case idInvalid:
		r.reject(f)
	case idValid:
		rank := spanPrimary
		if f == FieldECSTransactionID {
			rank = spanFallback
		}
		r.setSpan(id, rank)
	}
}

// setTraceparent records a traceparent. Its span id ranks as a fallback:
// in an inbound request header it is the caller's span, not the logger's.
func (r *Result) setTraceparent(tp traceparent, f Format) {
	r.setTrace(tp.trace, f)
	r.setSpan(tp.span, spanFallback)
	r.setFlags(tp.flags)
}
