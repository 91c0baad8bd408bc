#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Last: nothing in the whole run, boot included, made the kernel warn, BUG
# or oops (run.sh scans each file's part of the log on its own too).
# shellcheck source=tests/vm/lib.sh
. "${0%/*}/lib.sh"

s=$(splats)
if [ -z "$s" ]; then
	ok "dmesg free of WARNING/BUG/Oops/Call Trace"
else
	fail "dmesg free of WARNING/BUG/Oops/Call Trace"
	dmesg | grep -E -B2 -A20 "$SPLAT_RE" | head -n 60
fi
