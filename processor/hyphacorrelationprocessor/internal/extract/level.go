// Copyright The Hypha Authors
// SPDX-License-Identifier: Apache-2.0

package extract

// OTel SeverityNumber at the start of each range.
const (
	sevTrace int32 = 1
	sevDebug int32 = 5
	sevInfo  int32 = 9
	sevWarn  int32 = 13
	sevError int32 = 17
	sevFatal int32 = 21
)

// maxLevelLen is the longest level name we know ("information").
const maxLevelLen = 11

// parseLevel maps a level as loggers write it to an OTel SeverityNumber. Names
// are matched in any case; text is s itself. Digits are read as a pino/bunyan
// number (see parseLevelNumber) and text is then the canonical name.
func parseLevel(s string) (num int32, text string, ok bool) {
	if len(s) == 0 || len(s) > maxLevelLen {
		return 0, "", false
	}
	if s[0] >= '0' && s[0] <= '9' {
		n, ok := parseInt(s)
		if !ok {
			return 0, "", false
		}
		return parseLevelNumber(n)
	}
	// Setting 0x20 lower-cases a letter and turns no other byte into a
	// letter, so names match in any case without a branch per byte.
	var buf [maxLevelLen]byte
	for i := 0; i < len(s); i++ {
		buf[i] = s[i] | 0x20
	}
	switch string(buf[:len(s)]) {
	case "trace", "trce", "verbose":
		num = sevTrace
	case "debug", "dbug":
		num = sevDebug
	case "info", "information", "notice":
		num = sevInfo
	case "warn", "warning":
		num = sevWarn
	case "error", "err", "fail":
		num = sevError
	case "fatal", "critical", "crit", "panic", "emerg", "emergency", "alert":
		num = sevFatal
	default:
		return 0, "", false
	}
	return num, s, true
}

// parseLevelNumber maps pino and bunyan numeric levels (10, 20, 30, 40, 50,
// 60) to an OTel SeverityNumber and its canonical upper-case name. Other
// numbers are not levels we can name.
func parseLevelNumber(n int64) (num int32, text string, ok bool) {
	if n < 10 || n > 60 || n%10 != 0 {
		return 0, "", false
	}
	l := numericLevels[n/10-1]
	return l.num, l.text, true
}

// numericLevels lists pino's and bunyan's levels 10 to 60.
var numericLevels = [...]struct {
	num  int32
	text string
}{{sevTrace, "TRACE"}, {sevDebug, "DEBUG"}, {sevInfo, "INFO"}, {sevWarn, "WARN"}, {sevError, "ERROR"}, {sevFatal, "FATAL"}}
