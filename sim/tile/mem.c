/* sim/tile/mem.c: regions, arenas, rights. See mem.h. */
#include "sim/tile/mem.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "sim/tile/tile_api.h"

const char *const mem_kind_names[] = {"app_heap", "rx",    "tx_hdr", "private",
                                      "shared",   "stack", "image",  NULL};

#define HDR 16u
#define MIN_CLASS 4u /* 16 B */

void mem_map_init(struct mem_map *m) {
    memset(m, 0, sizeof *m);
    m->next_pa = MEM_REGION_ALIGN; /* keep 0 unused */
}

/* Gives back a region's host memory (from host_block()). */
static void region_host_free(struct mem_region *r) {
    if (r->host_huge_bytes)
        mem_host_huge_free(r->host_block, r->host_huge_bytes);
    else
        free(r->host_block);
    r->host_block = NULL;
}

void mem_map_fini(struct mem_map *m) {
    for (size_t i = 0; i < m->n; i++) {
        region_host_free(m->all[i]);
        free(m->all[i]);
    }
    free(m->all);
    free(m->by_host);
    memset(m, 0, sizeof *m);
}

/* (contract in mem.h) */
void *mem_host_huge(size_t *bytes) {
    const size_t huge = (size_t)2 << 20;
    *bytes = (*bytes + huge - 1) & ~(huge - 1);
    /* A fresh anonymous mapping is zero, and its pages are faulted in (and
     * zeroed by the kernel) only when first touched: map one huge page more,
     * keep the aligned part, give back the rest. */
    const size_t span = *bytes + huge;
    uint8_t *raw = mmap(NULL, span, PROT_READ | PROT_WRITE,
                        MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (raw == MAP_FAILED) return NULL;
    uint8_t *p = (uint8_t *)(((uintptr_t)raw + huge - 1) & ~(uintptr_t)(huge - 1));
    const size_t head = (size_t)(p - raw), tail = span - head - *bytes;
    if (head) munmap(raw, head);
    if (tail) munmap(p + *bytes, tail);
#ifdef MADV_HUGEPAGE
    madvise(p, *bytes, MADV_HUGEPAGE); /* a hint: failure changes nothing */
#endif
    return p;
}

void mem_host_huge_free(void *p, size_t bytes) {
    if (p) munmap(p, bytes);
}

/* Zeroed host memory for region number n of sz bytes: r->host, inside the
 * block r->host_block (given back by region_host_free()). Regions of half a
 * huge page or more get whole 2 MB huge pages where the host allows (tile
 * code walks them at random, and host TLB misses would cost as much as the
 * cache model's own work), and start n x 9 x 4 KB (mod 128 KB) into their
 * first huge page, so that the same offset in different regions (every
 * tile's table) does not fall into the same sets of the host's caches; their
 * pages cost host memory only once touched. Smaller regions get plain 4 KB-
 * aligned memory. Host addresses never reach results. */
static bool host_block(struct mem_region *r, size_t n, uint64_t sz) {
    const uint64_t huge = (uint64_t)2 << 20;
    if (sz < huge / 2) {
        r->host_block = aligned_alloc(4096, sz);
        if (!r->host_block) return false;
        memset(r->host_block, 0, sz);
        r->host = r->host_block;
        return true;
    }
    const uint64_t colour = (uint64_t)((n * 9) % 32) * 4096;
    size_t bytes = (size_t)(sz + colour);
    r->host_block = mem_host_huge(&bytes);
    if (!r->host_block) return false;
    r->host_huge_bytes = bytes;
    r->host = r->host_block + colour;
    return true;
}

uint64_t mem_region_bytes(uint64_t size) {
    if (size > UINT64_MAX / MEM_REGION_ALIGN * MEM_REGION_ALIGN) return UINT64_MAX;
    uint64_t sz = (size + MEM_REGION_ALIGN - 1) / MEM_REGION_ALIGN * MEM_REGION_ALIGN;
    return sz ? sz : MEM_REGION_ALIGN;
}

struct mem_region *mem_region_create(struct mem_map *m, enum mem_kind kind, const char *name,
                                     uint64_t size, int owner, int home, bool with_host) {
    uint64_t sz = mem_region_bytes(size);
    if (sz > MEM_PA_LIMIT || m->next_pa + sz > MEM_PA_LIMIT) return NULL;
    struct mem_region *r = calloc(1, sizeof *r);
    if (!r) return NULL;
    if (with_host) {
        if (!host_block(r, m->n, sz)) {
            free(r);
            return NULL;
        }
    }
    if (m->n == m->cap) {
        size_t cap = m->cap ? 2 * m->cap : 16;
        struct mem_region **a = realloc(m->all, cap * sizeof *a);
        struct mem_region **b = realloc(m->by_host, cap * sizeof *b);
        if (a) m->all = a;
        if (b) m->by_host = b;
        if (!a || !b) {
            region_host_free(r);
            free(r);
            return NULL;
        }
        m->cap = cap;
    }
    r->id = (unsigned)m->n;
    r->kind = kind;
    snprintf(r->name, sizeof r->name, "%s", name);
    r->size = sz;
    r->pa = m->next_pa;
    m->next_pa += sz;
    r->owner = owner;
    r->home = home;
    m->all[m->n++] = r;
    if (with_host) {
        size_t i = m->nhost;
        while (i > 0 && m->by_host[i - 1]->host > r->host) {
            m->by_host[i] = m->by_host[i - 1];
            i--;
        }
        m->by_host[i] = r;
        m->nhost++;
    }
    return r;
}

struct mem_region *mem_lookup(const struct mem_map *m, uintptr_t a) {
    size_t lo = 0, hi = m->nhost;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        const struct mem_region *r = m->by_host[mid];
        if (a < (uintptr_t)r->host)
            hi = mid;
        else if (a - (uintptr_t)r->host >= r->size)
            lo = mid + 1;
        else
            return m->by_host[mid];
    }
    return NULL;
}

struct mem_region *mem_lookup_pa(const struct mem_map *m, uint64_t pa) {
    size_t lo = 0, hi = m->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        const struct mem_region *r = m->all[mid];
        if (pa < r->pa)
            hi = mid;
        else if (pa - r->pa >= r->size)
            lo = mid + 1;
        else
            return m->all[mid];
    }
    return NULL;
}

unsigned mem_rights(const struct mem_region *r, int role, int tile, int process) {
    const unsigned RW = MEM_READ | MEM_WRITE;
    if (role == TILE_ROLE_RTC) return RW;
    switch (r->kind) {
    case MEM_SHARED:
    case MEM_IMAGE: return RW;
    case MEM_PRIVATE:
    case MEM_STACK: return r->owner == tile ? RW : 0;
    case MEM_APP_HEAP:
        if (role == TILE_ROLE_NET) return MEM_READ; /* zero-touch send reads app buffers */
        return r->owner == process ? RW : 0;
    case MEM_RX: return role == TILE_ROLE_APP ? MEM_READ : RW;
    case MEM_TX_HDR: return role == TILE_ROLE_APP ? 0 : RW;
    default: return 0;
    }
}

static unsigned size_class(size_t total) {
    unsigned c = MIN_CLASS;
    while (((uint64_t)1 << c) < total) c++;
    return c;
}

void *mem_alloc(struct mem_region *r, size_t size) {
    bool fresh;
    return mem_alloc_fresh(r, size, &fresh);
}

void *mem_alloc_fresh(struct mem_region *r, size_t size, bool *fresh) {
    *fresh = false;
    if (!r->host || size == 0 || size > r->size) {
        r->alloc_failures++;
        return NULL;
    }
    unsigned c = size_class(size + HDR);
    uint64_t bsize = (uint64_t)1 << c;
    uint64_t off;
    if (c < 40 && r->free_head[c]) {
        off = r->free_head[c] - 1;
        uint64_t next;
        memcpy(&next, r->host + off + HDR, sizeof next);
        r->free_head[c] = next;
    } else {
        if (c >= 40 || r->bump + bsize > r->size) {
            r->alloc_failures++;
            return NULL;
        }
        off = r->bump;
        r->bump += bsize;
        *fresh = true;
    }
    uint64_t h = c;
    memcpy(r->host + off, &h, sizeof h);
    r->allocated += bsize;
    r->alloc_calls++;
    return r->host + off + HDR;
}

bool mem_free(struct mem_region *r, void *p) {
    if (!p) return true;
    if (!r->host || (uint8_t *)p < r->host + HDR || (uint8_t *)p >= r->host + r->size) return false;
    uint8_t *b = (uint8_t *)p - HDR;
    uint64_t off = (uint64_t)(b - r->host);
    uint64_t c;
    memcpy(&c, b, sizeof c);
    /* blocks of class c start at multiples of 2^c below the bump pointer */
    if (c < MIN_CLASS || c >= 40 || off % 16 || off + ((uint64_t)1 << c) > r->bump) return false;
    memcpy(b + HDR, &r->free_head[c], sizeof r->free_head[c]);
    r->free_head[c] = off + 1;
    r->allocated -= (uint64_t)1 << c;
    return true;
}
