#!/bin/sh
# Before removal (dpkg: remove; rpm: $1 = 0), not before an upgrade: stop
# and disable the agent.
set -e
case "$1" in
remove | 0)
	if [ -d /run/systemd/system ]; then
		systemctl stop hypha-agent.service || true
	fi
	if command -v systemctl >/dev/null 2>&1; then
		systemctl disable hypha-agent.service >/dev/null 2>&1 || true
	fi
	;;
esac
