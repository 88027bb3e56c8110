/* sim/tile/mem.h: memory regions with simulated physical addresses, arenas in
 * them, and the rights each tile role has on each region.
 *
 * What it does: a region is a block of host memory (page aligned, zeroed)
 * that tile code reads and writes natively; it is given a simulated physical
 * address range (regions are laid out in creation order, 64 KB aligned, so
 * the same program gives the same addresses every run) which the cache model
 * sees. Each region has a kind (application heap, Rx buffers, Tx headers,
 * tile-private, shared, stack, program image) and an owner (process or
 * tile), from which mem_rights() derives what a tile of a given role may do
 * (ARCHITECTURE.md, DLibOS §3.2, §4.5): app tiles read-only on Rx memory, no
 * access to Tx headers, none to another application's heap or another tile's
 * private memory. A region may name a fixed home tile for its lines (as
 * TILE-Gx pages can be homed on one tile) instead of hash-for-home.
 * A region can serve as an arena: mem_alloc()/mem_free() carve it with
 * power-of-two size classes and free lists (metadata inside the region, 16 B
 * header per block), so allocation order, not host malloc, fixes addresses.
 *
 * Memory: struct mem_map owns its regions and their host memory (regions
 * of 1 MB or more on 2 MB host pages where the host allows: tile code walks
 * them at random; host addresses never reach results).
 * Cost: mem_lookup() is a binary search over regions (the tile runtime
 * caches the last hit); mem_alloc/mem_free are O(1) (and O(size classes)).
 * Left out: virtual memory, TLBs, page attributes other than the home.
 */
#ifndef TESSERA_SIM_TILE_MEM_H
#define TESSERA_SIM_TILE_MEM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Kinds of access, and the rights a region grants (bits). */
enum mem_access { MEM_READ = 1, MEM_WRITE = 2 };

enum mem_kind {
    MEM_APP_HEAP, /* owner: process */
    MEM_RX,       /* Rx buffers, written by the NIC */
    MEM_TX_HDR,   /* Tx header memory of the network tiles */
    MEM_PRIVATE,  /* owner: tile */
    MEM_SHARED,   /* chip-wide shared memory (locks, counters), all roles */
    MEM_STACK,    /* owner: tile; a handler's host stack maps here */
    MEM_IMAGE,    /* the program's static data */
    MEM_KIND_COUNT,
};
extern const char *const mem_kind_names[];

/* Roles as in sim/tile_api.h (enum tile_role); repeated here as ints. */

/* Simulated physical addresses stay below this (the caches keep 32-bit line
 * numbers); mem_region_create() refuses regions beyond it. It bounds the
 * simulated memory of a chip: chip_sim_memory_check() (chip_config.h). */
#define MEM_PA_LIMIT ((uint64_t)1 << 36)

/* Regions are laid out on 64 KB boundaries (TILE-Gx pages [S K-pg]). */
#define MEM_REGION_ALIGN ((uint64_t)64 << 10)

/* The simulated address space a region asked for with `size` bytes takes:
 * size rounded up to MEM_REGION_ALIGN, at least one (UINT64_MAX past the
 * largest multiple). mem_region_create() lays regions out by it. */
uint64_t mem_region_bytes(uint64_t size);

struct mem_region {
    unsigned id;
    enum mem_kind kind;
    char name[40];
    uint8_t *host;          /* NULL for STACK and IMAGE (host range set by the runtime) */
    uint8_t *host_block;    /* the allocation host points into */
    size_t host_huge_bytes; /* its size if it came from mem_host_huge(), else 0 (malloc) */
    uint64_t size;
    uint64_t pa; /* simulated physical base */
    int owner;   /* process (APP_HEAP) or tile (PRIVATE, STACK); -1 otherwise */
    int home;    /* fixed home tile, or -1 for hash-for-home */
    /* arena state */
    uint64_t bump;
    uint64_t free_head[40];
    uint64_t allocated, alloc_calls, alloc_failures;
};

struct mem_map {
    struct mem_region **by_host; /* regions with host memory, sorted by host address */
    size_t nhost;
    struct mem_region **all;
    size_t n, cap;
    uint64_t next_pa;
};

void mem_map_init(struct mem_map *m);
void mem_map_fini(struct mem_map *m);

/* A region with host memory (any kind but STACK/IMAGE, which pass
 * with_host = false). size is rounded up to 64 KB. NULL on allocation failure. */
struct mem_region *mem_region_create(struct mem_map *m, enum mem_kind kind, const char *name,
                                     uint64_t size, int owner, int home, bool with_host);

/* Region holding host address a, or NULL. */
struct mem_region *mem_lookup(const struct mem_map *m, uintptr_t a);
/* Region holding simulated physical address pa, or NULL (binary search:
 * regions are laid out in creation order). Devices (DMA) use it. */
struct mem_region *mem_lookup_pa(const struct mem_map *m, uint64_t pa);

/* Rights (MEM_READ | MEM_WRITE) of a tile (role as enum tile_role, its tile id
 * and process) on region r. */
unsigned mem_rights(const struct mem_region *r, int role, int tile, int process);

/* Arena: NULL when the region is full or size is 0; 16-byte aligned. */
void *mem_alloc(struct mem_region *r, size_t size);
/* mem_alloc, and *fresh = whether the block was never handed out before
 * (taken from the region's untouched end: all zero, as the region was
 * created) rather than recycled from a free list. */
void *mem_alloc_fresh(struct mem_region *r, size_t size, bool *fresh);

/* Zeroed host memory of *bytes bytes, rounded up (and *bytes with it) to
 * whole 2 MB pages, aligned to one and backed by huge pages where the host
 * allows (a hint: without them it is plain memory). NULL if out of memory;
 * give it back with mem_host_huge_free(p, *bytes). For arrays walked at
 * random (regions, the cache model). Cost: a mapping; each page costs its
 * fault and the kernel's zeroing when first touched, not before, so memory
 * a run never touches costs nothing. The mapping reserves no swap
 * (MAP_NORESERVE): a region larger than the host's memory is mapped like a
 * small one (the kernel's overcommit heuristic would refuse it whole), and
 * only what tile code touches must fit. */
void *mem_host_huge(size_t *bytes);
void mem_host_huge_free(void *p, size_t bytes);
/* p must come from mem_alloc on r; returns false (and frees nothing) when p
 * is not inside r or its block header is not one mem_alloc wrote. A double
 * free is not detected. */
bool mem_free(struct mem_region *r, void *p);

#endif
