# SPDX-License-Identifier: GPL-2.0
#
# The entry point for people and CI. Kbuild (beside this file) is what the
# kernel's build system reads; this Makefile only drives the scripts.
#
#   make              toy_alloc.ko against Debian's headers (KDIR= overrides;
#                     W=1, C=1/2 pass through to kbuild)
#   make kunit        UML kernel + KUnit suites, KTAP parsed by kunit.py
#   make vm-test      Debian's kernel under QEMU runs tests/vm/
#   make check        all of the above + tests/tools/, i386, bench smoke, a 20 s
#                     stress and a 10,000-line fuzz; last line "N passed, N failed"
#   make check-all    make check + KUnit, vm-test and i386 on 6.12, vm-test on 6.12-rt
#   make check-debian13  the two commands in a fresh Debian 13 root (debootstrap,
#                     chroot): make run, then make check; not part of make check
#   make stress       -smp 4, toy_stress for STRESS_SECONDS (20) with
#                     STRESS_THREADS kthreads (one per CPU)
#   make fuzz         tools/ctlfuzz: FUZZ_LINES (10000) lines, seed FUZZ_SEED (1),
#                     guest with panic_on_warn=1
#   make compare      tools/slabcmp in the guest: the toy's slabinfo beside the real
#   make run          the narrated demo in QEMU (no input, ends by itself)
#   make shell        QEMU with the module loaded and a shell on the console
#   make sparse       C=2 with Debian's sparse; any warning fails
#   make checkpatch   the tree's checkpatch.pl --strict on every .c/.h
#   make i386-test    the kmap window against a real i386 HIGHMEM kernel
#   make bench        scripts/bench.sh $(BENCH_ARGS): the toy against the kernel
#   make lint         shellcheck on the harness's scripts
#   make clean        kbuild clean in the checkout
#
# Kernel builds, the unpacked source and work files live in
# ~/.cache/toy_alloc/ (TOY_CACHE= overrides), keyed by version and config.
# The kernel is the host archive's (linux-image-amd64's: 6.1 on Debian 12,
# 6.12 on Debian 13) and its series' linux-source builds the UML and i386
# kernels. TOY_KVER=6.12 (or 6.12-rt, or a release) picks another Debian
# kernel, and its series, for every target, installing what it needs.

SHELL := /bin/bash
S := scripts

# Pass kbuild's knobs through when given on the command line.
KBUILD_VARS := $(foreach v,W C KDIR V,$(if $(filter command line,$(origin $(v))),$(v)=$($(v))))

# The knobs of the QEMU targets, from the command line or the environment.
VM_VARS := $(foreach v,STRESS_SECONDS STRESS_THREADS FUZZ_LINES FUZZ_SEED TOY_KVER,$(if $($(v)),$(v)='$($(v))'))

.PHONY: all modules clean kunit vm-test check check-all run shell sparse \
	checkpatch bench i386-test stress fuzz compare lint deps help \
	check-debian13

all modules:
	@$(S)/build.sh $(KBUILD_VARS)

clean:
	@$(S)/build.sh clean

kunit:
	@$(S)/kunit.sh

vm-test:
	@$(VM_VARS) $(S)/vm.sh test

check:
	@$(S)/check.sh

check-all:
	@$(S)/check.sh --all

check-debian13:
	@$(S)/debian13.sh $(if $(COLD),--cold)

stress:
	@$(VM_VARS) $(S)/vm.sh stress

fuzz:
	@$(VM_VARS) $(S)/vm.sh fuzz

compare:
	@$(VM_VARS) $(S)/vm.sh compare

run:
	@$(VM_VARS) $(S)/vm.sh run

shell:
	@$(VM_VARS) $(S)/vm.sh shell

sparse:
	@$(S)/build.sh --strict C=2 $(filter-out C=%,$(KBUILD_VARS))

checkpatch:
	@$(S)/checkpatch.sh

bench:
	@$(S)/bench.sh $(BENCH_ARGS)

i386-test:
	@$(S)/i386-test.sh

lint:
	@shellcheck -x $(S)/*.sh $(S)/guest/* \
		tests/vm/*.sh tests/tools/*.sh tools/slabcmp/slabcmp \
		.ci/run

deps:
	@$(S)/deps.sh

help:
	@sed -n '3,/^$$/s/^# \{0,1\}//p' Makefile
