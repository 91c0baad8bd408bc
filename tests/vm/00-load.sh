#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# insmod with the defaults makes the debugfs directory; rmmod removes it.
# The first load also prints the kernel's taint lines, out of the way of the
# "exactly one dmesg line" checks that follow.
# shellcheck source=tests/vm/lib.sh
. "${0%/*}/lib.sh"

if load; then ok "insmod toy_alloc.ko"; else fail "insmod toy_alloc.ko: $LOAD_ERR"; fi
expect "debugfs directory $D exists" test -d "$D"
for f in buddyinfo meminfo pagemap handles stats ctl \
	extfrag/unusable_index extfrag/extfrag_index; do
	expect "debugfs file $f exists" test -e "$D/$f"
done
expect "meminfo says MemTotal 65536 kB (mem_mb=64)" \
	grep -qE '^MemTotal: +65536 kB$' "$D/meminfo"
expect "meminfo says HighTotal 16384 kB (highmem_mb=16)" \
	grep -qE '^HighTotal: +16384 kB$' "$D/meminfo"
expect "buddyinfo lists zone Normal" grep -q '^Node 0, zone   Normal ' "$D/buddyinfo"
expect "buddyinfo lists zone HighMem" grep -q '^Node 0, zone  HighMem ' "$D/buddyinfo"
expect "rmmod toy_alloc" unload
expect "debugfs directory gone after rmmod" test ! -e "$D"
