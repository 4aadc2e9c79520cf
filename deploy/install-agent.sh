#!/usr/bin/env bash
# Installs the Hypha agent on a systemd host: the binary, its settings in
# /etc/hypha/agent.env (and an optional override in /etc/hypha/agent.yaml),
# and the hypha-agent.service unit, run by a dedicated `hypha` user.
# Running it again with the same options gives the same result.
#
#   sudo deploy/install-agent.sh --gateway gw.example.com:4317 \
#        --logs '/var/log/myapp/*.log' --service-name myapp
#
# With --from it installs a release artefact (a tarball, .deb or .rpm, local
# or downloaded) after checking it against the SHA256SUMS published with it.
#
# See --help, and docs/deploy.md for the whole picture.
set -euo pipefail

readonly PROG=${0##*/}
SCRIPT_DIR=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)
readonly SCRIPT_DIR
readonly UNIT_TEMPLATE=$SCRIPT_DIR/systemd/hypha-agent.service
readonly UNIT_NAME=hypha-agent.service
readonly SERVICE_USER=hypha
readonly STATE_DIR=/var/lib/hypha

# Paths on the target system, before DESTDIR is put in front.
readonly BIN_PATH=/usr/local/bin/hypha
readonly CONF_DIR=/etc/hypha
readonly ENV_PATH=$CONF_DIR/agent.env
readonly OVERRIDE_PATH=$CONF_DIR/agent.yaml
readonly UNIT_PATH=/etc/systemd/system/$UNIT_NAME
# With a .deb or .rpm: the package's binary and unit, and this script's
# settings for the unit as a drop-in over it.
readonly PKG_BIN_PATH=/usr/bin/hypha
readonly DROPIN_PATH=/etc/systemd/system/$UNIT_NAME.d/install-agent.conf

usage() {
	cat <<EOF
Usage: $PROG --gateway HOST:PORT --logs GLOB [options]
       $PROG --uninstall [--destdir DIR] [--dry-run]

Installs the Hypha agent as the systemd service $UNIT_NAME.

Options:
  --gateway HOST:PORT    the gateway's OTLP/gRPC address (required)
  --logs GLOB            absolute glob of log files to tail (required);
                         repeat the option or give a comma-separated list
  --service-name NAME    service.name for lines that carry none
  --token-file FILE      file holding the bearer token for the gateway
  --memory-limit-mib N   the agent's memory limit in MiB (default 512); the
                         unit's MemoryMax becomes twice that
  --config FILE          collector config layered over the built-in agent
                         config, installed as $OVERRIDE_PATH
  --binary PATH          the hypha binary to install (default: ./bin/hypha)
  --from FILE|URL        install a release artefact instead of --binary: a
                         hypha_*.tar.gz, a .deb or an .rpm, a local file or
                         an https:// URL (downloaded with curl). It is checked
                         against SHA256SUMS beside it before anything is
                         written. A .deb or .rpm is installed with dpkg or rpm.
  --sha256sums FILE|URL  the checksum list for --from (default: SHA256SUMS in
                         the same directory or URL path as --from)
  --destdir DIR          install under DIR (for packaging and tests); skips
                         creating the user and calling systemctl
  --dry-run              print what would be done, change nothing
  --uninstall            stop the service and remove what install wrote
                         (keeps $STATE_DIR and the $SERVICE_USER user)
  -h, --help             show this help
EOF
}

die() {
	printf '%s: %s\n' "$PROG" "$*" >&2
	exit 1
}

# Every change goes through run, so that --dry-run can print it instead.
run() {
	if ((dry_run)); then
		printf 'would run:'
		printf ' %q' "$@"
		printf '\n'
	else
		"$@"
	fi
}

# write_file MODE PATH: install standard input at PATH with MODE.
write_file() {
	local mode=$1 path=$2 tmp
	if ((dry_run)); then
		printf 'would write %s (mode %s):\n' "$path" "$mode"
		# Show the file, but never the token.
		sed -e 's/^HYPHA_AUTH_TOKEN=.*/HYPHA_AUTH_TOKEN=(from --token-file)/' -e 's/^/    /'
		return
	fi
	tmp=$(mktemp)
	cat >"$tmp"
	install -D -m "$mode" "$tmp" "$path"
	rm -f "$tmp"
}

gateway=""
logs=()
service_name=""
token_file=""
memory_limit_mib=""
override=""
binary=./bin/hypha
binary_given=0
from=""
sha256sums=""
destdir=""
dry_run=0
uninstall=0

# need_arg OPTION ARGC: an option's value must follow it.
need_arg() {
	(($2 >= 2)) || die "$1 needs a value (see --help)"
}

while (($#)); do
	case $1 in
	--gateway) need_arg "$1" $# && gateway=$2 && shift ;;
	--logs)
		need_arg "$1" $#
		IFS=, read -r -a parts <<<"$2"
		logs+=("${parts[@]}")
		shift
		;;
	--service-name) need_arg "$1" $# && service_name=$2 && shift ;;
	--token-file) need_arg "$1" $# && token_file=$2 && shift ;;
	--memory-limit-mib) need_arg "$1" $# && memory_limit_mib=$2 && shift ;;
	--config) need_arg "$1" $# && override=$2 && shift ;;
	--binary) need_arg "$1" $# && binary=$2 && binary_given=1 && shift ;;
	--from) need_arg "$1" $# && from=$2 && shift ;;
	--sha256sums) need_arg "$1" $# && sha256sums=$2 && shift ;;
	--destdir) need_arg "$1" $# && destdir=$2 && shift ;;
	--dry-run) dry_run=1 ;;
	--uninstall) uninstall=1 ;;
	-h | --help)
		usage
		exit 0
		;;
	*) die "unknown option '$1' (see --help)" ;;
	esac
	shift
done

if [[ -n $destdir ]]; then
	[[ -d $destdir ]] || die "--destdir: '$destdir' is not a directory"
	destdir=$(cd -- "$destdir" && pwd)
elif ((!dry_run)) && [[ $(id -u) != 0 ]]; then
	die "must run as root to install system-wide (or use --destdir DIR or --dry-run)"
fi

# Paths as this run writes them.
readonly D_BIN=$destdir$BIN_PATH
readonly D_ENV=$destdir$ENV_PATH
readonly D_OVERRIDE=$destdir$OVERRIDE_PATH
readonly D_UNIT=$destdir$UNIT_PATH
readonly D_CONF_DIR=$destdir$CONF_DIR
readonly D_DROPIN=$destdir$DROPIN_PATH

# systemctl only where systemd runs: a container or a chroot may hold the
# command without the manager.
systemctl_here() {
	[[ -z $destdir && -d /run/systemd/system ]] && command -v systemctl >/dev/null 2>&1
}

do_uninstall() {
	if systemctl_here; then
		if systemctl list-unit-files "$UNIT_NAME" >/dev/null 2>&1; then
			run systemctl disable --now "$UNIT_NAME" || true
		fi
	fi
	local f
	for f in "$D_UNIT" "$D_DROPIN" "$D_ENV" "$D_OVERRIDE" "$D_BIN"; do
		if [[ -e $f ]]; then
			run rm -f -- "$f"
		fi
	done
	for f in "${D_DROPIN%/*}" "$D_CONF_DIR"; do
		if [[ -d $f ]] && [[ -z $(ls -A -- "$f") ]]; then
			run rmdir -- "$f"
		fi
	done
	# A package install: the package goes too (its removal keeps the user
	# and the state as well).
	if [[ -z $destdir ]]; then
		if command -v dpkg-query >/dev/null 2>&1 && dpkg-query -W -f '${Status}' hypha 2>/dev/null | grep -q ' installed$'; then
			run dpkg --remove hypha
		elif command -v rpm >/dev/null 2>&1 && rpm -q hypha >/dev/null 2>&1; then
			run rpm --erase hypha
		fi
	fi
	if systemctl_here; then
		run systemctl daemon-reload
	fi
	printf '%s: removed the Hypha agent; %s (checkpoints, queue) and the user %s are kept\n' \
		"$PROG" "$STATE_DIR" "$SERVICE_USER"
}

if ((uninstall)); then
	do_uninstall
	exit 0
fi

# --- validate everything before changing anything ---

# A temporary directory for a downloaded or unpacked artefact.
workdir=""
cleanup() {
	if [[ -n $workdir ]]; then
		rm -rf -- "$workdir"
	fi
}
trap cleanup EXIT

# fetch SRC DEST: copy a local file, or download an https:// URL, to DEST.
fetch() {
	local src=$1 dest=$2
	case $src in
	https://*)
		command -v curl >/dev/null 2>&1 || die "curl is needed to download $src"
		curl --fail --silent --show-error --location --proto '=https' --output "$dest" -- "$src" ||
			die "could not download $src"
		;;
	*://*) die "'$src': only https:// URLs are downloaded" ;;
	*)
		[[ -f $src && -r $src ]] || die "cannot read '$src'"
		cp -- "$src" "$dest"
		;;
	esac
}

# A .deb or an .rpm (pkg_kind) is installed by its package manager; a
# tarball gives the binary to install like --binary.
pkg_kind=""
if [[ -n $from ]]; then
	((!binary_given)) || die "--from and --binary: give one of them"
	from_name=${from##*/}
	from_name=${from_name%%[?#]*}
	case $from_name in
	*.tar.gz | *.tgz) ;;
	*.deb) pkg_kind=deb ;;
	*.rpm) pkg_kind=rpm ;;
	*) die "--from: '$from_name' is not a hypha tarball (.tar.gz), .deb or .rpm" ;;
	esac
	if [[ -n $pkg_kind && -n $destdir ]]; then
		die "--from: a .$pkg_kind is installed with its package manager, which --destdir cannot redirect; use the tarball"
	fi
	if [[ -z $sha256sums ]]; then
		if [[ $from == *://* ]]; then
			sha256sums=${from%%[?#]*}
			sha256sums=${sha256sums%/*}/SHA256SUMS
		else
			sha256sums=$(dirname -- "$from")/SHA256SUMS
		fi
	fi
	workdir=$(mktemp -d)
	fetch "$from" "$workdir/$from_name"
	fetch "$sha256sums" "$workdir/SHA256SUMS"
	# The checksum comes first: nothing of the artefact is read or run before.
	want=$(awk -v f="$from_name" '$2 == f || $2 == "*" f { print $1; exit }' "$workdir/SHA256SUMS")
	[[ $want =~ ^[0-9a-f]{64}$ ]] || die "--from: $sha256sums lists no SHA-256 for $from_name; nothing was installed"
	got=$(sha256sum -- "$workdir/$from_name")
	got=${got%% *}
	if [[ $got != "$want" ]]; then
		die "--from: $from_name does not match its checksum in $sha256sums (sha256 $got, expected $want): the file is damaged or was tampered with; nothing was installed"
	fi
	printf '%s: %s matches its SHA-256 in %s\n' "$PROG" "$from_name" "$sha256sums"
	mkdir "$workdir/unpacked"
	case $pkg_kind in
	deb)
		command -v dpkg-deb >/dev/null 2>&1 || die "--from: a .deb needs dpkg-deb"
		dpkg-deb --fsys-tarfile "$workdir/$from_name" | tar -x -C "$workdir/unpacked" ".$PKG_BIN_PATH" ||
			die "--from: $from_name holds no $PKG_BIN_PATH"
		binary=$workdir/unpacked$PKG_BIN_PATH
		;;
	rpm)
		command -v rpm2cpio >/dev/null 2>&1 || die "--from: an .rpm needs rpm2cpio (the rpm tools)"
		rpm2cpio "$workdir/$from_name" | (cd "$workdir/unpacked" && cpio -idm --quiet ".$PKG_BIN_PATH") ||
			die "--from: $from_name holds no $PKG_BIN_PATH"
		binary=$workdir/unpacked$PKG_BIN_PATH
		;;
	*)
		tar -xzf "$workdir/$from_name" -C "$workdir/unpacked" || die "--from: cannot unpack $from_name"
		binary=$(find "$workdir/unpacked" -mindepth 2 -maxdepth 2 -type f -name hypha | head -n 1)
		[[ -n $binary ]] || die "--from: $from_name holds no hypha_*/hypha binary"
		;;
	esac
fi

if [[ -z $pkg_kind ]]; then
	[[ -f $UNIT_TEMPLATE ]] || die "unit template not found at $UNIT_TEMPLATE (run the script from the Hypha source tree)"
fi
[[ -f $binary && -x $binary ]] || die "--binary: '$binary' is not an executable file (build it with 'make build')"

[[ -n $gateway ]] || die "--gateway is required: the gateway's OTLP/gRPC address, HOST:PORT"
if [[ ! $gateway =~ ^([A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?|\[[0-9A-Fa-f:.]+\]):([0-9]{1,5})$ ]] ||
	((10#${BASH_REMATCH[3]} < 1 || 10#${BASH_REMATCH[3]} > 65535)); then
	die "--gateway: '$gateway' is not HOST:PORT (for example gateway.example.com:4317)"
fi

((${#logs[@]})) || die "--logs is required: an absolute glob such as '/var/log/myapp/*.log'"
for glob in "${logs[@]}"; do
	[[ $glob == /* ]] || die "--logs: '$glob' is not an absolute path glob"
	[[ $glob != *[\"\'\\]* && $glob != *$'\n'* ]] || die "--logs: '$glob' contains a quote, backslash or newline"
done

if [[ -n $service_name && ! $service_name =~ ^[A-Za-z0-9][A-Za-z0-9._-]*$ ]]; then
	die "--service-name: '$service_name' may hold only letters, digits, '.', '_' and '-'"
fi

token=""
if [[ -n $token_file ]]; then
	[[ -f $token_file && -r $token_file ]] || die "--token-file: cannot read '$token_file'"
	token=$(<"$token_file")
	token=${token%$'\n'}
	# RFC 6750's token characters: nothing that needs quoting anywhere.
	[[ $token =~ ^[A-Za-z0-9._~+/=-]+$ ]] || die "--token-file: '$token_file' must hold one token of letters, digits and ._~+/=-"
fi

# The collector alone takes some tens of MiB before it holds any data, so
# refuse limits it cannot run under; the digit limit keeps the MemoryMax
# arithmetic far from overflow.
if [[ -n $memory_limit_mib ]] &&
	{ [[ ! $memory_limit_mib =~ ^[1-9][0-9]{1,6}$ ]] || ((memory_limit_mib < 64)); }; then
	die "--memory-limit-mib: '$memory_limit_mib' is not a number of MiB from 64 up (for example 1024)"
fi

if [[ -n $override ]]; then
	[[ -f $override && -r $override ]] || die "--config: cannot read '$override'"
fi

# HYPHA_LOG_INCLUDE: one glob as it is, several as a YAML flow list.
if ((${#logs[@]} == 1)); then
	log_include=${logs[0]}
else
	log_include=$(printf '"%s", ' "${logs[@]}")
	log_include="[${log_include%, }]"
fi

config_args=(--config hypha:agent)
if [[ -n $override ]]; then
	config_args+=(--config "file:$OVERRIDE_PATH")
fi

# Check the configuration with the binary being installed, before touching
# the running service: a bad override fails here, not in a restart loop.
if ((!dry_run)); then
	check_args=(--config hypha:agent)
	[[ -z $override ]] || check_args+=(--config "file:$override")
	# The same settings as agent.env below: an unset one takes its default
	# (an empty HYPHA_SERVICE_NAME would be an invalid service.name).
	check_env=(HYPHA_GATEWAY_ENDPOINT="$gateway" HYPHA_LOG_INCLUDE="$log_include" HYPHA_STORAGE_DIR="$STATE_DIR")
	[[ -z $service_name ]] || check_env+=(HYPHA_SERVICE_NAME="$service_name")
	[[ -z $memory_limit_mib ]] || check_env+=(HYPHA_MEMORY_LIMIT_MIB="$memory_limit_mib")
	if ! env "${check_env[@]}" "$binary" validate "${check_args[@]}" >&2; then
		die "'$binary validate ${check_args[*]}' failed; nothing was installed"
	fi
fi

# --- install ---

if [[ $pkg_kind == deb ]]; then
	# The package creates the user and the state directory and installs the
	# binary and the unit (not enabled).
	run dpkg --install "$workdir/$from_name"
elif [[ $pkg_kind == rpm ]]; then
	run rpm --upgrade --replacepkgs "$workdir/$from_name"
elif [[ -z $destdir ]] && ! id -u "$SERVICE_USER" >/dev/null 2>&1; then
	useradd_args=(--system --user-group --no-create-home --home-dir "$STATE_DIR" --shell /usr/sbin/nologin)
	# adm owns most of /var/log on Debian and Ubuntu.
	if getent group adm >/dev/null 2>&1; then
		useradd_args+=(--groups adm)
	fi
	run useradd "${useradd_args[@]}" "$SERVICE_USER"
fi

if [[ -z $pkg_kind ]]; then
	run install -D -m 0755 "$binary" "$D_BIN"
fi

# systemd reads EnvironmentFile= as root before dropping privileges, so the
# file (which may hold the token) stays readable by root only.
{
	printf '# Written by %s; running it again rewrites this file.\n' "$PROG"
	printf 'HYPHA_GATEWAY_ENDPOINT=%s\n' "$gateway"
	printf "HYPHA_LOG_INCLUDE='%s'\n" "$log_include"
	printf 'HYPHA_STORAGE_DIR=%s\n' "$STATE_DIR"
	if [[ -n $service_name ]]; then
		printf 'HYPHA_SERVICE_NAME=%s\n' "$service_name"
	fi
	if [[ -n $memory_limit_mib ]]; then
		printf 'HYPHA_MEMORY_LIMIT_MIB=%s\n' "$memory_limit_mib"
	fi
	if [[ -n $token ]]; then
		printf 'HYPHA_AUTH_TOKEN=%s\n' "$token"
	fi
} | write_file 0600 "$D_ENV"

if [[ -n $override ]]; then
	write_file 0644 "$D_OVERRIDE" <"$override"
elif [[ -e $D_OVERRIDE ]]; then
	# A previous install's override would otherwise sit there unused.
	run rm -f -- "$D_OVERRIDE"
fi

if [[ -n $pkg_kind ]]; then
	# The packaged unit stays as the package wrote it, so that upgrades reach
	# it; these settings go over it.
	{
		printf '# Written by %s over the packaged unit; running it again rewrites this file.\n' "$PROG"
		printf '[Service]\nExecStart=\nExecStart=%s %s\n' "$PKG_BIN_PATH" "${config_args[*]}"
		if [[ -n $memory_limit_mib ]]; then
			printf 'MemoryMax=%sM\n' "$((memory_limit_mib * 2))"
		fi
	} | write_file 0644 "$D_DROPIN"
	if [[ -e $D_UNIT ]]; then
		# A tarball install's unit would hide the package's.
		run rm -f -- "$D_UNIT"
	fi
else
	unit_edits=(-e "s|^ExecStart=.*|ExecStart=$BIN_PATH ${config_args[*]}|")
	if [[ -n $memory_limit_mib ]]; then
		# The unit's comment explains the factor of two.
		unit_edits+=(-e "s|^MemoryMax=.*|MemoryMax=$((memory_limit_mib * 2))M|")
	fi
	sed "${unit_edits[@]}" "$UNIT_TEMPLATE" | write_file 0644 "$D_UNIT"
	if [[ -e $D_DROPIN ]]; then
		# A package install's drop-in would override this unit's settings.
		run rm -f -- "$D_DROPIN"
	fi
fi

if systemctl_here; then
	run systemctl daemon-reload
	run systemctl enable "$UNIT_NAME"
	run systemctl restart "$UNIT_NAME"
fi

if ((dry_run)); then
	printf '%s: dry run, nothing was changed\n' "$PROG"
else
	printf '%s: installed the Hypha agent (gateway %s)\n' "$PROG" "$gateway"
fi
