// Copyright The Hypha Authors
// SPDX-License-Identifier: Apache-2.0

//go:build linux

package hyphadiskreserveextension // import "github.com/hypha-obs/hypha/extension/hyphadiskreserveextension"

import "syscall"

// freeBytes is the space an unprivileged writer may still use on the disk
// that holds dir.
func freeBytes(dir string) (uint64, error) {
	var st syscall.Statfs_t
	if err := syscall.Statfs(dir, &st); err != nil {
		return 0, err
	}
	return st.Bavail * uint64(st.Bsize), nil
}
