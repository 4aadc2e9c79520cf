#!/bin/sh
# Before the files are unpacked: the hypha system user, so that the state
# directory and the env file can be given to it. The same user
# deploy/install-agent.sh creates.
set -e
if ! getent passwd hypha >/dev/null 2>&1; then
	set -- --system --user-group --no-create-home --home-dir /var/lib/hypha --shell /usr/sbin/nologin
	# adm owns most of /var/log on Debian and Ubuntu.
	if getent group adm >/dev/null 2>&1; then
		set -- "$@" --groups adm
	fi
	useradd "$@" hypha
fi
