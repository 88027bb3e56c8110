/* tests/tile/copy_prog.c: tile code (instrumented, tests/tile/CMakeLists.txt)
 * that copies with memcpy and by struct assignment, for test_libc.c: the
 * calls reach the instrumented tile_memcpy (sim/tile/libc). */
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
