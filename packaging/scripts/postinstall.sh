#!/bin/sh
# After install or upgrade: systemd learns of the unit. It is not enabled
# (the agent needs its gateway and log files set in /etc/hypha/agent.env
# first); an agent that was running is restarted on the new binary.
set -e
if [ -d /run/systemd/system ]; then
	systemctl daemon-reload || true
	systemctl try-restart hypha-agent.service || true
fi
