// SPDX-License-Identifier: GPL-2.0
/*
 * The slab layer's debugging: red zones, poison, caller tracks, the
 * checks of an object and the reports of what they find (the
 * SLUB_DEBUG part of mm/slub.c).
 *
 * Debugging (parameter slab_debug, or the TOY_SLAB_* flags of a cache) adds
 * what slub_debug's F, Z, P and U add, in the same places:
 *
 *   | left red | object      | right red | free    | alloc | free  | orig | pad |
 *   |   zone   | object_size |   zone    | pointer | track | track | size |     |
 *              ^ the pointer the user gets
 *
 * Red zones hold 0xcc while the object is allocated and 0xbb while it is
 * free; a free object is poisoned with 0x6b and a last byte of 0xa5; the
 * padding holds 0x5a. The checks find a pointer that is not toy memory or
 * not an object start, a free into the wrong cache, a double free, an
 * overwritten red zone or padding, a write to a free object and a corrupt
 * free list. Each finding prints one report (cache, slab pfn and object
 * offset, what was found, the allocating and freeing callers; never a raw
 * pointer), is counted by class in debugfs "errors", and is repaired where
 * that is safe: a bad free is refused, clobbered bytes are restored, a
 * broken free list is cut at the break. The pointer checks (which slab,
 * which cache, object start, free-list head, free pointers followed) are
 * always on, as they cost little and keep a bad free from corrupting the
 * lists; walking the free list for double frees needs F, as in SLUB.
 *
 * Everything here works on one object under its cache lock; the cache
 * code (toy_slab.c) decides when to call it, as SLUB's
 * alloc_debug_processing() and free_debug_processing() are called.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/jiffies.h>
#include <linux/lockdep.h>
#include <linux/poison.h>
#include <linux/sched.h>
#include <linux/stackdepot.h>
#include <linux/stacktrace.h>
#include <linux/string.h>
#include <kunit/visibility.h>

#include "toy_internal.h"
#include "toy_slab.h"

/* Frames kept per allocating or freeing call when a stack depot exists. */
#define TOY_TRACK_DEPTH		16

atomic_long_t toy_slab_errors[TOY_NR_SLAB_ERRORS];

static bool toy_slab_depot;	/* stack_depot_init() succeeded */

const char *const toy_slab_error_names[] = {
	[TOY_SE_NOT_SLAB]	= "not a slab object",
	[TOY_SE_NOT_OBJECT]	= "not an object start",
	[TOY_SE_WRONG_CACHE]	= "wrong cache",
	[TOY_SE_DOUBLE_FREE]	= "double free",
	[TOY_SE_REDZONE]	= "red zone overwritten",
	[TOY_SE_POISON]		= "write after free",
	[TOY_SE_PADDING]	= "padding overwritten",
	[TOY_SE_FREELIST]	= "free list corrupt",
};
EXPORT_SYMBOL_IF_KUNIT(toy_slab_error_names);

static_assert(ARRAY_SIZE(toy_slab_error_names) == TOY_NR_SLAB_ERRORS);

/* Start the stack depot for the first cache that stores its callers. */
void toy_slab_depot_init(void)
{
	if (IS_ENABLED(CONFIG_STACKDEPOT) && !READ_ONCE(toy_slab_depot))
		WRITE_ONCE(toy_slab_depot, !stack_depot_init());
}

/* === Reports ============================================================== */

static void print_track(const char *what, const struct toy_track *t)
{
	if (!t->addr) {
		pr_err("  %s: never\n", what);
		return;
	}
	pr_err("  %s by %pS cpu %d pid %d %u ms ago\n", what, (void *)t->addr,
	       t->cpu, t->pid, jiffies_to_msecs(jiffies - t->when));
#ifdef CONFIG_STACKDEPOT
	if (t->handle)
		stack_depot_print(t->handle);
#endif
}

/*
 * Print one report of a finding about @object of @s (in @slab), count it
 * in class @err. The object is named by slab pfn, index and offset; its
 * callers come from its tracks when the cache stores them, and @caller is
 * who made the call that found it (0 for validate).
 */
__printf(6, 7)
void toy_slab_report(const struct toy_kmem_cache *s, const struct toy_page *slab,
		     void *object, enum toy_slab_error err, unsigned long caller,
		     const char *fmt, ...)
{
	struct va_format vaf;
	va_list args;

	atomic_long_inc(&toy_slab_errors[err]);
	va_start(args, fmt);
	vaf.fmt = fmt;
	vaf.va = &args;
	pr_err("slab error: %s: %s: object %u at pfn %lu offset %#lx: %pV\n",
	       s->name, toy_slab_error_names[err],
	       object_index(s, slab, object), toy_page_to_pfn(slab),
	       (unsigned long)(object - slab_address(slab)), &vaf);
	va_end(args);
	if (caller)
		pr_err("  found in a call from %pS\n", (void *)caller);
	if (s->flags & TOY_SLAB_STORE_USER) {
		if (orig_size_stored(s))
			pr_err("  object asked for %u of %u bytes\n",
			       *orig_size_ptr(s, object), s->object_size);
		print_track("allocated", get_track(s, object, TOY_TRACK_ALLOC));
		print_track("freed", get_track(s, object, TOY_TRACK_FREE));
	} else {
		pr_err("  callers not recorded: cache has no U (store user)\n");
	}
}

/* A report about a pointer that names no object of any cache. */
void toy_slab_bad_pointer(enum toy_slab_error err, const char *api,
			  const void *p, unsigned long caller)
{
	struct toy_page *page = toy_node_virt_to_page(&toy_node0, p);

	atomic_long_inc(&toy_slab_errors[err]);
	if (page)
		pr_err("slab error: %s: %s: pfn %lu offset %#lx, called from %pS\n",
		       api, toy_slab_error_names[err], toy_page_to_pfn(page),
		       offset_in_page(p), (void *)caller);
	else
		pr_err("slab error: %s: %s: not toy memory, called from %pS\n",
		       api, toy_slab_error_names[err], (void *)caller);
}

/* === Debugging: red zones, poison, tracks ================================= */

#ifdef CONFIG_STACKDEPOT
/*
 * The stack of the API call, from @addr (its caller) outwards: the frames
 * inside the toy are left out, however many the architecture shows.
 */
static depot_stack_handle_t save_stack(unsigned long addr)
{
	unsigned long entries[TOY_TRACK_DEPTH];
	unsigned int nr, i;

	nr = stack_trace_save(entries, ARRAY_SIZE(entries), 0);
	for (i = 0; i < nr && entries[i] != addr; i++)
		;
	if (i == nr)
		i = 0;
	return stack_depot_save(entries + i, nr - i, GFP_NOWAIT);
}
#endif

static void set_track(const struct toy_kmem_cache *s, void *object,
		      enum toy_track_item item, unsigned long addr)
{
	struct toy_track *t = get_track(s, object, item);

	t->addr = addr;
	t->cpu = raw_smp_processor_id();
	t->pid = current->pid;
	t->when = jiffies;
#ifdef CONFIG_STACKDEPOT
	t->handle = READ_ONCE(toy_slab_depot) ? save_stack(addr) : 0;
#endif
}

/*
 * Fill red zones with @val and poison the object (init_object()). As in
 * SLUB, an object is poisoned when it is handed out as well as when it
 * is freed: a user who reads memory it never wrote sees 0x6b, not what
 * the last user left.
 */
void toy_slab_init_object(const struct toy_kmem_cache *s, void *object, u8 val)
{
	if (s->flags & TOY_SLAB_RED_ZONE) {
		memset(object - s->red_left_pad, val, s->red_left_pad);
		memset(object + s->object_size, val,
		       s->meta_offset - s->object_size);
	}
	if (object_poison(s)) {
		memset(object, POISON_FREE, s->object_size - 1);
		((u8 *)object)[s->object_size - 1] = POISON_END;
	}
}

/*
 * Check that @bytes bytes at @start all hold @val; if not, report the
 * first bad byte as @err, restore the range if @repair and return false.
 */
static bool check_bytes(const struct toy_kmem_cache *s, struct toy_page *slab,
			void *object, enum toy_slab_error err, const char *what,
			u8 *start, u8 val, unsigned int bytes,
			unsigned long caller, bool repair)
{
	u8 *fault = memchr_inv(start, val, bytes);
	u8 *end;

	if (!fault)
		return true;
	end = start + bytes;
	while (end > fault && end[-1] == val)
		end--;
	toy_slab_report(s, slab, object, err, caller,
			"%s: bytes %+ld..%+ld from the object start, first %#04x, want %#04x%s",
			what, (long)(fault - (u8 *)object),
			(long)(end - 1 - (u8 *)object), *fault, val,
			repair ? "; restored" : "");
	if (repair)
		memset(start, val, bytes);
	return false;
}

/*
 * check_object() of mm/slub.c: the red zones hold @val, a free object is
 * still poisoned, the padding is intact. Each finding is reported and,
 * with @repair (as SLUB's restore_bytes() at every allocation and free),
 * repaired. Return the number of findings.
 */
unsigned int toy_slab_check_object(const struct toy_kmem_cache *s,
				   struct toy_page *slab, void *object, u8 val,
				   unsigned long caller, bool repair)
	__must_hold(&s->lock)
{
	u8 *p = object;
	unsigned int bad = 0;

	lockdep_assert_held(&s->lock);
	if (s->flags & TOY_SLAB_RED_ZONE) {
		bad += !check_bytes(s, slab, object, TOY_SE_REDZONE,
				    "left red zone", p - s->red_left_pad, val,
				    s->red_left_pad, caller, repair);
		bad += !check_bytes(s, slab, object, TOY_SE_REDZONE,
				    "right red zone", p + s->object_size, val,
				    s->meta_offset - s->object_size, caller,
				    repair);
	} else if ((s->flags & TOY_SLAB_POISON) &&
		   s->object_size < s->meta_offset) {
		/* No red zone: the alignment padding still holds 0x5a. */
		bad += !check_bytes(s, slab, object, TOY_SE_PADDING,
				    "alignment padding", p + s->object_size,
				    POISON_INUSE, s->meta_offset - s->object_size,
				    caller, repair);
	}
	if (object_poison(s) && val == SLUB_RED_INACTIVE) {
		bad += !check_bytes(s, slab, object, TOY_SE_POISON, "poison",
				    p, POISON_FREE, s->object_size - 1, caller,
				    repair);
		bad += !check_bytes(s, slab, object, TOY_SE_POISON,
				    "end of poison", p + s->object_size - 1,
				    POISON_END, 1, caller, repair);
	}
	if (s->flags & TOY_SLAB_POISON)
		bad += !check_bytes(s, slab, object, TOY_SE_PADDING, "padding",
				    p + pad_start(s), POISON_INUSE,
				    pad_end(s) - pad_start(s), caller, repair);
	return bad;
}

/* Is @object on @slab's free list? on_freelist(), for F. */
bool toy_slab_on_freelist(const struct toy_kmem_cache *s, struct toy_page *slab,
			  void *object)
	__must_hold(&s->lock)
{
	unsigned int n = 0;
	void *fp;

	lockdep_assert_held(&s->lock);
	for (fp = slab->freelist; fp && n <= slab->objects; n++) {
		if (fp == object)
			return true;
		if (!valid_object(s, slab, fp))
			return false;
		fp = get_freepointer(s, fp);
	}
	return false;
}

/* The debug work of an allocation, under the cache lock. */
void toy_slab_alloc_debug(const struct toy_kmem_cache *s, struct toy_page *slab,
			  void *object, unsigned long caller,
			  unsigned int orig_size)
	__must_hold(&s->lock)
{
	if (s->flags & TOY_SLAB_CONSISTENCY_CHECKS)
		toy_slab_check_object(s, slab, object, SLUB_RED_INACTIVE, caller, true);
	if (s->flags & TOY_SLAB_STORE_USER)
		set_track(s, object, TOY_TRACK_ALLOC, caller);
	if (orig_size_stored(s))
		*orig_size_ptr(s, object) = orig_size;
	toy_slab_init_object(s, object, SLUB_RED_ACTIVE);
}

/* The debug work of a free, under the cache lock. */
void toy_slab_free_debug(const struct toy_kmem_cache *s, struct toy_page *slab,
			 void *object, unsigned long caller)
	__must_hold(&s->lock)
{
	if (s->flags & TOY_SLAB_CONSISTENCY_CHECKS)
		toy_slab_check_object(s, slab, object, SLUB_RED_ACTIVE, caller, true);
	if (s->flags & TOY_SLAB_STORE_USER)
		set_track(s, object, TOY_TRACK_FREE, caller);
	toy_slab_init_object(s, object, SLUB_RED_INACTIVE);
}

/* A pointer in an array that is no object of the cache: drop it, say so. */
void toy_slab_stray(const struct toy_kmem_cache *s, const void *object,
		    bool dropped)
{
	struct toy_page *page = toy_node_virt_to_page(&toy_node0, object);
	const char *fix = dropped ? "; dropped" : "";

	atomic_long_inc(&toy_slab_errors[TOY_SE_FREELIST]);
	if (page)
		pr_err("slab error: %s: %s: a per-CPU array holds pfn %lu offset %#lx, no object of the cache%s\n",
		       s->name, toy_slab_error_names[TOY_SE_FREELIST],
		       toy_page_to_pfn(page), offset_in_page(object), fix);
	else
		pr_err("slab error: %s: %s: a per-CPU array holds a pointer out of toy memory%s\n",
		       s->name, toy_slab_error_names[TOY_SE_FREELIST], fix);
}
