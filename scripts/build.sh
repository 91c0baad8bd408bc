#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Build toy_alloc.ko in the checkout against Debian's headers (or $KDIR).
#
#   scripts/build.sh [--clean] [--strict] [KBUILD_VAR=VALUE...] [TARGET]
#
# --clean   run kbuild's clean first, so every warning is printed again
# --strict  any "warning:" or "error:" line in the output fails the build
# The rest goes to kbuild as is (W=1, C=2, clean, ...); default: modules.
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"

clean=0
strict=0
args=()
out=

parse_args() {
	local a
	for a in "$@"; do
		case "$a" in
		--clean) clean=1 ;;
		--strict) strict=1 ;;
		KDIR=*) export KDIR=${a#KDIR=} ;;
		*) args+=("$a") ;;
		esac
	done
	case "${args[*]}" in
	*clean* | *modules* | *help*) ;;
	*) args+=(modules) ;;
	esac
}

kbuild() {
	make -C "$kdir" M="$TOP" "$@"
}

# Strict builds: anything the compiler or sparse complained about fails.
complaints() {
	grep -E '(^|: )(warning|error):' "$1" || true
}

main() {
	parse_args "$@"
	lock_work build
	# KDIR= names headers of the user's own: nothing to install from
	# Debian's archive (which another distribution does not have).
	[ -n "${KDIR:-}" ] || deps
	kdir=$(debian_kdir)
	if [ "$clean" = 1 ]; then
		kbuild clean >/dev/null
	fi
	out=$(mktemp)
	trap 'rm -f "$out"' EXIT
	kbuild "${args[@]}" 2>&1 | tee "$out"
	if [ "$strict" = 1 ] && [ -n "$(complaints "$out")" ]; then
		log "strict build: the output above has warnings"
		exit 1
	fi
}

main "$@"
