// Copyright The Hypha Authors
// SPDX-License-Identifier: Apache-2.0

// Command etcd is etcd's own server, built from go.etcd.io/etcd/server/v3
// at the version kube-apiserver v1.37 requires.
package main

import (
	"os"

	"go.etcd.io/etcd/server/v3/etcdmain"
)

func main() { etcdmain.Main(os.Args) }
