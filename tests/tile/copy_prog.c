/* tests/tile/copy_prog.c: tile code (instrumented, tests/tile/CMakeLists.txt)
 * that copies with memcpy and by struct assignment, and searches with memchr
 * and strlen, for test_libc.c: the calls reach the instrumented helpers
 * (sim/tile/libc). */
#include <stdint.h>
#include <string.h>

#include "copy_prog.h"
#include "sim/tile/tile_api.h"

void tt_copy_main(struct tile *t, void *arg) {
    size_t n = (uintptr_t)arg;
    char *src = tile_alloc(t, n ? n : 1), *dst = tile_alloc(t, n ? n : 1);
    if (src && dst) memcpy(dst, src, n);
}

void tt_copy_struct_main(struct tile *t, void *arg) {
    (void)arg;
    struct tt_big *src = tile_alloc(t, sizeof *src), *dst = tile_alloc(t, sizeof *dst);
    if (src && dst) *dst = *src;
}

void tt_search_main(struct tile *t, void *arg) {
    size_t n = (uintptr_t)arg;
    char *b = tile_alloc(t, n + 1);
    if (!b) return;
    memset(b, 'a', n);
    b[n] = '\n';
    volatile size_t at = (size_t)((char *)memchr(b, '\n', n + 1) - b);
    b[n] = 0;
    volatile size_t len = strlen(b);
    if (at != n || len != n)
        *(volatile char *)(uintptr_t)8 = 0; /* (outside every region: a fault) */
}
