// Copyright The Hypha Authors
// SPDX-License-Identifier: Apache-2.0

// Command s3 runs gofakes3, an S3-compatible server that keeps objects in
// memory, on one loopback address with one bucket: the S3 the end-to-end
// tests deliver to. It speaks the S3 REST API (path-style) and does not
// check request signatures. It runs until it is sent SIGTERM or SIGINT.
package main

import (
	"flag"
	"log"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"
)

func main() {
	addr := flag.String("addr", "", "listen address, 127.0.0.1:<port>")
	bucket := flag.String("bucket", "", "the bucket to create")
	flag.Parse()
	if *addr == "" || *bucket == "" {
		log.Fatal("-addr and -bucket are required")
	}
	backend := s3mem.New()
	if err := backend.CreateBucket(*bucket); err != nil {
		log.Fatal(err)
	}
	l, err := net.Listen("tcp", *addr)
	if err != nil {
		log.Fatal(err)
	}
	srv := &http.Server{Handler: gofakes3.New(backend).Server(), ReadHeaderTimeout: 10 * time.Second}
	go func() {
		stop := make(chan os.Signal, 1)
		signal.Notify(stop, syscall.SIGTERM, syscall.SIGINT)
		<-stop
		srv.Close()
	}()
	log.Printf("s3: bucket %s on http://%s", *bucket, l.Addr())
	if err := srv.Serve(l); err != http.ErrServerClosed {
		log.Fatal(err)
	}
}
