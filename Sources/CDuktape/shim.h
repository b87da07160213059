#ifndef GASP_CDUKTAPE_SHIM_H
#define GASP_CDUKTAPE_SHIM_H

#include <duktape.h>
#include <stdlib.h>
#include <string.h>

/* Swift cannot import Duktape's function-like macros; these wrap the few the engine uses. */

/* The heap's allocator. Parsing a request builds many small objects and strings that all go
   away when it is answered; a free list per 16-byte size class (up to 512 bytes) serves them
   again without malloc's bookkeeping, larger blocks go to malloc. Each block has a 16-byte
   header with its capacity (keeping malloc's alignment). At most GASP_POOL_MAX_BYTES stay on
   the free lists; beyond that blocks go back to malloc. One heap per query-server process,
   used from one thread at a time, so nothing is locked. */
#define GASP_POOL_STEP 16
#define GASP_POOL_CLASSES 32
#define GASP_POOL_HEADER 16
#define GASP_POOL_MAX_BYTES ((size_t)256 << 20)

typedef struct gasp_pool_block { struct gasp_pool_block *next; } gasp_pool_block;
typedef struct {
    gasp_pool_block *free_lists[GASP_POOL_CLASSES];
    size_t pooled_bytes;
} gasp_pool;

static inline void *gasp_pool_alloc(void *udata, duk_size_t size) {
    gasp_pool *pool = (gasp_pool *)udata;
    size_t *header;
    if (size == 0) return NULL;
    size_t cls = (size - 1) / GASP_POOL_STEP;
    if (cls < GASP_POOL_CLASSES) {
        size_t capacity = (cls + 1) * GASP_POOL_STEP;
        gasp_pool_block *block = pool->free_lists[cls];
        if (block != NULL) {
            pool->free_lists[cls] = block->next;
            pool->pooled_bytes -= capacity;
            header = (size_t *)(void *)block;
        } else {
            header = (size_t *)malloc(GASP_POOL_HEADER + capacity);
            if (header == NULL) return NULL;
        }
        header[0] = capacity;
    } else {
        header = (size_t *)malloc(GASP_POOL_HEADER + size);
        if (header == NULL) return NULL;
        header[0] = size;
    }
    return (char *)header + GASP_POOL_HEADER;
}

static inline void gasp_pool_free(void *udata, void *ptr) {
    gasp_pool *pool = (gasp_pool *)udata;
    if (ptr == NULL) return;
    size_t *header = (size_t *)(void *)((char *)ptr - GASP_POOL_HEADER);
    size_t capacity = header[0];
    if (capacity <= GASP_POOL_STEP * GASP_POOL_CLASSES && pool->pooled_bytes + capacity <= GASP_POOL_MAX_BYTES) {
        gasp_pool_block *block = (gasp_pool_block *)(void *)header;
        size_t cls = capacity / GASP_POOL_STEP - 1;
        block->next = pool->free_lists[cls];
        pool->free_lists[cls] = block;
        pool->pooled_bytes += capacity;
    } else {
        free(header);
    }
}

static inline void *gasp_pool_realloc(void *udata, void *ptr, duk_size_t size) {
    if (ptr == NULL) return gasp_pool_alloc(udata, size);
    if (size == 0) {
        gasp_pool_free(udata, ptr);
        return NULL;
    }
    size_t *header = (size_t *)(void *)((char *)ptr - GASP_POOL_HEADER);
    size_t capacity = header[0];
    size_t small = GASP_POOL_STEP * GASP_POOL_CLASSES;
    if (capacity <= small && size <= capacity) return ptr;
    if (capacity > small && size > small) {
        size_t *moved = (size_t *)realloc(header, GASP_POOL_HEADER + size);
        if (moved == NULL) return NULL;
        moved[0] = size;
        return (char *)moved + GASP_POOL_HEADER;
    }
    void *fresh = gasp_pool_alloc(udata, size);
    if (fresh == NULL) return NULL;
    memcpy(fresh, ptr, capacity < size ? capacity : size);
    gasp_pool_free(udata, ptr);
    return fresh;
}

/* A heap with the pooling allocator and the default fatal handler (which aborts the
   process); NULL when memory runs out. Destroy it with gasp_duk_destroy_heap. */
static inline duk_context *gasp_duk_create_heap(void) {
    gasp_pool *pool = (gasp_pool *)calloc(1, sizeof(gasp_pool));
    if (pool == NULL) return NULL;
    duk_context *context = duk_create_heap(gasp_pool_alloc, gasp_pool_realloc, gasp_pool_free, pool, NULL);
    if (context == NULL) free(pool);
    return context;
}

/* Destroys a heap made by gasp_duk_create_heap and releases its pooled blocks. */
static inline void gasp_duk_destroy_heap(duk_context *context) {
    duk_memory_functions functions;
    duk_get_memory_functions(context, &functions);
    gasp_pool *pool = (gasp_pool *)functions.udata;
    duk_destroy_heap(context);
    for (size_t cls = 0; cls < GASP_POOL_CLASSES; cls++) {
        gasp_pool_block *block = pool->free_lists[cls];
        while (block != NULL) {
            gasp_pool_block *next = block->next;
            free(block);
            block = next;
        }
    }
    free(pool);
}

/* Evaluates UTF-8 source in global scope; 0 on success with the result on the stack top,
   non-zero with the error on the stack top. */
static inline duk_int_t gasp_duk_peval_lstring(duk_context *ctx, const char *src, duk_size_t len) {
    return duk_eval_raw(ctx, src, len, 0 /*args*/ | DUK_COMPILE_EVAL | DUK_COMPILE_SAFE | DUK_COMPILE_NOSOURCE | DUK_COMPILE_NOFILENAME);
}

/* The value at idx coerced to a string without throwing (errors become their message). */
static inline const char *gasp_duk_safe_to_lstring(duk_context *ctx, duk_idx_t idx, duk_size_t *out_len) {
    return duk_safe_to_lstring(ctx, idx, out_len);
}

#endif
