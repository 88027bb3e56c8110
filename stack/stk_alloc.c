/* stack/stk_alloc.c: the C library as an allocator (stk_alloc.h); native
 * builds only (tessera_stack): tile code never reaches calloc/free. */
#include "stack/stk_alloc.h"

#include <stdlib.h>

static void *libc_alloc(void *ctx, size_t size) {
    (void)ctx;
    return calloc(1, size);
}

static void libc_free(void *ctx, void *p) {
    (void)ctx;
    free(p);
}

struct stk_alloc stk_alloc_libc(void) {
    return (struct stk_alloc){libc_alloc, libc_free, NULL};
}

struct stk_alloc stk_alloc_default(void) {
    return stk_alloc_libc();
}
