#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make check-debian13: the README's two commands on a fresh Debian 13
# (trixie, kernel 6.12), on this machine, as a new user would run them.
#
# 1. A minimal trixie root, made once with debootstrap from Debian's
#    archive (minbase, plus git and make, which a user who cloned the
#    project has) and kept in $CACHE/debian13/base.
# 2. Every run starts from a fresh copy of it ($CACHE/debian13/root): no
#    package of ours, no build, no cache. Only the .debs apt downloads
#    ($CACHE/debian13/apt) and, unless --cold, the root's own
#    ~/.cache/toy_alloc ($CACHE/debian13/toy-cache: kernel builds) are
#    kept between runs, bound into the copy.
# 3. In mount and PID namespaces of its own (unshare: the mounts and every
#    process in the root end with it, also when the run is interrupted),
#    with /proc, /sys, /dev and /dev/shm mounted and this checkout bound
#    read-only at /mnt/toy_alloc, chroot into the copy, git clone the
#    committed HEAD to /root/toy_alloc, and run there, with no stdin and
#    CI=true as CI has it: `make run`, then `make check`.
# 4. Report: make run's status and the kernel it booted, make check's
#    closing line; one check each, then that closing line, last.
#    Logs: $CACHE/debian13/{run,check}.log.
#
# Usage: scripts/debian13.sh [--cold]
#   --cold  also drop the kept apt downloads and kernel builds first: the
#           run a new machine makes.
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"

D13=$CACHE/debian13
BASE=$D13/base
ROOT=$D13/root
MIRROR=${TOY_DEBIAN_MIRROR:-http://deb.debian.org/debian}
SECURITY=${TOY_DEBIAN_SECURITY:-http://deb.debian.org/debian-security}

# make_base: the debootstrapped trixie root, once.
make_base() {
	[ -f "$BASE/.built" ] && return 0
	apt_install debootstrap
	log "debootstrap trixie into $BASE (cold: a few minutes)"
	rm -rf "$BASE"
	mkdir -p "$BASE"
	debootstrap --variant=minbase --include=git,make,ca-certificates \
		trixie "$BASE" "$MIRROR" >"$D13/debootstrap.log" 2>&1 || {
		tail -20 "$D13/debootstrap.log" >&2
		die "debootstrap trixie failed (log: $D13/debootstrap.log)"
	}
	# The sources of a Debian 13 installed today: the release, its
	# updates and its security archive.
	cat >"$BASE/etc/apt/sources.list" <<-EOF
		deb $MIRROR trixie main
		deb $MIRROR trixie-updates main
		deb $SECURITY trixie-security main
	EOF
	touch "$BASE/.built"
}

# fresh_root: a new copy of the base, for this run.
fresh_root() {
	rm -rf "$ROOT"
	cp -a "$BASE" "$ROOT"
	mkdir -p "$D13/apt/partial" "$D13/toy-cache" "$ROOT/mnt/toy_alloc" \
		"$ROOT/root/.cache/toy_alloc"
	cp /etc/resolv.conf "$ROOT/etc/resolv.conf"
	# apt keeps the .debs it downloads (Debian's docker-clean-style
	# images do not; a plain install does).
	rm -f "$ROOT/etc/apt/apt.conf.d/docker-clean"
}

# The script run inside the root, as root, from /root.
inner() {
	cat <<-'EOF'
		set -u
		rm -rf /root/toy_alloc
		git -c safe.directory='*' clone -q /mnt/toy_alloc /root/toy_alloc || {
			echo "debian13: git clone of the checkout failed (a worktree or alternates pointing outside it?)"
			exit 90
		}
		cd /root/toy_alloc || exit 90
		git log -1 --format='debian13: at %h %s'
		t0=$(date +%s)
		make run </dev/null >/root/run.log 2>&1
		echo "debian13: make run status $? in $(($(date +%s) - t0)) s"
		t0=$(date +%s)
		make check </dev/null >/root/check.log 2>&1
		echo "debian13: make check status $? in $(($(date +%s) - t0)) s"
	EOF
}

# in_root: run inner() in the root, in mount and PID namespaces of its own.
in_root() {
	# shellcheck disable=SC2016 # expanded by the inner shell
	unshare --mount --propagation private --pid --fork --kill-child bash -c '
		set -e
		root=$1 top=$2 d13=$3
		mount -t proc proc "$root/proc"
		mount --rbind /sys "$root/sys"
		mount --rbind /dev "$root/dev"
		mount -t tmpfs -o mode=1777 tmpfs "$root/dev/shm"
		mount --bind "$top" "$root/mnt/toy_alloc"
		mount -o remount,bind,ro "$root/mnt/toy_alloc"
		mount --bind "$d13/apt" "$root/var/cache/apt/archives"
		mount --bind "$d13/toy-cache" "$root/root/.cache/toy_alloc"
		shift 3
		exec chroot "$root" /usr/bin/env -i HOME=/root \
			PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
			TERM=dumb LANG=C.UTF-8 CI=true /bin/bash -c "$1"
	' in_root "$ROOT" "$TOP" "$D13" "$(inner)"
}

main() {
	local t0 out run_st check_st closing kver
	case "${1:-}" in
	"") ;;
	--cold) ;;
	*) die "usage: debian13.sh [--cold]" ;;
	esac
	t0=$(now)
	mkdir -p "$D13"
	lock_work debian13
	exec 9>"$D13.lock"
	flock 9
	if [ "${1:-}" = --cold ]; then
		log "--cold: dropping the kept apt downloads and kernel builds"
		rm -rf "$D13/apt" "$D13/toy-cache"
	fi
	make_base
	fresh_root
	log "in the Debian 13 root: git clone, make run, make check (logs: $D13/run.log, $D13/check.log)"
	out=$(in_root) || true
	printf '%s\n' "$out" >&2
	cp "$ROOT/root/run.log" "$D13/run.log" 2>/dev/null || : >"$D13/run.log"
	cp "$ROOT/root/check.log" "$D13/check.log" 2>/dev/null || : >"$D13/check.log"
	run_st=$(sed -n 's/^debian13: make run status \([0-9]*\).*/\1/p' <<<"$out")
	check_st=$(sed -n 's/^debian13: make check status \([0-9]*\).*/\1/p' <<<"$out")
	kver=$(sed -n 's/^toy-vm: mode run, kernel \([^ ,]*\),.*/\1/p; T; q' \
		"$D13/run.log")
	closing=$(grep -aE '^[0-9]+ passed, [0-9]+ failed' "$D13/check.log" | tail -n 1 || true)
	if [ "${run_st:-x}" = 0 ] && [ -n "$kver" ] &&
		grep -q '^toy-vm: demo done' "$D13/run.log"; then
		result ok "debian13: make run ran the demo to its end on $kver"
	else
		tail -20 "$D13/run.log"
		result fail "debian13: make run (status ${run_st:-none}, ${kver:-no kernel booted})"
	fi
	if [ "${check_st:-x}" = 0 ] && [[ $closing == *" passed, 0 failed"* ]]; then
		result ok "debian13: make check: $closing"
	else
		grep -a '^not ok' "$D13/check.log" | head -20 || true
		result fail "debian13: make check (status ${check_st:-none}): ${closing:-no closing line}"
	fi
	log "debian13: $(($(now) - t0)) s in all"
	# The last line: the Debian 13 root's own closing line.
	echo "${closing:-no closing line from make check}"
	[ "$TOY_FAILS" -eq 0 ]
}

main "$@"
