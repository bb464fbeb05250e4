/*
 * fc_arena.c - chunked bump allocator.
 */
#include "fc_arena.h"

#include <stdalign.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Size of an ordinary chunk; larger requests get a chunk of their own. */
#define ARENA_CHUNK_SIZE (16 * 1024)

struct fc_arena_chunk {
    fc_arena_chunk *next; /* the chunk allocated before this one */
    size_t size;          /* usable bytes in data[] */
    size_t used;          /* bytes of data[] handed out */
    alignas(max_align_t) unsigned char data[]; /* the storage */
};

void fc_arena_init(fc_arena *arena, size_t limit)
{
    arena->chunks = NULL;
    arena->used = 0;
    arena->limit = limit;
    arena->limit_hit = 0;
}

void *fc_arena_alloc(fc_arena *arena, size_t size)
{
    const size_t align = alignof(max_align_t);
    size_t rounded = (size + align - 1) & ~(align - 1);
    if (rounded < size)
        return NULL;
    if (arena->limit && (rounded > arena->limit || arena->used > arena->limit - rounded)) {
        arena->limit_hit = 1;
        return NULL;
    }
    fc_arena_chunk *chunk = arena->chunks;
    if (!chunk || chunk->size - chunk->used < rounded) {
        size_t want = rounded > ARENA_CHUNK_SIZE ? rounded : ARENA_CHUNK_SIZE;
        if (want > SIZE_MAX - sizeof(fc_arena_chunk))
            return NULL;
        fc_arena_chunk *fresh = malloc(sizeof(fc_arena_chunk) + want);
        if (!fresh)
            return NULL;
        fresh->size = want;
        fresh->used = 0;
        if (chunk && want > ARENA_CHUNK_SIZE) {
            /* A big one-off: keep the current chunk in front for small requests. */
            fresh->next = chunk->next;
            chunk->next = fresh;
            fresh->used = rounded;
            arena->used += rounded;
            return fresh->data;
        }
        fresh->next = chunk;
        arena->chunks = fresh;
        chunk = fresh;
    }
    void *out = chunk->data + chunk->used;
    chunk->used += rounded;
    arena->used += rounded;
    return out;
}

char *fc_arena_strndup(fc_arena *arena, const char *text, size_t len)
{
    if (len == SIZE_MAX)
        return NULL;
    char *copy = fc_arena_alloc(arena, len + 1);
    if (!copy)
        return NULL;
    if (len)
        memcpy(copy, text, len);
    copy[len] = '\0';
    return copy;
}

void fc_arena_reset(fc_arena *arena)
{
    fc_arena_chunk *keep = NULL;
    fc_arena_chunk *chunk = arena->chunks;
    while (chunk) {
        fc_arena_chunk *next = chunk->next;
        if (!keep && chunk->size == ARENA_CHUNK_SIZE) {
            keep = chunk;
            keep->used = 0;
            keep->next = NULL;
        } else {
            free(chunk);
        }
        chunk = next;
    }
    arena->chunks = keep;
    arena->used = 0;
    arena->limit_hit = 0;
}

void fc_arena_free(fc_arena *arena)
{
    fc_arena_chunk *chunk = arena->chunks;
    while (chunk) {
        fc_arena_chunk *next = chunk->next;
        free(chunk);
        chunk = next;
    }
    arena->chunks = NULL;
    arena->used = 0;
}
