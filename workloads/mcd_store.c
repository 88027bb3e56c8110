#include "workloads/mcd_store.h"

#include "stack/stk_alloc.h"

#include <stddef.h>
#include <string.h>

/* The store's functions keep memcached's names (static, not inlined) so a
 * per-function profile of tile code reads like the paper's Table 4. */
#define NOINLINE __attribute__((noinline))

#define IT_LINKED 1u  /* in the table and an LRU */
#define IT_FETCHED 2u /* fetched since stored */
#define MAX_CLASSES 64
#define HDR (offsetof(struct mcd_item, data))
#define EVICT_TRIES 64

struct slabclass {
    size_t size; /* chunk bytes */
    size_t perslab;
    struct mcd_item *free;        /* free chunks, through next */
    struct mcd_item *head, *tail; /* LRU, head = most recent */
};

struct mcd_store {
    struct stk_alloc alloc;
    struct mcd_lock_ops locks;
    bool locking;
    struct mcd_item **table;
    uint32_t hashmask;
    unsigned hashpower;
    char *lockmem; /* 2^lock_power item locks, then the LRU lock (slabs,
                    * LRUs, counters, CAS ids, flush state) */
    size_t lock_stride;
    uint32_t lockmask;
    char *mem;
    bool own_mem;
    size_t mem_bytes, page_size, pages_total, pages_used, item_max;
    unsigned nclasses;
    struct slabclass cls[MAX_CLASSES];
    uint64_t cas_next;
    uint32_t now;
    bool flush_set;
    uint32_t oldest_live; /* flush_all: items stored at or before are gone... */
    uint64_t oldest_cas;  /* ...and so are items with a smaller CAS id */
    struct mcd_store_stats st;
};

/* ---- MurmurHash3 x86_32 (Austin Appleby's public-domain design), seed 0 ---- */

static uint32_t rotl32(uint32_t x, int r) { return (x << r) | (x >> (32 - r)); }

uint32_t mcd_hash(const void *key, size_t len) {
    const uint8_t *p = key;
    const uint32_t c1 = 0xcc9e2d51u, c2 = 0x1b873593u;
    uint32_t h = 0;
    size_t nblocks = len / 4;
    for (size_t i = 0; i < nblocks; i++) {
        uint32_t k = (uint32_t)p[4 * i] | (uint32_t)p[4 * i + 1] << 8 |
                     (uint32_t)p[4 * i + 2] << 16 | (uint32_t)p[4 * i + 3] << 24;
        k *= c1;
        k = rotl32(k, 15);
        k *= c2;
        h ^= k;
        h = rotl32(h, 13);
        h = h * 5 + 0xe6546b64u;
    }
    const uint8_t *t = p + nblocks * 4;
    uint32_t k = 0;
    switch (len & 3) {
    case 3: k ^= (uint32_t)t[2] << 16; /* fall through */
    case 2: k ^= (uint32_t)t[1] << 8;  /* fall through */
    case 1:
        k ^= t[0];
        k *= c1;
        k = rotl32(k, 15);
        k *= c2;
        h ^= k;
    }
    h ^= (uint32_t)len;
    h ^= h >> 16;
    h *= 0x85ebca6bu;
    h ^= h >> 13;
    h *= 0xc2b2ae35u;
    h ^= h >> 16;
    return h;
}

/* ---- locks ---- */

static void *lock_at(struct mcd_store *s, size_t i) { return s->lockmem + i * s->lock_stride; }

static NOINLINE void item_lock(struct mcd_store *s, uint32_t hv) {
    if (s->locking) s->locks.lock(s->locks.ctx, lock_at(s, hv & s->lockmask));
}
static NOINLINE void item_unlock(struct mcd_store *s, uint32_t hv) {
    if (s->locking) s->locks.unlock(s->locks.ctx, lock_at(s, hv & s->lockmask));
}
static void cache_lock(struct mcd_store *s) {
    if (s->locking) s->locks.lock(s->locks.ctx, lock_at(s, (size_t)s->lockmask + 1));
}
static void cache_unlock(struct mcd_store *s) {
    if (s->locking) s->locks.unlock(s->locks.ctx, lock_at(s, (size_t)s->lockmask + 1));
}

/* ---- creation ---- */

static size_t align8(size_t x) { return (x + 7) & ~(size_t)7; }

struct mcd_store *mcd_store_create(const struct mcd_store_config *cfg,
                                   const struct stk_alloc *alloc) {
    struct stk_alloc a = stk_alloc_or_default(alloc);
    if (!stk_alloc_ok(&a)) return NULL;
    struct mcd_store_config c = cfg ? *cfg : (struct mcd_store_config){0};
    if (!c.hashpower) c.hashpower = 16;
    if (!c.lock_power) c.lock_power = c.hashpower < 12 ? c.hashpower : 12;
    if (!c.mem_bytes) c.mem_bytes = (size_t)64 << 20;
    if (!c.page_size) c.page_size = (size_t)1 << 20;
    if (!c.item_max) c.item_max = c.page_size;
    if (!c.chunk_min) c.chunk_min = 48;
    if (!c.factor_pct) c.factor_pct = 125;
    if (c.hashpower > 30 || c.lock_power > c.hashpower || c.page_size % 8 ||
        c.item_max > c.page_size || c.factor_pct <= 100 || c.mem_bytes < c.page_size ||
        align8(HDR + c.chunk_min) > c.item_max || (c.locks && (!c.locks->lock || !c.locks->unlock)))
        return NULL;
    struct mcd_store *s = stk_mem_alloc(&a, sizeof *s);
    if (!s) return NULL;
    s->alloc = a;
    if (c.locks) {
        s->locks = *c.locks;
        s->locking = true;
    }
    s->hashpower = c.hashpower;
    s->hashmask = (uint32_t)((1ull << c.hashpower) - 1);
    s->lockmask = (uint32_t)((1ull << c.lock_power) - 1);
    s->table = stk_mem_array(&a, (size_t)1 << c.hashpower, sizeof *s->table);
    s->lock_stride = align8(c.locks && c.locks->size ? c.locks->size : sizeof(uint32_t));
    size_t nlocks = ((size_t)1 << c.lock_power) + 1;
    s->lockmem = stk_mem_array(&a, nlocks, s->lock_stride);
    s->mem = c.mem;
    if (!s->mem) {
        s->mem = stk_mem_alloc(&a, c.mem_bytes);
        s->own_mem = true;
    }
    if (!s->table || !s->lockmem || !s->mem) {
        mcd_store_destroy(s);
        return NULL;
    }
    s->mem_bytes = c.mem_bytes;
    s->page_size = c.page_size;
    s->pages_total = c.mem_bytes / c.page_size;
    s->item_max = c.item_max;
    size_t size = align8(HDR + c.chunk_min);
    unsigned i = 0;
    while (i < MAX_CLASSES - 1 && size <= c.item_max * 100 / c.factor_pct) {
        s->cls[i].size = size;
        s->cls[i].perslab = c.page_size / size;
        size_t next = align8(size * c.factor_pct / 100);
        size = next > size ? next : size + 8;
        i++;
    }
    s->cls[i].size = c.item_max;
    s->cls[i].perslab = c.page_size / c.item_max;
    s->nclasses = i + 1;
    s->cas_next = 1;
    s->st.pages_total = s->pages_total;
    if (s->locking && s->locks.init)
        for (size_t k = 0; k < nlocks; k++) s->locks.init(s->locks.ctx, lock_at(s, k));
    return s;
}

void mcd_store_destroy(struct mcd_store *s) {
    if (!s) return;
    struct stk_alloc a = s->alloc;
    if (s->own_mem) stk_mem_free(&a, s->mem);
    stk_mem_free(&a, s->table);
    stk_mem_free(&a, s->lockmem);
    stk_mem_free(&a, s);
}

void mcd_store_set_time(struct mcd_store *s, uint32_t now) { s->now = now; }
uint32_t mcd_store_now(const struct mcd_store *s) { return s->now; }
void mcd_store_stats(struct mcd_store *s, struct mcd_store_stats *out) { *out = s->st; }
unsigned mcd_store_hashpower(const struct mcd_store *s) { return s->hashpower; }
size_t mcd_store_mem_bytes(const struct mcd_store *s) { return s->mem_bytes; }

size_t mcd_store_value_max(const struct mcd_store *s, size_t nkey) {
    return s->item_max - HDR - nkey - 2;
}

static size_t item_ntotal(size_t nkey, size_t nbytes) { return HDR + nkey + nbytes + 2; }

/* The class of an item of ntotal bytes, or -1. */
static int slabs_clsid(const struct mcd_store *s, size_t ntotal) {
    for (unsigned i = 0; i < s->nclasses; i++)
        if (ntotal <= s->cls[i].size) return (int)i;
    return -1;
}

size_t mcd_store_chunk_size(const struct mcd_store *s, size_t nkey, size_t nbytes) {
    int id = slabs_clsid(s, item_ntotal(nkey, nbytes));
    return id < 0 ? 0 : s->cls[id].size;
}

/* ---- the hash table (bucket's item lock held) ---- */

static NOINLINE struct mcd_item *assoc_find(struct mcd_store *s, const char *key, size_t nkey,
                                            uint32_t hv) {
    for (struct mcd_item *it = s->table[hv & s->hashmask]; it; it = it->h_next)
        if (it->nkey == nkey && memcmp(it->data, key, nkey) == 0) return it;
    return NULL;
}

static void assoc_insert(struct mcd_store *s, struct mcd_item *it) {
    struct mcd_item **b = &s->table[it->hv & s->hashmask];
    it->h_next = *b;
    *b = it;
}

static void assoc_delete(struct mcd_store *s, struct mcd_item *it) {
    for (struct mcd_item **p = &s->table[it->hv & s->hashmask]; *p; p = &(*p)->h_next)
        if (*p == it) {
            *p = it->h_next;
            it->h_next = NULL;
            return;
        }
}

/* ---- slabs and LRUs (cache lock held) ---- */

static void lru_link(struct mcd_store *s, struct mcd_item *it) {
    struct slabclass *c = &s->cls[it->clsid];
    it->prev = NULL;
    it->next = c->head;
    if (c->head) c->head->prev = it;
    c->head = it;
    if (!c->tail) c->tail = it;
}

static void lru_unlink(struct mcd_store *s, struct mcd_item *it) {
    struct slabclass *c = &s->cls[it->clsid];
    if (it->prev)
        it->prev->next = it->next;
    else
        c->head = it->next;
    if (it->next)
        it->next->prev = it->prev;
    else
        c->tail = it->prev;
    it->prev = it->next = NULL;
}

static NOINLINE struct mcd_item *slabs_alloc(struct mcd_store *s, int id) {
    struct slabclass *c = &s->cls[id];
    if (!c->free && s->pages_used < s->pages_total) {
        char *page = s->mem + s->pages_used * s->page_size;
        s->pages_used++;
        s->st.pages_used = s->pages_used;
        for (size_t i = c->perslab; i-- > 0;) {
            struct mcd_item *it = (struct mcd_item *)(void *)(page + i * c->size);
            it->next = c->free;
            c->free = it;
        }
    }
    struct mcd_item *it = c->free;
    if (it) c->free = it->next;
    return it;
}

static void slabs_free(struct mcd_store *s, struct mcd_item *it) {
    struct slabclass *c = &s->cls[it->clsid];
    it->iflags = 0;
    it->next = c->free;
    c->free = it;
}

static bool is_expired(const struct mcd_store *s, const struct mcd_item *it) {
    return it->exptime && it->exptime <= s->now;
}
static bool is_flushed(const struct mcd_store *s, const struct mcd_item *it) {
    if (!s->flush_set || s->oldest_live > s->now) return false;
    return it->time <= s->oldest_live || (s->oldest_cas && it->cas < s->oldest_cas);
}

/* Takes a linked item out of its LRU and the counters (cache lock held). */
static void unlink_counted(struct mcd_store *s, struct mcd_item *it) {
    lru_unlink(s, it);
    s->st.curr_items--;
    s->st.bytes -= item_ntotal(it->nkey, it->nbytes);
}

/* The least recently used item of class id that nobody holds, unlinked,
 * as a free chunk (or a chunk freed meanwhile); NULL when none will do.
 * Called with no lock held: a victim is picked under the LRU lock (an item
 * fetched since the last look gets a second chance: back to the head), the
 * lock is let go, then the victim's item lock and the LRU lock are taken
 * and the victim checked again (the chunk may have changed hands; slab
 * memory is never returned, so reading it stays safe). */
static NOINLINE struct mcd_item *lru_evict(struct mcd_store *s, int id) {
    for (int attempt = 0; attempt < EVICT_TRIES; attempt++) {
        cache_lock(s);
        struct mcd_item *v = slabs_alloc(s, id);
        if (v) {
            cache_unlock(s);
            return v;
        }
        int skipped = 0;
        for (struct mcd_item *it = s->cls[id].tail; it && skipped < EVICT_TRIES;) {
            struct mcd_item *prev = it->prev;
            if (it->refcount || it->txholds) {
                skipped++;
                it = prev;
                continue;
            }
            if (it->active && !is_expired(s, it) && !is_flushed(s, it)) {
                it->active = 0; /* second chance: O(1) amortised, one per get */
                lru_unlink(s, it);
                lru_link(s, it);
                it = prev ? prev : s->cls[id].tail;
                continue;
            }
            v = it;
            break;
        }
        if (!v) {
            cache_unlock(s);
            return NULL;
        }
        uint32_t hv = v->hv;
        cache_unlock(s);
        item_lock(s, hv);
        cache_lock(s);
        if ((v->iflags & IT_LINKED) && ((v->hv ^ hv) & s->lockmask) == 0 && !v->refcount &&
            !v->txholds) {
            if (is_expired(s, v) || is_flushed(s, v)) {
                s->st.reclaimed++;
                if (!(v->iflags & IT_FETCHED)) s->st.expired_unfetched++;
            } else {
                s->st.evictions++;
                if (!(v->iflags & IT_FETCHED)) s->st.evicted_unfetched++;
            }
            assoc_delete(s, v);
            unlink_counted(s, v);
            v->iflags = 0;
            cache_unlock(s);
            item_unlock(s, hv);
            return v;
        }
        cache_unlock(s);
        item_unlock(s, hv);
    }
    return NULL;
}

/* ---- items ---- */

static NOINLINE struct mcd_item *item_alloc(struct mcd_store *s, const char *key, size_t nkey,
                                            uint32_t hv, uint32_t flags, uint32_t exptime,
                                            uint32_t nbytes, bool evict, enum mcd_alloc_err *err) {
    size_t ntotal = item_ntotal(nkey, nbytes);
    int id = nkey <= MCD_KEY_MAX && ntotal <= s->item_max ? slabs_clsid(s, ntotal) : -1;
    if (id < 0) {
        *err = MCD_ALLOC_TOO_LARGE;
        return NULL;
    }
    cache_lock(s);
    struct mcd_item *it = slabs_alloc(s, id);
    cache_unlock(s);
    if (!it && evict) it = lru_evict(s, id); /* (no lock held: see there) */
    if (!it) {
        cache_lock(s);
        s->st.alloc_failures++;
        cache_unlock(s);
        *err = MCD_ALLOC_NOMEM;
        return NULL;
    }
    memset(it, 0, HDR);
    it->clsid = (uint8_t)id;
    it->nkey = (uint8_t)nkey;
    it->nbytes = nbytes;
    it->flags = flags;
    it->exptime = exptime;
    it->hv = hv;
    it->refcount = 1;
    memcpy(it->data, key, nkey);
    *err = MCD_ALLOC_OK;
    return it;
}

/* Frees an item nobody refers to any more (its item lock held). */
static void item_free_if_done(struct mcd_store *s, struct mcd_item *it) {
    if (it->refcount || it->txholds || (it->iflags & IT_LINKED)) return;
    cache_lock(s);
    slabs_free(s, it);
    cache_unlock(s);
}

/* Item lock held. */
static void do_item_link(struct mcd_store *s, struct mcd_item *it) {
    it->iflags |= IT_LINKED;
    it->time = s->now;
    assoc_insert(s, it);
    cache_lock(s);
    it->cas = s->cas_next++;
    lru_link(s, it);
    s->st.curr_items++;
    s->st.total_items++;
    s->st.bytes += item_ntotal(it->nkey, it->nbytes);
    cache_unlock(s);
}

/* Item lock held. */
static void do_item_unlink(struct mcd_store *s, struct mcd_item *it) {
    if (!(it->iflags & IT_LINKED)) return;
    it->iflags &= (uint8_t)~IT_LINKED;
    assoc_delete(s, it);
    cache_lock(s);
    unlink_counted(s, it);
    cache_unlock(s);
    item_free_if_done(s, it);
}

/* A live item of the key (item lock held); dead ones found are unlinked. */
static struct mcd_item *find_live(struct mcd_store *s, const char *key, size_t nkey, uint32_t hv) {
    struct mcd_item *it = assoc_find(s, key, nkey, hv);
    if (it && (is_expired(s, it) || is_flushed(s, it))) {
        do_item_unlink(s, it);
        it = NULL;
    }
    return it;
}

static uint32_t realtime(const struct mcd_store *s, int64_t exptime) {
    if (exptime == 0) return 0;
    if (exptime < 0) return 1; /* long past */
    if (exptime > MCD_REALTIME_MAXDELTA)
        return exptime > UINT32_MAX ? UINT32_MAX : (uint32_t)exptime;
    uint64_t t = (uint64_t)s->now + (uint64_t)exptime;
    return t > UINT32_MAX ? UINT32_MAX : (uint32_t)t;
}

static NOINLINE struct mcd_item *item_get(struct mcd_store *s, const char *key, size_t nkey,
                                          bool touch, int64_t exptime, bool tx) {
    uint32_t hv = mcd_hash(key, nkey);
    item_lock(s, hv);
    struct mcd_item *it = find_live(s, key, nkey, hv);
    if (it) {
        if (tx)
            it->txholds++;
        else
            it->refcount++;
        it->iflags |= IT_FETCHED;
        it->active = 1;
        if (touch) it->exptime = realtime(s, exptime);
    }
    item_unlock(s, hv);
    return it;
}

struct mcd_item *mcd_item_get(struct mcd_store *s, const char *key, size_t nkey, bool touch,
                              int64_t exptime) {
    return item_get(s, key, nkey, touch, exptime, false);
}

struct mcd_item *mcd_item_get_tx(struct mcd_store *s, const char *key, size_t nkey, bool touch,
                                 int64_t exptime) {
    return item_get(s, key, nkey, touch, exptime, true);
}

static NOINLINE void item_remove(struct mcd_store *s, struct mcd_item *it) {
    item_lock(s, it->hv);
    it->refcount--;
    item_free_if_done(s, it);
    item_unlock(s, it->hv);
}

void mcd_item_release(struct mcd_store *s, struct mcd_item *it) { item_remove(s, it); }

void mcd_item_hold_tx(struct mcd_store *s, struct mcd_item *it) {
    item_lock(s, it->hv);
    it->txholds++;
    item_unlock(s, it->hv);
}

void mcd_item_release_tx(struct mcd_store *s, struct mcd_item *it) {
    item_lock(s, it->hv);
    it->txholds--;
    item_free_if_done(s, it);
    item_unlock(s, it->hv);
}

struct mcd_item *mcd_item_alloc(struct mcd_store *s, const char *key, size_t nkey, uint32_t flags,
                                int64_t exptime, uint32_t nbytes, enum mcd_alloc_err *err) {
    return item_alloc(s, key, nkey, mcd_hash(key, nkey), flags, realtime(s, exptime), nbytes, true,
                      err);
}

/* Item lock held: new takes old's place. */
static void item_replace(struct mcd_store *s, struct mcd_item *old, struct mcd_item *it) {
    if (old) do_item_unlink(s, old);
    do_item_link(s, it);
}

static NOINLINE enum mcd_store_res do_store_item(struct mcd_store *s, struct mcd_item *it,
                                                 enum mcd_op op, uint64_t cas) {
    struct mcd_item *old = find_live(s, it->data, it->nkey, it->hv);
    switch (op) {
    case MCD_SET: item_replace(s, old, it); return MCD_STORED;
    case MCD_ADD:
        if (old) {
            old->active = 1;
            return MCD_NOT_STORED;
        }
        item_replace(s, NULL, it);
        return MCD_STORED;
    case MCD_REPLACE:
        if (!old) return MCD_NOT_STORED;
        item_replace(s, old, it);
        return MCD_STORED;
    case MCD_CAS:
        if (!old) return MCD_NOT_FOUND;
        if (old->cas != cas) return MCD_EXISTS;
        item_replace(s, old, it);
        return MCD_STORED;
    case MCD_APPEND:
    case MCD_PREPEND: break; /* (store_concat) */
    }
    return MCD_NOT_STORED;
}

/* Drops a reference taken on an item, under its lock (held). */
static void unref_locked(struct mcd_store *s, struct mcd_item *it) {
    it->refcount--;
    item_free_if_done(s, it);
}

/* append/prepend: a new item of both values takes the old one's place,
 * allocated with no lock held; if the old one changed meanwhile, again. */
static enum mcd_store_res store_concat(struct mcd_store *s, struct mcd_item *it, enum mcd_op op) {
    for (;;) {
        item_lock(s, it->hv);
        struct mcd_item *old = find_live(s, it->data, it->nkey, it->hv);
        if (!old) {
            item_unlock(s, it->hv);
            return MCD_NOT_STORED;
        }
        old->refcount++; /* its value stays as it is while we copy */
        item_unlock(s, it->hv);
        uint64_t n = (uint64_t)old->nbytes + it->nbytes;
        enum mcd_alloc_err err;
        struct mcd_item *nit = n > UINT32_MAX
                                   ? NULL
                                   : item_alloc(s, old->data, old->nkey, old->hv, old->flags,
                                                old->exptime, (uint32_t)n, true, &err);
        if (!nit) {
            item_remove(s, old);
            return MCD_NO_MEMORY;
        }
        char *v = mcd_item_value(nit);
        const struct mcd_item *first = op == MCD_APPEND ? old : it;
        const struct mcd_item *second = op == MCD_APPEND ? it : old;
        memcpy(v, first->data + first->nkey, first->nbytes);
        memcpy(v + first->nbytes, second->data + second->nkey, second->nbytes);
        memcpy(v + n, "\r\n", 2);
        item_lock(s, it->hv);
        bool same = find_live(s, it->data, it->nkey, it->hv) == old;
        if (same) item_replace(s, old, nit);
        unref_locked(s, old);
        unref_locked(s, nit);
        item_unlock(s, it->hv);
        if (same) return MCD_STORED;
    }
}

enum mcd_store_res mcd_item_store(struct mcd_store *s, struct mcd_item *it, enum mcd_op op,
                                  uint64_t cas) {
    if (op == MCD_APPEND || op == MCD_PREPEND) return store_concat(s, it, op);
    item_lock(s, it->hv);
    enum mcd_store_res r = do_store_item(s, it, op, cas);
    item_unlock(s, it->hv);
    return r;
}

bool mcd_item_delete(struct mcd_store *s, const char *key, size_t nkey) {
    uint32_t hv = mcd_hash(key, nkey);
    item_lock(s, hv);
    struct mcd_item *it = find_live(s, key, nkey, hv);
    if (it) do_item_unlink(s, it);
    item_unlock(s, hv);
    return it != NULL;
}

bool mcd_item_touch(struct mcd_store *s, const char *key, size_t nkey, int64_t exptime) {
    uint32_t hv = mcd_hash(key, nkey);
    item_lock(s, hv);
    struct mcd_item *it = find_live(s, key, nkey, hv);
    if (it) {
        it->exptime = realtime(s, exptime);
        it->iflags |= IT_FETCHED;
        it->active = 1;
    }
    item_unlock(s, hv);
    return it != NULL;
}

/* memcached's safe_strtoull on a value followed by "\r\n": optional
 * leading white space and sign, digits, then white space or the end. */
static bool value_to_u64(const char *p, size_t n, uint64_t *out) {
    size_t i = 0;
    while (i < n && (p[i] == ' ' || (p[i] >= '\t' && p[i] <= '\r'))) i++;
    bool neg = false;
    if (i < n && (p[i] == '+' || p[i] == '-')) neg = p[i++] == '-';
    size_t d = i;
    uint64_t v = 0;
    while (i < n && p[i] >= '0' && p[i] <= '9') {
        uint64_t x = v * 10 + (uint64_t)(p[i] - '0');
        if (v > UINT64_MAX / 10 || x < v * 10) return false;
        v = x;
        i++;
    }
    if (i == d) return false;
    if (i < n && !(p[i] == ' ' || (p[i] >= '\t' && p[i] <= '\r'))) return false;
    if (neg) {
        v = 0 - v;
        if ((int64_t)v < 0) return false;
    }
    *out = v;
    return true;
}

static size_t u64_to_dec(char *buf, uint64_t v) {
    char t[24];
    size_t n = 0;
    do {
        t[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    for (size_t i = 0; i < n; i++) buf[i] = t[n - 1 - i];
    return n;
}

enum mcd_delta_res mcd_item_delta(struct mcd_store *s, const char *key, size_t nkey, bool incr,
                                  uint64_t delta, uint64_t *out) {
    uint32_t hv = mcd_hash(key, nkey);
    for (;;) {
        item_lock(s, hv);
        struct mcd_item *it = find_live(s, key, nkey, hv);
        uint64_t v;
        if (!it || !value_to_u64(mcd_item_value(it), it->nbytes, &v)) {
            item_unlock(s, hv);
            return it ? MCD_DELTA_NON_NUMERIC : MCD_DELTA_NOT_FOUND;
        }
        v = incr ? v + delta : v < delta ? 0 : v - delta;
        char buf[24];
        size_t len = u64_to_dec(buf, v);
        it->iflags |= IT_FETCHED;
        it->active = 1;
        if (len <= it->nbytes && !it->refcount && !it->txholds) {
            /* in place, space-padded, as memcached does */
            memcpy(mcd_item_value(it), buf, len);
            memset(mcd_item_value(it) + len, ' ', it->nbytes - len);
            cache_lock(s);
            it->cas = s->cas_next++;
            cache_unlock(s);
            item_unlock(s, hv);
            *out = v;
            return MCD_DELTA_OK;
        }
        /* a new item, allocated with no lock held; again if it changed. A
         * shorter result is padded as in place, so the value does not
         * depend on whether the old one was still being sent. */
        uint32_t nlen = len < it->nbytes ? it->nbytes : (uint32_t)len;
        it->refcount++;
        item_unlock(s, hv);
        enum mcd_alloc_err err;
        struct mcd_item *nit =
            item_alloc(s, key, nkey, hv, it->flags, it->exptime, nlen, true, &err);
        if (!nit) {
            item_remove(s, it);
            return MCD_DELTA_NOMEM;
        }
        memcpy(mcd_item_value(nit), buf, len);
        memset(mcd_item_value(nit) + len, ' ', nlen - len);
        memcpy(mcd_item_value(nit) + nlen, "\r\n", 2);
        item_lock(s, hv);
        bool same = find_live(s, key, nkey, hv) == it;
        if (same) item_replace(s, it, nit);
        unref_locked(s, it);
        unref_locked(s, nit);
        item_unlock(s, hv);
        if (same) {
            *out = v;
            return MCD_DELTA_OK;
        }
    }
}

void mcd_store_flush(struct mcd_store *s, int64_t delay) {
    cache_lock(s);
    s->flush_set = true;
    if (delay <= 0) {
        s->oldest_live = s->now ? s->now - 1 : 0;
        s->oldest_cas = s->cas_next;
    } else {
        uint64_t t = (uint64_t)s->now + (uint64_t)delay - 1;
        s->oldest_live = t > UINT32_MAX ? UINT32_MAX : (uint32_t)t;
        s->oldest_cas = 0;
    }
    cache_unlock(s);
}

/* ---- preload ---- */

void mcd_record_key(char *buf, uint64_t i, unsigned key_width) {
    for (unsigned k = key_width; k-- > 0;) {
        buf[k] = (char)('0' + i % 10);
        i /= 10;
    }
}

uint64_t mcd_store_preload(struct mcd_store *s, uint64_t n, unsigned key_width,
                           unsigned value_size) {
    if (key_width == 0 || key_width > MCD_KEY_MAX) return 0;
    char key[MCD_KEY_MAX];
    for (uint64_t i = 0; i < n; i++) {
        mcd_record_key(key, i, key_width);
        uint32_t hv = mcd_hash(key, key_width);
        enum mcd_alloc_err err;
        struct mcd_item *it = item_alloc(s, key, key_width, hv, 0, 0, value_size, false, &err);
        if (!it) return i;
        mcd_record_key(mcd_item_value(it), i, value_size);
        memcpy(mcd_item_value(it) + value_size, "\r\n", 2);
        item_lock(s, hv);
        do_store_item(s, it, MCD_SET, 0);
        it->refcount--;
        item_unlock(s, hv);
    }
    return n;
}

size_t mcd_store_preload_bytes(const struct mcd_store *s, uint64_t n, unsigned key_width,
                               unsigned value_size) {
    int id = slabs_clsid(s, item_ntotal(key_width, value_size));
    if (id < 0) return 0;
    size_t per = s->cls[id].perslab;
    size_t pages = (size_t)((n + per - 1) / per);
    return pages * s->page_size + ((size_t)1 << s->hashpower) * sizeof(struct mcd_item *);
}
