// SPDX-License-Identifier: GPL-2.0
/*
 * ctlfuzz - throw random and mutated commands at toy_alloc's ctl file.
 *
 * Runs in the guest, built static. Each line is written with its own
 * open/write/close, so it starts at offset 0, unless the line is one of
 * the deliberately split ones. Lines come from four generators:
 *
 *  - grammar: a real verb with well-formed arguments, live handles read
 *    back from the handles file, handles known to be stale, edge numbers;
 *  - mutated: a grammar line with a byte flipped, dropped or duplicated,
 *    or an argument too many or too few;
 *  - raw: random bytes, NUL included;
 *  - odd writes: a line over one page, and a line split over two write()
 *    calls (the second lands at offset > 0 and must be refused).
 *
 * It counts the result of every write by errno and prints the table, each
 * errno by name, then "ctlfuzz: done". It does not judge: the caller
 * checks the kernel stayed healthy (validate, dmesg, panic_on_warn).
 *
 * poke is the one verb meant to corrupt (a test aid that writes a byte
 * anywhere in an object's slab), so a run that used it for real could not
 * end with validate finding nothing. By default a well-formed poke aims
 * 10^8 bytes or more away, past the largest block (4 MiB), and a byte
 * dropped or flipped leaves it past every slab (32 KiB at most): its
 * parsing and handle checks are fuzzed, no slab byte is written (at worst
 * a byte of a large kmalloc block's data, which holds no metadata). -P
 * lets pokes land anywhere from -32 to 31.
 *
 * usage: ctlfuzz [-n LINES] [-s SEED] [-d DEBUGFS_DIR] [-P] [-v]
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#define MAX_LINE	(3 * 4096)
#define MAX_IDS		256
#define MAX_ERRNO	256

static const char *const verbs[] = {
	"alloc", "free", "kmalloc", "kcalloc", "kfree", "krealloc", "which",
	"cache_create", "cache_alloc", "cache_free", "cache_shrink",
	"cache_destroy", "validate", "poke", "kmap", "kunmap", "kmap_local",
	"kunmap_local", "page_address", "vmalloc", "vfree", "write", "read",
	"drain",
};

#define NR_VERBS ARRAY_SIZE(verbs)

static const char *const edge_numbers[] = {
	"0", "1", "2", "3", "4", "7", "8", "9", "10", "11", "12", "16", "95",
	"96", "97", "192", "193", "4095", "4096", "4097", "8191", "8192",
	"8193", "65536", "1048576", "2147483647", "2147483648", "4294967295",
	"4294967296", "18446744073709551615", "18446744073709551616",
	"-1", "-0", "+1", "0x10", "010", "1e3", "", "  ", "9999999999999999999999",
};

#define NR_EDGES ARRAY_SIZE(edge_numbers)

static const char *const words[] = {
	"normal", "highmem", "dma", "atomic", "cache", "movable",
	"reclaimable", "zero", "debug",
	"kmalloc-64", "kmalloc-8k",
	"fuzz", "fuzz_cache", "a", "A-b_c.9", "x\ty", "..", "/", "%s%n",
	"0123456789012345678901234567890123456789",
};

#define NR_WORDS ARRAY_SIZE(words)

static const char *dir = "/sys/kernel/debug/toy_alloc";
static unsigned long long rnd_state = 1;
static unsigned long counts[MAX_ERRNO];
static int live[MAX_IDS], nr_live;
static int stale[MAX_IDS], nr_stale;
static int verbose, real_pokes;
static unsigned long nr_writes, nr_split;

/* Names of the errnos a ctl write may give; others print as a number. */
static const char *const errno_names[] = {
	[EPERM] = "EPERM", [ENOENT] = "ENOENT", [EIO] = "EIO",
	[E2BIG] = "E2BIG", [EBADF] = "EBADF", [EAGAIN] = "EAGAIN",
	[ENOMEM] = "ENOMEM", [EACCES] = "EACCES", [EFAULT] = "EFAULT",
	[EBUSY] = "EBUSY", [EEXIST] = "EEXIST", [ENODEV] = "ENODEV",
	[EINVAL] = "EINVAL", [ENOTTY] = "ENOTTY", [EFBIG] = "EFBIG",
	[ENOSPC] = "ENOSPC", [ESPIPE] = "ESPIPE", [ERANGE] = "ERANGE",
	[ENAMETOOLONG] = "ENAMETOOLONG", [EOVERFLOW] = "EOVERFLOW",
	[EILSEQ] = "EILSEQ", [EUCLEAN] = "EUCLEAN",
};

static unsigned int rnd(void)
{
	/* xorshift64*: small, seedable, good enough for fuzzing */
	rnd_state ^= rnd_state >> 12;
	rnd_state ^= rnd_state << 25;
	rnd_state ^= rnd_state >> 27;
	return (unsigned int)((rnd_state * 2685821657736338717ULL) >> 32);
}

static unsigned int pick(unsigned int n)
{
	return n ? rnd() % n : 0;
}

/* Read the live handle ids; ids that vanished since become stale ones. */
static void refresh_handles(void)
{
	char path[256], line[256];
	int old[MAX_IDS], nr_old = nr_live, i, j;
	FILE *f;

	memcpy(old, live, sizeof(old));
	nr_live = 0;
	snprintf(path, sizeof(path), "%s/handles", dir);
	f = fopen(path, "r");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f) && nr_live < MAX_IDS)
		if (line[0] != '#')
			live[nr_live++] = atoi(line);
	fclose(f);
	for (i = 0; i < nr_old; i++) {
		for (j = 0; j < nr_live && live[j] != old[i]; j++)
			;
		if (j == nr_live && nr_stale < MAX_IDS)
			stale[nr_stale++] = old[i];
	}
}

static const char *handle_arg(char *buf, size_t len)
{
	unsigned int r = pick(10);

	if (r < 6 && nr_live)
		snprintf(buf, len, "%d", live[pick(nr_live)]);
	else if (r < 8 && nr_stale)
		snprintf(buf, len, "%d", stale[pick(nr_stale)]);
	else
		return edge_numbers[pick(NR_EDGES)];
	return buf;
}

static const char *any_arg(char *buf, size_t len)
{
	switch (pick(4)) {
	case 0:
		return handle_arg(buf, len);
	case 1:
		return words[pick(NR_WORDS)];
	case 2:
		snprintf(buf, len, "%u", pick(20));
		return buf;
	default:
		return edge_numbers[pick(NR_EDGES)];
	}
}

/* "alloc ORDER" and its words, in either order: a zone, atomic, cache. */
static size_t alloc_line(char *out, size_t len)
{
	static const char *const zone[] = { "", " normal", " highmem", " dma" };
	static const char *const mobility[] = { "", " movable", " reclaimable", " cache" };

	if (pick(4) == 0)
		return snprintf(out, len, "alloc %u%s%s", pick(12),
				pick(2) ? " cache" : " atomic", zone[pick(4)]);
	return snprintf(out, len, "alloc %u%s%s%s", pick(12),
			pick(2) ? zone[pick(4)] : "", mobility[pick(4)],
			pick(3) ? "" : " atomic");
}

/* A well-formed command, most of the time with sensible values. */
static size_t grammar_line(char *out, size_t len)
{
	const char *verb = verbs[pick(NR_VERBS)];
	char a[2][64];
	size_t n;

	if (!strcmp(verb, "alloc"))
		n = alloc_line(out, len);
	else if (!strcmp(verb, "kmalloc") || !strcmp(verb, "vmalloc") ||
		 !strcmp(verb, "which"))
		n = snprintf(out, len, "%s %u", verb,
			     pick(3) ? pick(9000) : pick(1 << 21));
	else if (!strcmp(verb, "kcalloc"))
		n = snprintf(out, len, "kcalloc %s %s",
			     pick(2) ? any_arg(a[0], sizeof(a[0])) : "3",
			     pick(2) ? any_arg(a[1], sizeof(a[1])) : "100");
	else if (!strcmp(verb, "cache_create"))
		n = snprintf(out, len, "cache_create fuzz%u %u %u%s", pick(4),
			     1 + pick(600), 1u << pick(8), pick(2) ? " debug" : "");
	else if (!strncmp(verb, "cache_", 6) && strcmp(verb, "cache_free"))
		n = snprintf(out, len, "%s fuzz%u", verb, pick(4));
	else if (!strcmp(verb, "validate"))
		n = snprintf(out, len, pick(4) ? "validate" : "validate repair");
	else if (!strcmp(verb, "drain"))
		n = snprintf(out, len, "drain");
	else if (!strcmp(verb, "krealloc"))
		n = snprintf(out, len, "krealloc %s %u",
			     handle_arg(a[0], sizeof(a[0])), pick(9000));
	else if (!strcmp(verb, "read"))
		n = snprintf(out, len, "read %s %u %s",
			     handle_arg(a[0], sizeof(a[0])), pick(5000),
			     any_arg(a[1], sizeof(a[1])));
	else if (!strcmp(verb, "write"))
		n = snprintf(out, len, "write %s %u fuzzed-text",
			     handle_arg(a[0], sizeof(a[0])), pick(5000));
	else if (!strcmp(verb, "poke") && real_pokes)
		n = snprintf(out, len, "poke %s %d %u",
			     handle_arg(a[0], sizeof(a[0])), (int)pick(64) - 32,
			     pick(256));
	else if (!strcmp(verb, "poke"))	/* far outside: see the top */
		n = snprintf(out, len, "poke %s %s%u %u",
			     handle_arg(a[0], sizeof(a[0])), pick(2) ? "-" : "",
			     100000000 + pick(1000000000), pick(256));
	else
		n = snprintf(out, len, "%s %s", verb,
			     handle_arg(a[0], sizeof(a[0])));
	if (pick(4) == 0)
		n += snprintf(out + n, len - n, "\n");
	return n < len ? n : len - 1;
}

static size_t mutated_line(char *out, size_t len)
{
	size_t n = grammar_line(out, len / 2), i;
	char a[64];

	switch (pick(5)) {
	case 0:	/* flip a byte */
		if (n)
			out[pick(n)] ^= 1 << pick(8);
		break;
	case 1:	/* drop a byte */
		if (n) {
			i = pick(n);
			memmove(out + i, out + i + 1, n - i);
			n--;
		}
		break;
	case 2:	/* duplicate the line's tail */
		i = pick(n + 1);
		memcpy(out + n, out + i, n - i);
		n += n - i;
		break;
	case 3:	/* one argument too many */
		n += snprintf(out + n, len - n, " %s", any_arg(a, sizeof(a)));
		break;
	default: /* cut after the verb */
		for (i = 0; i < n && out[i] != ' '; i++)
			;
		n = i;
		break;
	}
	return n;
}

static size_t raw_line(char *out, size_t len)
{
	size_t n = pick(pick(8) ? 64 : len), i;

	for (i = 0; i < n; i++)
		out[i] = pick(3) ? (char)(' ' + pick(95)) : (char)pick(256);
	return n;
}

static void count(ssize_t ret, size_t n)
{
	nr_writes++;
	int e = ret < 0 ? errno : 0;

	if (ret >= 0 && (size_t)ret != n)
		e = MAX_ERRNO - 1;	/* short write: counted apart */
	counts[e < MAX_ERRNO ? e : MAX_ERRNO - 1]++;
}

static void write_line(const char *line, size_t n, int split)
{
	char path[256];
	int fd;

	snprintf(path, sizeof(path), "%s/ctl", dir);
	fd = open(path, O_WRONLY);
	if (fd < 0) {
		perror(path);
		exit(2);
	}
	if (verbose)
		fprintf(stderr, "> %.*s\n", (int)(n > 80 ? 80 : n), line);
	if (split && n > 1) {
		size_t first = 1 + pick(n - 1);

		nr_split++;
		count(write(fd, line, first), first);
		count(write(fd, line + first, n - first), n - first);
	} else {
		count(write(fd, line, n), n);
	}
	close(fd);
}

/* One line per result seen: "  EINVAL  1234  Invalid argument". */
static void print_counts(void)
{
	const char *name;
	char num[16];
	int e;

	for (e = 0; e < MAX_ERRNO; e++) {
		if (!counts[e])
			continue;
		if (e == 0) {
			printf("  %-12s %8lu\n", "ok", counts[e]);
			continue;
		}
		if (e == MAX_ERRNO - 1) {
			printf("  %-12s %8lu  short write or errno >= %d\n",
			       "other", counts[e], MAX_ERRNO - 1);
			continue;
		}
		name = (size_t)e < ARRAY_SIZE(errno_names) ? errno_names[e] : NULL;
		if (!name) {
			snprintf(num, sizeof(num), "errno %d", e);
			name = num;
		}
		printf("  %-12s %8lu  %s\n", name, counts[e], strerror(e));
	}
}

int main(int argc, char **argv)
{
	static char line[MAX_LINE];
	unsigned long long seed = 1;
	unsigned long lines = 10000, i;
	int opt;

	while ((opt = getopt(argc, argv, "n:s:d:Pv")) != -1) {
		switch (opt) {
		case 'n':
			lines = strtoul(optarg, NULL, 0);
			break;
		case 's':
			seed = strtoull(optarg, NULL, 0);
			break;
		case 'd':
			dir = optarg;
			break;
		case 'P':
			real_pokes = 1;
			break;
		case 'v':
			verbose = 1;
			break;
		default:
			fprintf(stderr, "usage: %s [-n LINES] [-s SEED] [-d DIR] [-P] [-v]\n",
				argv[0]);
			return 2;
		}
	}

	rnd_state = seed | 1;
	for (i = 0; i < lines; i++) {
		unsigned int kind = pick(100);
		size_t n;

		if (i % 16 == 0)
			refresh_handles();
		if (kind < 55)
			n = grammar_line(line, sizeof(line));
		else if (kind < 80)
			n = mutated_line(line, sizeof(line));
		else if (kind < 95)
			n = raw_line(line, 200);
		else
			n = raw_line(line, sizeof(line));
		write_line(line, n, kind % 7 == 0);
	}

	printf("ctlfuzz: %lu lines (%lu split in two), %lu writes, seed %llu%s\n",
	       i, nr_split, nr_writes, seed, real_pokes ? ", real pokes" : "");
	print_counts();
	printf("ctlfuzz: done\n");
	return 0;
}
