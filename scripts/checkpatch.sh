#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The source tree's checkpatch.pl, --strict, on every .c and .h of the module.
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"

main() {
	local src files=()
	deps
	src=$(src_dir)
	mapfile -t files < <(cd "$TOP" && find . -path ./.git -prune -o \
		-name '*.[ch]' ! -name '*.mod.c' -print | sort)
	[ "${#files[@]}" -gt 0 ] || die "no .c or .h files"
	cd "$TOP"
	"$src/scripts/checkpatch.pl" --no-tree --strict --terse -f "${files[@]}"
}

main "$@"
