#ifndef GASP_CDUKTAPE_SHIM_H
#define GASP_CDUKTAPE_SHIM_H

#include <duktape.h>

/* Swift cannot import Duktape's function-like macros; these wrap the few the engine uses. */

/* A heap with the default allocator and fatal handler (which aborts the process). */
static inline duk_context *gasp_duk_create_heap(void) {
    return duk_create_heap(NULL, NULL, NULL, NULL, NULL);
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
