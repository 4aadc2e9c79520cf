// Copyright The Hypha Authors
// SPDX-License-Identifier: Apache-2.0

package e2e

// The OTLP/HTTP requests the tests send, in one place: one builder of a
// logs request, one POST. The older names below them stay as thin aliases
// while tests on other branches still call them. (hostile_test.go's
// postJSON is postOTLP with contentTypeJSON; it moves here once the
// branches that edit that file are merged.)

import (
	"bytes"
	"io"
	"net/http"
	"testing"
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/plog/plogotlp"
)

const (
	contentTypeProto = "application/x-protobuf"
	contentTypeJSON  = "application/json"
)

// otlpLogs is an OTLP/HTTP protobuf logs request: one resource with the
// service.name given and one record per body, observed now.
func otlpLogs(t *testing.T, service string, bodies ...string) []byte {
	t.Helper()
	ld := plog.NewLogs()
	rl := ld.ResourceLogs().AppendEmpty()
	rl.Resource().Attributes().PutStr("service.name", service)
	lrs := rl.ScopeLogs().AppendEmpty().LogRecords()
	for _, body := range bodies {
		lr := lrs.AppendEmpty()
		lr.SetObservedTimestamp(pcommon.NewTimestampFromTime(time.Now()))
		lr.Body().SetStr(body)
	}
	b, err := plogotlp.NewExportRequestFromLogs(ld).MarshalProto()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// postOTLP posts body to url as contentType, with the bearer token when
// one is given, and returns the status and up to 64 KiB of the answer.
func postOTLP(client *http.Client, url, contentType, token string, body []byte) (int, string, error) {
	req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return 0, "", err
	}
	req.Header.Set("Content-Type", contentType)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := client.Do(req)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	msg, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	return resp.StatusCode, string(msg), nil
}

// postOK posts a protobuf request without a token and fails the test
// unless it is answered 200.
func postOK(t *testing.T, url string, body []byte) {
	t.Helper()
	code, msg, err := postOTLP(http.DefaultClient, url, contentTypeProto, "", body)
	if err != nil || code != http.StatusOK {
		t.Fatalf("POST %s: %d %s, %v", url, code, msg, err)
	}
}
