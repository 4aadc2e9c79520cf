// Copyright The Hypha Authors
// SPDX-License-Identifier: Apache-2.0

//go:build tools

// Package kubeapi pins kube-apiserver in this module's requirements.
package kubeapi

import (
	_ "k8s.io/kubernetes/cmd/kube-apiserver"
)
