// Copyright The Hypha Authors
// SPDX-License-Identifier: Apache-2.0

// Command kafka runs kfake, franz-go's in-process Kafka cluster, which
// speaks the Kafka wire protocol (produce, fetch, consumer groups, offset
// commits), on one loopback port: the Kafka the end-to-end tests deliver
// through. It runs until it is sent SIGTERM or SIGINT.
package main

import (
	"flag"
	"log"
	"os"
	"os/signal"
	"syscall"

	"github.com/twmb/franz-go/pkg/kfake"
)

func main() {
	port := flag.Int("port", 0, "the broker's port on 127.0.0.1")
	partitions := flag.Int("partitions", 4, "partitions of a topic created on first use")
	verbose := flag.Bool("v", false, "log every request, not only warnings")
	flag.Parse()
	if *port == 0 {
		log.Fatal("-port is required")
	}
	level := kfake.LogLevelWarn
	if *verbose {
		level = kfake.LogLevelDebug
	}
	c, err := kfake.NewCluster(
		kfake.WithLogger(kfake.BasicLogger(os.Stderr, level)),
		kfake.Ports(*port),
		kfake.AllowAutoTopicCreation(),
		kfake.DefaultNumPartitions(*partitions),
	)
	if err != nil {
		log.Fatal(err)
	}
	defer c.Close()
	log.Printf("kafka: listening on %v", c.ListenAddrs())
	stop := make(chan os.Signal, 1)
	signal.Notify(stop, syscall.SIGTERM, syscall.SIGINT)
	<-stop
}
