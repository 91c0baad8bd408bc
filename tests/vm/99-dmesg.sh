#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Last: nothing in the whole run made the kernel warn, BUG or oops.
# shellcheck source=tests/vm/lib.sh
. "${0%/*}/lib.sh"

s=$(splats)
if [ -z "$s" ]; then
	ok "dmesg free of WARNING/BUG/Oops/Call Trace"
else
	fail "dmesg free of WARNING/BUG/Oops/Call Trace"
	dmesg | grep -E -B2 -A20 'WARNING:|BUG:|Oops|Call Trace|Kernel panic' | head -n 60
fi
