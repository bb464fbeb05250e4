/*
 * fc_arena.h - a bump allocator for the strings of one form.
 *
 * A form's strings are many and small and all die together, so they are
 * carved out of large chunks and released at once. An arena has a byte limit
 * so that no input can make one form grow without bound.
 */
#ifndef FC_ARENA_H
#define FC_ARENA_H

#include <stddef.h>

typedef struct fc_arena_chunk fc_arena_chunk;

/* An arena. Zero-initialise it or call fc_arena_init before use. */
typedef struct fc_arena {
    fc_arena_chunk *chunks; /* newest chunk first; NULL before the first allocation */
    size_t used;            /* bytes handed out since the last reset (for the limit) */
    size_t limit;           /* maximum bytes handed out before reset; 0 means no limit */
    int limit_hit;          /* an allocation was refused because of the limit (until reset) */
} fc_arena;

/* Prepares `arena` with a byte `limit` (0: unlimited). Allocates nothing. */
void fc_arena_init(fc_arena *arena, size_t limit);

/* Returns `size` bytes aligned for any type, owned by the arena, or NULL when
 * memory is exhausted or the limit would be passed. */
void *fc_arena_alloc(fc_arena *arena, size_t size);

/* Copies `len` bytes of `text` into the arena and appends a NUL. Returns the
 * copy (owned by the arena) or NULL as fc_arena_alloc. */
char *fc_arena_strndup(fc_arena *arena, const char *text, size_t len);

/* Forgets every allocation but keeps the first chunk for reuse, so a form
 * that is reset and refilled does not call malloc again. */
void fc_arena_reset(fc_arena *arena);

/* Frees every chunk. The arena may be reused after fc_arena_init. */
void fc_arena_free(fc_arena *arena);

#endif
