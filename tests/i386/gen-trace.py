#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Make the seeded kmap/kunmap trace of the i386 differential test.

The trace is a list of operations on page indices 0 .. PAGES-1: "m N"
kmaps page N, "u N" kunmaps it. It is built so that it never makes a
kmap sleep: a kmap of a page without a user is issued only while fewer
than SLOTS distinct pages have users, so the window always has a slot
with count 0 or 1 for it. Within that, it drives the number of mapped
pages up to a full window and down again several times, so the slot scan
wraps and flushes, skips busy slots, reuses the slots of pages unmapped
but not yet flushed, and nests kmaps of one page.

Writes trace.txt (one operation a line) and trace.h (the same as a C
array for the test module) into OUTDIR, and prints a one-line summary.
"""
import argparse
import random
import sys

UNMAP = 0x8000


def generate(seed, pages, slots, min_ops):
    rnd = random.Random(seed)
    users = [0] * pages
    live = []                   # pages with users, for random picks
    where = {}                  # page -> index in live
    fresh = list(range(pages))  # never mapped yet, in random order
    rnd.shuffle(fresh)
    recent = []                 # unmapped lately: their slots may linger
    ops = []

    def add_live(p):
        where[p] = len(live)
        live.append(p)

    def drop_live(p):
        i = where.pop(p)
        last = live.pop()
        if last != p:
            live[i] = last
            where[last] = i

    def kmap(p):
        if users[p] == 0:
            assert len(live) < slots, "a kmap that would sleep"
            add_live(p)
        users[p] += 1
        ops.append(p)

    def kunmap(p):
        users[p] -= 1
        if users[p] == 0:
            drop_live(p)
            recent.append(p)
            if len(recent) > 64:
                recent.pop(0)
        ops.append(p | UNMAP)

    def pick_new():
        if fresh:
            return fresh.pop()
        for _ in range(8):
            p = rnd.randrange(pages)
            if users[p] == 0:
                return p
        return None

    def one_map():
        r = rnd.random()
        if live and r < 0.15:
            kmap(rnd.choice(live))          # nested: count n -> n + 1
            return
        if len(live) >= slots:
            return                          # only nesting keeps going
        if recent and r < 0.35:
            p = recent.pop(rnd.randrange(len(recent)))
            if users[p] == 0:
                kmap(p)                     # its slot may still be count 1
                return
        p = pick_new()
        if p is not None:
            kmap(p)

    # Live-page targets: up to a full window and down, several times.
    targets = [40, slots // 3, slots - 4, 20, slots, 3, slots * 2 // 3,
               slots, 0]
    for target in targets:
        steps = 0
        while steps < 4 * slots:
            steps += 1
            if len(live) == target and rnd.random() < 0.8:
                break
            up = len(live) < target
            if rnd.random() < 0.15:
                up = not up                 # noise around the walk
            if up or not live:
                one_map()
            else:
                kunmap(rnd.choice(live))
    while len(ops) < min_ops - len(live) or len(live) > 0:
        if len(ops) < min_ops - sum(users) and rnd.random() < 0.5:
            one_map()
        elif live:
            kunmap(rnd.choice(live))
        else:
            one_map()
    return ops


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seed", type=int, default=5)
    ap.add_argument("--pages", type=int, default=2048)
    ap.add_argument("--slots", type=int, default=1024)
    ap.add_argument("--ops", type=int, default=6000)
    ap.add_argument("outdir")
    a = ap.parse_args()
    if not 0 < a.pages < UNMAP:
        sys.exit("gen-trace: --pages must be 1 .. 32767")
    ops = generate(a.seed, a.pages, a.slots, a.ops)

    # Check what the test promises, independently of how it was built.
    users = [0] * a.pages
    live = peak = maps = 0
    for op in ops:
        p = op & ~UNMAP
        if op & UNMAP:
            assert users[p] > 0, "kunmap of an unmapped page"
            users[p] -= 1
            live -= users[p] == 0
        else:
            assert users[p] > 0 or live < a.slots, "kmap would sleep"
            live += users[p] == 0
            users[p] += 1
            maps += 1
        peak = max(peak, live)
    used = len({op & ~UNMAP for op in ops})
    assert live == 0 and not any(users), "trace does not end unmapped"
    if len(ops) < 5000 or used < 2000:
        sys.exit(f"gen-trace: {len(ops)} ops over {used} pages: too few")

    with open(f"{a.outdir}/trace.txt", "w") as f:
        for op in ops:
            f.write(f"{'u' if op & UNMAP else 'm'} {op & ~UNMAP}\n")
    with open(f"{a.outdir}/trace.h", "w") as f:
        f.write("/* SPDX-License-Identifier: GPL-2.0 */\n")
        f.write("/* Generated by tests/i386/gen-trace.py; do not edit. */\n")
        f.write(f"#define TRACE_SEED\t{a.seed}\n#define TRACE_PAGES\t{a.pages}\n")
        f.write(f"#define TRACE_SLOTS\t{a.slots}\n#define TRACE_OPS\t{len(ops)}\n")
        f.write("#define TRACE_UNMAP\t0x8000\n")
        f.write("static const u16 trace_ops[TRACE_OPS] = {\n")
        for i in range(0, len(ops), 12):
            f.write("\t" + ", ".join(f"{op:#06x}" for op in ops[i:i + 12]) + ",\n")
        f.write("};\n")
    print(f"trace: seed {a.seed}, {len(ops)} ops ({maps} kmaps), {used} pages, "
          f"{a.slots} slots, at most {peak} pages mapped at once")


if __name__ == "__main__":
    main()
