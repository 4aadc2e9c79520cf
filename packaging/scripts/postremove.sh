#!/bin/sh
# After removal: systemd forgets the unit. dpkg's purge also removes the
# state (file offsets, the disk queue) and the hypha user; a plain removal,
# and rpm's erase, keep both, as a reinstall would want them.
set -e
case "$1" in
remove | purge | 0)
	if [ -d /run/systemd/system ]; then
		systemctl daemon-reload || true
	fi
	;;
esac
if [ "$1" = purge ]; then
	rm -rf /var/lib/hypha
	# dpkg has removed agent.env; anything else an admin put here stays.
	rmdir /etc/hypha 2>/dev/null || true
	if getent passwd hypha >/dev/null 2>&1; then
		userdel hypha || true
	fi
	if getent group hypha >/dev/null 2>&1; then
		groupdel hypha || true
	fi
fi
