# SPDX-License-Identifier: GPL-2.0
#
# The entry point for people and CI. Kbuild (beside this file) is what the
# kernel's build system reads; this Makefile only drives the scripts.
#
#   make              toy_alloc.ko against Debian's headers (KDIR= overrides;
#                     W=1, C=1/2 pass through to kbuild)
#   make kunit        UML kernel + KUnit suites, KTAP parsed by kunit.py
#   make vm-test      Debian's kernel under QEMU runs tests/vm/
#   make check        all of the above + tests/tools/; last line "N passed, N failed"
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

SHELL := /bin/bash
S := scripts

# Pass kbuild's knobs through when given on the command line.
KBUILD_VARS := $(foreach v,W C KDIR V,$(if $(filter command line,$(origin $(v))),$(v)=$($(v))))

.PHONY: all modules clean kunit vm-test check run shell sparse checkpatch \
	bench i386-test stress lint deps help

all modules:
	@$(S)/build.sh $(KBUILD_VARS)

clean:
	@$(S)/build.sh clean

kunit:
	@$(S)/kunit.sh

vm-test:
	@$(S)/vm.sh test

check:
	@$(S)/check.sh

run:
	@$(S)/vm.sh run

shell:
	@$(S)/vm.sh shell

sparse:
	@$(S)/build.sh --strict C=2 $(filter-out C=%,$(KBUILD_VARS))

checkpatch:
	@$(S)/checkpatch.sh

bench:
	@$(S)/bench.sh $(BENCH_ARGS)

i386-test:
	@$(S)/i386-test.sh

lint:
	@shellcheck -x $(S)/*.sh $(S)/guest/init $(S)/guest/demo.sh \
		tests/vm/*.sh tests/uml/init tools/bench/guest-init.sh .ci/run

deps:
	@$(S)/deps.sh

help:
	@sed -n '3,20s/^# \{0,1\}//p' Makefile
