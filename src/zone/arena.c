/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The memory of one zone version: chunks handed out by bumping a pointer,
 * all freed at once, and a knot_mm_t on top for the node trie. */
#include "zone/zone_impl.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/error.h"

#if defined(__SANITIZE_ADDRESS__)
#define ARENA_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define ARENA_ASAN 1
#endif
#endif

#ifdef ARENA_ASAN
#include <sanitizer/asan_interface.h>
/* Poisoned bytes before every allocation, so that AddressSanitizer sees
 * a write past the end of one block into the next. */
#define ARENA_REDZONE 16
#define POISON(p, n) ASAN_POISON_MEMORY_REGION((p), (n))
#define UNPOISON(p, n) ASAN_UNPOISON_MEMORY_REGION((p), (n))
#else
#define ARENA_REDZONE 0
#define POISON(p, n) ((void)(p), (void)(n))
#define UNPOISON(p, n) ((void)(p), (void)(n))
#endif

/* Every block is aligned for pointers and 64-bit integers. */
#define ARENA_ALIGN 8

/*
 * Chunk sizes double from the first to the last, so a zone of a few
 * records (the built-in zones have two) costs one KiB and a big one few
 * chunks. The largest is above glibc's default mmap threshold (128 KiB):
 * such chunks are mapped on their own and go back to the system the
 * moment the zone is freed, instead of leaving holes in a malloc heap.
 */
#define ARENA_FIRST_CHUNK 1024
#define ARENA_LAST_CHUNK (256 * 1024)

/* What malloc adds to a block (its bookkeeping and rounding), left out of
 * a chunk's request so that a chunk fills whole pages. */
#define ARENA_MALLOC_SLACK 32

/* A block bigger than this gets a chunk of its own, so it never leaves
 * the rest of the current chunk unused. */
#define ARENA_BIG_BLOCK (ARENA_LAST_CHUNK / 4)

/* The header before each block of the knot_mm_t allocator: where the
 * block goes back when freed, NULL for a block too big to reuse. */
struct mm_header {
	struct zone_arena_bin *bin;
};

static size_t round_up(size_t n)
{
	return (n + ARENA_ALIGN - 1) & ~(size_t)(ARENA_ALIGN - 1);
}

void zone_arena_init(struct zone_arena *a)
{
	memset(a, 0, sizeof(*a));
	for (size_t i = 0; i < ZONE_ARENA_BINS; i++) {
		a->bins[i].size = (i + 1) * ARENA_ALIGN;
	}
}

static struct zone_arena_chunk *chunk_new(struct zone_arena *a, size_t size)
{
	struct zone_arena_chunk *c = malloc(sizeof(*c) + size);
	if (c == NULL) {
		return NULL;
	}
	c->size = size;
	POISON(c->data, size);
	a->chunk_bytes += size;
	return c;
}

/* A block of size bytes (rounded; asked of them usable) in a chunk of
 * its own, linked behind the current chunk so that the current one stays
 * in use. */
static void *alloc_big(struct zone_arena *a, size_t size, size_t asked)
{
	struct zone_arena_chunk *c = chunk_new(a, size + ARENA_REDZONE);
	if (c == NULL) {
		return NULL;
	}
	if (a->chunks != NULL) {
		c->next = a->chunks->next;
		a->chunks->next = c;
	} else {
		c->next = NULL;
		a->chunks = c;
	}
	uint8_t *p = (uint8_t *)c->data + ARENA_REDZONE;
	a->used_bytes += size;
	UNPOISON(p, asked);
	return p;
}

/* Starts a new current chunk with room for need bytes at least. */
static int grow(struct zone_arena *a, size_t need)
{
	size_t total = a->next_chunk > 0 ? a->next_chunk : ARENA_FIRST_CHUNK;
	while (total - ARENA_MALLOC_SLACK - sizeof(struct zone_arena_chunk) <
	       need) {
		total *= 2;
	}
	size_t size = total - ARENA_MALLOC_SLACK -
		      sizeof(struct zone_arena_chunk);
	struct zone_arena_chunk *c = chunk_new(a, size);
	if (c == NULL) {
		return ZG_ENOMEM;
	}
	c->next = a->chunks;
	a->chunks = c;
	a->pos = (uint8_t *)c->data;
	a->end = a->pos + size;
	a->next_chunk = total * 2 <= ARENA_LAST_CHUNK ? total * 2
							: ARENA_LAST_CHUNK;
	return 0;
}

void *zone_arena_alloc(struct zone_arena *a, size_t size)
{
	if (size > SIZE_MAX / 4) {
		return NULL;
	}
	size_t asked = size;
	size = round_up(size > 0 ? size : 1);
	size_t need = size + ARENA_REDZONE;
	if (a->pos == NULL || need > (size_t)(a->end - a->pos)) {
		if (need > ARENA_BIG_BLOCK) {
			return alloc_big(a, size, asked);
		}
		if (grow(a, need) != 0) {
			return NULL;
		}
	}
	uint8_t *p = a->pos + ARENA_REDZONE;
	a->pos += need;
	a->used_bytes += size;
	UNPOISON(p, asked);
	return p;
}

void zone_arena_free_all(struct zone_arena *a)
{
	struct zone_arena_chunk *c = a->chunks;
	while (c != NULL) {
		struct zone_arena_chunk *next = c->next;
		UNPOISON(c->data, c->size);
		free(c);
		c = next;
	}
	zone_arena_init(a);
}

/*
 * The knot_mm_t allocator. knot_mm_t's free gets no context and no size,
 * so each block carries a header naming its bin. The trie frees a branch's
 * array of children each time the branch grows by one (knot's mm_realloc
 * is alloc, copy, free); the bins hand those blocks to the next request
 * of the same size instead of leaving them unused.
 */
static void *arena_mm_alloc(void *ctx, size_t len)
{
	struct zone_arena *a = ctx;
	if (len > SIZE_MAX / 4) {
		return NULL;
	}
	size_t units = len > 0 ? (len + ARENA_ALIGN - 1) / ARENA_ALIGN : 1;
	struct zone_arena_bin *bin = units <= ZONE_ARENA_BINS
		? &a->bins[units - 1] : NULL;

	if (bin != NULL && bin->head != NULL) {
		void **block = bin->head;
		UNPOISON(block, sizeof(*block));
		bin->head = *block;
		POISON(block, bin->size);
		UNPOISON(block, len);
		return block;
	}

	struct mm_header *h = zone_arena_alloc(a, sizeof(*h) +
					       units * ARENA_ALIGN);
	if (h == NULL) {
		return NULL;
	}
	h->bin = bin;
	POISON(h, sizeof(*h) + units * ARENA_ALIGN);
	UNPOISON(h + 1, len);
	return h + 1;
}

static void arena_mm_free(void *p)
{
	if (p == NULL) {
		return;
	}
	struct mm_header *h = (struct mm_header *)p - 1;
	UNPOISON(h, sizeof(*h));
	struct zone_arena_bin *bin = h->bin;
	POISON(h, sizeof(*h));
	if (bin == NULL) {
		return;		/* too big to reuse: goes with the arena */
	}
	void **block = p;
	*block = bin->head;
	bin->head = block;
	POISON(block, bin->size);
}

void zone_arena_mm(struct zone_arena *a, knot_mm_t *mm)
{
	mm->ctx = a;
	mm->alloc = arena_mm_alloc;
	mm->free = arena_mm_free;
}
