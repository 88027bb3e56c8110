/* tests/tile/copy_prog.h: tile code that copies (copy_prog.c). */
#ifndef TESSERA_TESTS_TILE_COPY_PROG_H
#define TESSERA_TESTS_TILE_COPY_PROG_H

#include <stddef.h>

#include "sim/tile/tile_api.h"

struct tt_big {
    char b[1024];
};

/* Allocates two buffers of n bytes in the tile's memory and memcpy's one
 * into the other; n is the argument itself, (void *)(uintptr_t)n (host
 * memory is outside every region: tile code may not read it). */
void tt_copy_main(struct tile *t, void *arg);
/* The same with two struct tt_big and a struct assignment. */
void tt_copy_struct_main(struct tile *t, void *arg);
/* Fills n bytes of the tile's memory with 'a', then finds the byte after
 * them with memchr and with strlen (n as above); a wrong answer faults (a
 * store outside every region). */
void tt_search_main(struct tile *t, void *arg);

#endif
