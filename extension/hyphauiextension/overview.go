// Copyright The Hypha Authors
// SPDX-License-Identifier: Apache-2.0

package hyphauiextension // import "github.com/hypha-obs/hypha/extension/hyphauiextension"

import (
	"strings"
	"time"
)

// overviewBuckets is about how many buckets the home page's chart has.
const overviewBuckets = 60

// bucketSteps are the widths a bucket can have; each divides a day, so
// buckets align the same way in every store.
var bucketSteps = []time.Duration{
	10 * time.Second, 30 * time.Second, time.Minute, 5 * time.Minute, 10 * time.Minute,
	30 * time.Minute, time.Hour, 3 * time.Hour, 6 * time.Hour, 12 * time.Hour, 24 * time.Hour,
}

// makeBuckets splits [start, end) into buckets of a step from bucketSteps,
// aligned to multiples of the step since the Unix epoch.
func makeBuckets(start, end time.Time) ([]time.Time, time.Duration) {
	span := end.Sub(start)
	step := bucketSteps[len(bucketSteps)-1]
	for _, s := range bucketSteps {
		if span/s <= overviewBuckets {
			step = s
			break
		}
	}
	var buckets []time.Time
	for t := alignDown(start, step); t.Before(end); t = t.Add(step) {
		buckets = append(buckets, t)
	}
	return buckets, step
}

func alignDown(t time.Time, step time.Duration) time.Time {
	ns := t.UnixNano()
	return time.Unix(0, ns-ns%int64(step)).UTC()
}

// bucketIndex is the bucket t falls in, or -1.
func bucketIndex(buckets []time.Time, step time.Duration, t time.Time) int {
	if len(buckets) == 0 || t.Before(buckets[0]) {
		return -1
	}
	i := int(t.Sub(buckets[0]) / step)
	if i >= len(buckets) {
		return -1
	}
	return i
}

// addCount adds a bucket's counts to a service's overview.
func addCount(out map[string]*serviceOverview, service string, n, i int, total, errs int64) {
	s := out[service]
	if s == nil {
		s = &serviceOverview{Name: service, Total: make([]int64, n), Errors: make([]int64, n)}
		out[service] = s
	}
	s.Total[i] += total
	s.Errors[i] += errs
	s.TotalCount += total
	s.ErrorCount += errs
}

// severityRange is the texts and the severity numbers of a severity filter.
func severityRange(sev string) (texts []string, lo, hi int) {
	switch strings.ToUpper(sev) {
	case "TRACE":
		return []string{"trace"}, 1, 4
	case "DEBUG":
		return []string{"debug"}, 5, 8
	case "INFO":
		return []string{"info", "information"}, 9, 12
	case "WARN":
		return []string{"warn", "warning"}, 13, 16
	case "ERROR":
		return []string{"error"}, 17, 20
	default: // FATAL
		return []string{"fatal", "critical"}, 21, 24
	}
}
