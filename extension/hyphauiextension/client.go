// Copyright The Hypha Authors
// SPDX-License-Identifier: Apache-2.0

package hyphauiextension // import "github.com/hypha-obs/hypha/extension/hyphauiextension"

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// maxAnswerBytes bounds how much of a store's answer is read: the queries
// carry limits, so a larger answer is a misbehaving store.
const maxAnswerBytes = 256 << 20

// errNotFound is a store's 404.
var errNotFound = errors.New("not found")

// storeClient sends the queries of one store to its base URL. The path and
// the parameters always come from this package, never from the browser.
type storeClient struct {
	store, storeName string
	base             *url.URL
	client           *http.Client
	timeout          time.Duration
}

func newStoreClient(store, storeName, endpoint string, client *http.Client, timeout time.Duration) (*storeClient, error) {
	base, err := url.Parse(strings.TrimSuffix(endpoint, "/"))
	if err != nil {
		return nil, fmt.Errorf("%s endpoint: %w", storeName, err)
	}
	// The client's own timeout would also bound reading the body; the
	// context below does, and tells a timeout apart.
	client.Timeout = 0
	return &storeClient{store: store, storeName: storeName, base: base, client: client, timeout: timeout}, nil
}

// get fetches base+path?params and returns the body of a 2xx answer. Every
// failure is a *storeError naming the store; a 404 wraps errNotFound.
func (c *storeClient) get(ctx context.Context, path string, params url.Values, header http.Header) ([]byte, error) {
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	u := *c.base
	u.Path += path
	u.RawQuery = params.Encode()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), http.NoBody)
	if err != nil {
		return nil, c.fail(err, false)
	}
	for k, v := range header {
		req.Header[k] = v
	}
	resp, err := c.client.Do(req)
	if err != nil {
		// The URL stays out of the message: it may hold credentials, and
		// the browser has no use for it.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return nil, c.fail(err, errors.Is(err, context.DeadlineExceeded))
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxAnswerBytes))
	if err != nil {
		return nil, c.fail(fmt.Errorf("reading the answer: %w", err), errors.Is(err, context.DeadlineExceeded))
	}
	switch {
	case resp.StatusCode == http.StatusNotFound:
		return body, c.fail(errNotFound, false)
	case resp.StatusCode/100 != 2:
		return nil, c.fail(fmt.Errorf("answered %s: %s", resp.Status, snippet(body)), false)
	}
	return body, nil
}

func (c *storeClient) fail(err error, timeout bool) error {
	if timeout {
		err = fmt.Errorf("no answer within %s", c.timeout)
	}
	return &storeError{store: c.store, storeName: c.storeName, timeout: timeout, err: err}
}

// getJSON fetches like get and decodes the JSON answer into out.
func (c *storeClient) getJSON(ctx context.Context, path string, params url.Values, out any) error {
	body, err := c.get(ctx, path, params, nil)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(body, out); err != nil {
		return c.decodeError(err)
	}
	return nil
}

// decodeError is an answer the adapter cannot read.
func (c *storeClient) decodeError(err error) error {
	return c.fail(fmt.Errorf("unreadable answer: %w", err), false)
}

// snippet is the start of a store's error answer, for the banner.
func snippet(body []byte) string {
	s := strings.TrimSpace(string(body))
	if len(s) > 300 {
		s = s[:300] + "…"
	}
	return s
}
