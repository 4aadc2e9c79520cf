// Copyright The Hypha Authors
// SPDX-License-Identifier: Apache-2.0

package harness

import (
	"encoding/xml"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"time"
)

// Kafka is a running kfake cluster of one broker (tools/testservers/kafka).
type Kafka struct {
	*Process
	Addr string // host:port of the broker
}

// StartKafka starts the Kafka test server on a free loopback port.
func StartKafka(dir, bin string) (*Kafka, error) {
	var k *Kafka
	err := onFreePorts(func() error {
		port, err := FreePort()
		if err != nil {
			return err
		}
		p, err := Start(dir, "kafka", bin, []string{"-port", strconv.Itoa(port)}, nil)
		if err != nil {
			return err
		}
		k = &Kafka{Process: p, Addr: "127.0.0.1:" + strconv.Itoa(port)}
		return waitListening(p, k.Addr)
	})
	return k, err
}

// S3 is a running S3-compatible server with one bucket
// (tools/testservers/s3).
type S3 struct {
	*Process
	URL    string // base URL, path-style: URL/<bucket>/<key>
	Bucket string
}

// StartS3 starts the S3 test server on a free loopback port with bucket.
func StartS3(dir, bin, bucket string) (*S3, error) {
	var s *S3
	err := onFreePorts(func() error {
		addr, err := FreeAddr()
		if err != nil {
			return err
		}
		p, err := Start(dir, "s3", bin, []string{"-addr", addr, "-bucket", bucket}, nil)
		if err != nil {
			return err
		}
		s = &S3{Process: p, URL: "http://" + addr, Bucket: bucket}
		return waitHealthy(p, s.URL+"/"+bucket+"?list-type=2")
	})
	return s, err
}

// Keys lists the bucket's object keys under prefix.
func (s *S3) Keys(prefix string) ([]string, error) {
	body, err := Get(s.URL + "/" + s.Bucket + "?" + url.Values{"list-type": {"2"}, "prefix": {prefix}}.Encode())
	if err != nil {
		return nil, err
	}
	var list struct {
		Contents []struct {
			Key string `xml:"Key"`
		} `xml:"Contents"`
		IsTruncated bool `xml:"IsTruncated"`
	}
	if err := xml.Unmarshal(body, &list); err != nil {
		return nil, fmt.Errorf("S3 listing: %w", err)
	}
	if list.IsTruncated {
		return nil, fmt.Errorf("S3 listing of %q is truncated", prefix)
	}
	keys := make([]string, 0, len(list.Contents))
	for _, c := range list.Contents {
		keys = append(keys, c.Key)
	}
	return keys, nil
}

// Object reads one object as stored. The exporter uploads compressed
// objects with Content-Encoding: gzip; asking for gzip explicitly keeps Go's
// client from decompressing them on the way.
func (s *S3) Object(key string) ([]byte, error) {
	return getWith(s.URL+"/"+s.Bucket+"/"+key, http.Header{"Accept-Encoding": {"gzip"}})
}

// waitListening waits until addr accepts TCP connections; a server that does
// not come up in time, or exits, is stopped and its output reported.
func waitListening(p *Process, addr string) error {
	err := Eventually(startTimeout, 100*time.Millisecond, func() error {
		if exited, err := p.Exited(); exited {
			return Permanent(fmt.Errorf("%s exited while starting (%w); output:\n%s", p.Name, err, p.Tail(4000)))
		}
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err != nil {
			return err
		}
		return c.Close()
	})
	if err != nil {
		p.Stop(5 * time.Second)
	}
	return err
}
