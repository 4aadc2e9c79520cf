#!/bin/sh
# Sends a hypha gateway's dead letters again and reports every record it
# could not send.
#
#   deploy/replay-dead-letters.sh URL FILE...
#
# URL is the gateway's OTLP/HTTP logs endpoint, for example
# https://gateway:4318/v1/logs. Each FILE (logs.jsonl, logs.jsonl.1, ...)
# holds one OTLP/JSON request a line. A line the gateway does not take
# whole (an HTTP error, a partial success, a line that is not a request)
# is reported on stderr with its file and line number and copied to
# FILE.failed, which can be replayed in turn once the cause is fixed.
#
# HYPHA_AUTH_TOKEN, when set, is sent as the bearer token (it never
# appears on a command line); HYPHA_TLS_CA_FILE is the CA to verify the
# gateway with. Exit status: 0 all sent, 1 some failed, 2 usage.
set -u

if [ $# -lt 2 ]; then
	echo "usage: $0 URL FILE..." >&2
	exit 2
fi
url=$1
shift

tmp=$(mktemp -d) || exit 2
trap 'rm -rf "$tmp"' EXIT
: >"$tmp/headers"
chmod 600 "$tmp/headers"
echo 'Content-Type: application/json' >>"$tmp/headers"
if [ -n "${HYPHA_AUTH_TOKEN:-}" ]; then
	printf 'Authorization: Bearer %s\n' "$HYPHA_AUTH_TOKEN" >>"$tmp/headers"
fi
ca=
if [ -n "${HYPHA_TLS_CA_FILE:-}" ]; then
	ca=$HYPHA_TLS_CA_FILE
fi

sent=0
failed=0
for file in "$@"; do
	if [ ! -r "$file" ]; then
		echo "$file: cannot be read" >&2
		failed=$((failed + 1))
		continue
	fi
	: >"$file.failed"
	n=0
	while IFS= read -r line || [ -n "$line" ]; do
		n=$((n + 1))
		[ -z "$line" ] && continue
		if [ -n "$ca" ]; then
			code=$(printf '%s' "$line" | curl -sS --cacert "$ca" -o "$tmp/body" -w '%{http_code}' -H @"$tmp/headers" --data-binary @- "$url" 2>"$tmp/err")
		else
			code=$(printf '%s' "$line" | curl -sS -o "$tmp/body" -w '%{http_code}' -H @"$tmp/headers" --data-binary @- "$url" 2>"$tmp/err")
		fi
		case $code in
		2??)
			# A partial success names the records the gateway refused.
			if grep -q '"rejectedLogRecords"' "$tmp/body"; then
				echo "$file:$n: partly refused: $(head -c 300 "$tmp/body")" >&2
			else
				sent=$((sent + 1))
				continue
			fi
			;;
		000) echo "$file:$n: not sent: $(head -c 300 "$tmp/err")" >&2 ;;
		*) echo "$file:$n: HTTP $code: $(head -c 300 "$tmp/body")" >&2 ;;
		esac
		failed=$((failed + 1))
		printf '%s\n' "$line" >>"$file.failed"
	done <"$file"
	[ -s "$file.failed" ] || rm -f "$file.failed"
done

echo "replayed $sent requests; $failed failed" >&2
[ "$failed" -eq 0 ]
