#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Bad module parameters: insmod fails with EINVAL or ENOMEM and exactly one
# dmesg line says why.
# shellcheck source=tests/vm/lib.sh
. "${0%/*}/lib.sh"

bad_params() {
	_desc="insmod $* fails with one dmesg line"
	mark
	if load "$@"; then
		fail "$_desc: it loaded"
		unload
		return
	fi
	case "$LOAD_ERR" in
	*"Invalid argument"* | *"Cannot allocate memory"*) ;;
	*) fail "$_desc: not EINVAL/ENOMEM: $LOAD_ERR"; return ;;
	esac
	_n=$(new_dmesg_lines)
	if [ "$_n" -eq 1 ]; then
		ok "$_desc ($(new_dmesg | sed 's/^\[[^]]*\] //'))"
	else
		fail "$_desc: $_n new dmesg lines"
		new_dmesg
	fi
}

bad_params mem_mb=0
bad_params mem_mb=6
bad_params mem_mb=64 highmem_mb=64
bad_params mem_mb=64 highmem_mb=6
bad_params mem_mb=1000000

if load mem_mb=8 highmem_mb=0; then
	ok "insmod mem_mb=8 highmem_mb=0 (no HighMem zone) loads"
	expect "meminfo says HighTotal 0 kB" grep -qE '^HighTotal: +0 kB$' "$D/meminfo"
	unload
else
	fail "insmod mem_mb=8 highmem_mb=0: $LOAD_ERR"
fi
