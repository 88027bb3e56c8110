/* workloads/mcd_store.h: the key-value store behind the memcached server
 * (workloads/mcd.h), with memcached's memory and concurrency design, which
 * the paper's Figure 8 and Table 4 profile.
 *
 * Hash table: 2^hashpower buckets of chained items (config, default 16; the
 * paper uses 20), no resizing; the bucket and the lock stripe come from one
 * 32-bit hash of the key, MurmurHash3 x86_32 with seed 0 (our own code,
 * mcd_hash). Locks: 2^lock_power item locks (lock_power <= hashpower),
 * chosen by the key's hash, guard the buckets and the items in them
 * (links, refcounts, tx holds, in-place updates); one more lock guards the
 * slab allocator, the LRUs, the CAS counter and the store's counters. Order:
 * an item lock, then that one; at most one item lock at a time, and never
 * while allocating (eviction picks a victim under the LRU lock, lets it go,
 * then takes the victim's item lock and the LRU lock and checks again), so
 * plain blocking locks suffice. The locks are objects of the caller's size
 * in the store's memory, taken through the caller's lock operations, so
 * that several application tiles can share one store through the
 * simulator's spin locks (struct tile_lock); NULL operations: no locking
 * (one thread).
 *
 * Memory: one contiguous slab region of mem_bytes (given by the caller, or
 * taken from the allocator at creation), cut into pages of page_size
 * (default 1 MiB) that go, on demand and for good, to slab classes: chunk
 * sizes grow from header + chunk_min (-n, 48) by factor_pct/100 (-f 1.25),
 * 8-byte aligned, and the last class is item_max (-I, 1 MiB, at most a page).
 * An item is one chunk: a 62-byte header, the key, the value and "\r\n" (so
 * the server sends value and line end as one zero-touch reference). Each
 * class has a free list and an LRU; an allocation takes a free chunk, else a
 * new page, else the least recently used item of its class that nobody
 * holds: an expired one is reclaimed, a live one evicted; an item fetched
 * since the LRU last looked at it gets a second chance (back to the head,
 * like memcached's ACTIVE bit, so a get never takes the LRU lock). Pages
 * never move between classes (no slab rebalancing).
 * The table, the lock words and the store's state come from the allocator.
 *
 * Items carry a refcount (a command using it) and tx holds (bytes of its
 * value queued on connections and not yet acknowledged by TCP): an item
 * with either is never evicted, reused or freed; unlinking it (delete,
 * replace, expiry, flush) only removes it from the table, and its chunk is
 * freed when the last reference or hold goes. CAS ids are unique and
 * increasing (one counter per store). Times are unix seconds given by the
 * caller (mcd_store_set_time); the store has no clock. exptime follows
 * memcached: 0 never, negative already expired, up to 30 days relative,
 * else absolute. flush_all [delay] invalidates items stored before its time.
 *
 * Cost: a lookup is one hash, one lock pair and a bucket walk (expected
 * items/2^hashpower); an allocation O(1) amortised (eviction skips at most
 * 64 held items per look and tries at most 64 victims; second chances cost
 * one LRU move per get that set them).
 * Memory of N records: N chunks of the class that fits header + key + value
 * + 2, rounded up to whole pages, plus 8 bytes per bucket; 1 M mutilate USR
 * records (19-byte keys, 2-byte values: 85 bytes, class 112) take 107 pages
 * (107 MiB of slab) and 8 MiB of table at hashpower 20
 * (mcd_store_preload_bytes, test mcd_store::preload_memory).
 */
#ifndef TESSERA_WORKLOADS_MCD_STORE_H
#define TESSERA_WORKLOADS_MCD_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "stack/stk_defs.h"

#define MCD_KEY_MAX 250
#define MCD_REALTIME_MAXDELTA (60 * 60 * 24 * 30) /* exptime above: absolute */

/* Lock operations on lock objects of `size` bytes (0: a 32-bit word) that
 * the store keeps in its own memory (from its allocator, zeroed; init, if
 * given, runs on each at creation), 8-byte aligned. */
struct mcd_lock_ops {
    void (*lock)(void *ctx, void *lk);
    void (*unlock)(void *ctx, void *lk);
    void (*init)(void *ctx, void *lk); /* optional */
    size_t size;
    void *ctx;
};

struct mcd_store_config {
    unsigned hashpower;  /* buckets = 2^hashpower (0: 16) */
    unsigned lock_power; /* item lock words = 2^lock_power (0: 12; <= hashpower) */
    size_t mem_bytes;    /* slab memory (0: 64 MiB) */
    void *mem;           /* a caller's region of mem_bytes (8-byte aligned); NULL: allocated */
    size_t page_size;    /* slab page (0: 1 MiB) */
    size_t item_max;     /* largest item, header included (0: page_size) */
    unsigned chunk_min;  /* -n: smallest key + value space (0: 48) */
    unsigned factor_pct; /* -f x 100 (0: 125) */
    const struct mcd_lock_ops *locks; /* NULL: no locking */
};

struct mcd_store_stats {
    uint64_t curr_items, total_items, bytes; /* bytes: of the items' chunks in use */
    uint64_t evictions, reclaimed, expired_unfetched, evicted_unfetched;
    uint64_t pages_used, pages_total, alloc_failures;
};

/* An item as the server sees it. */
struct mcd_item {
    struct mcd_item *h_next;      /* bucket chain */
    struct mcd_item *prev, *next; /* LRU or free list */
    uint64_t cas;
    uint32_t exptime; /* unix seconds, 0: never */
    uint32_t time;    /* stored at (flush_all) */
    uint32_t flags;   /* the client's */
    uint32_t nbytes;  /* value bytes, the "\r\n" after them not counted */
    uint32_t hv;      /* the key's hash */
    uint32_t txholds;
    uint16_t refcount;
    uint8_t nkey, clsid, iflags;
    uint8_t active; /* fetched since the LRU last looked (a byte of its own:
                     * set under the item lock, cleared under the LRU lock) */
    char data[];    /* key, value, "\r\n" (at offset 62) */
};

static inline const char *mcd_item_key(const struct mcd_item *it) { return it->data; }
static inline char *mcd_item_value(struct mcd_item *it) { return it->data + it->nkey; }

struct mcd_store;

/* NULL on bad config or out of memory. alloc: NULL for the default. */
struct mcd_store *mcd_store_create(const struct mcd_store_config *cfg,
                                   const struct stk_alloc *alloc);
void mcd_store_destroy(struct mcd_store *s);
void mcd_store_set_time(struct mcd_store *s, uint32_t now);
uint32_t mcd_store_now(const struct mcd_store *s);
/* Counters (read without locks: a snapshot for reports). */
void mcd_store_stats(struct mcd_store *s, struct mcd_store_stats *out);
unsigned mcd_store_hashpower(const struct mcd_store *s);
size_t mcd_store_mem_bytes(const struct mcd_store *s);
/* The largest value a key of nkey bytes may have (the item size limit). */
size_t mcd_store_value_max(const struct mcd_store *s, size_t nkey);
/* The chunk size holding an item of this key and value size (0: too large). */
size_t mcd_store_chunk_size(const struct mcd_store *s, size_t nkey, size_t nbytes);
uint32_t mcd_hash(const void *key, size_t len);

/* ---- Commands. Keys are (ptr, len) with len <= MCD_KEY_MAX. ---- */

/* A live item with one reference taken (release with mcd_item_release), or
 * NULL. With touch, its exptime is set first (gat). */
struct mcd_item *mcd_item_get(struct mcd_store *s, const char *key, size_t nkey, bool touch,
                              int64_t exptime);
void mcd_item_release(struct mcd_store *s, struct mcd_item *it);
/* The same, but the item comes with a tx hold instead of a reference (the
 * server's get: one lock pair now, one at data_acked). */
struct mcd_item *mcd_item_get_tx(struct mcd_store *s, const char *key, size_t nkey, bool touch,
                                 int64_t exptime);
/* A tx hold on an item the caller holds a reference to (or a hold on), and
 * its release (which frees an unlinked item's chunk with the last hold). */
void mcd_item_hold_tx(struct mcd_store *s, struct mcd_item *it);
void mcd_item_release_tx(struct mcd_store *s, struct mcd_item *it);

enum mcd_alloc_err { MCD_ALLOC_OK, MCD_ALLOC_TOO_LARGE, MCD_ALLOC_NOMEM };
/* A new unlinked item with one reference, value space of nbytes + 2 for
 * the caller to fill (value and "\r\n"); NULL and *err when it cannot be. */
struct mcd_item *mcd_item_alloc(struct mcd_store *s, const char *key, size_t nkey, uint32_t flags,
                                int64_t exptime, uint32_t nbytes, enum mcd_alloc_err *err);

enum mcd_op { MCD_SET, MCD_ADD, MCD_REPLACE, MCD_APPEND, MCD_PREPEND, MCD_CAS };
enum mcd_store_res { MCD_STORED, MCD_NOT_STORED, MCD_EXISTS, MCD_NOT_FOUND, MCD_NO_MEMORY };
/* Stores a filled item from mcd_item_alloc (the caller still releases it). */
enum mcd_store_res mcd_item_store(struct mcd_store *s, struct mcd_item *it, enum mcd_op op,
                                  uint64_t cas);
/* Removes a key's item; true when there was one. */
bool mcd_item_delete(struct mcd_store *s, const char *key, size_t nkey);
enum mcd_delta_res { MCD_DELTA_OK, MCD_DELTA_NOT_FOUND, MCD_DELTA_NON_NUMERIC, MCD_DELTA_NOMEM };
/* incr (wraps at 2^64) or decr (floors at 0); *out: the new value. */
enum mcd_delta_res mcd_item_delta(struct mcd_store *s, const char *key, size_t nkey, bool incr,
                                  uint64_t delta, uint64_t *out);
bool mcd_item_touch(struct mcd_store *s, const char *key, size_t nkey, int64_t exptime);
/* flush_all: delay <= 0 now, else in delay seconds. */
void mcd_store_flush(struct mcd_store *s, int64_t delay);

/* Writes records 0..n-1 straight into the store (no protocol): keys are the
 * record index in decimal, zero-padded to key_width characters, values
 * value_size bytes: the index's last value_size decimal digits, zero-padded
 * (record 12345 with value_size 2: "45"), flags 0, no expiry. Stops when
 * memory runs out without evicting; returns the records written. */
uint64_t mcd_store_preload(struct mcd_store *s, uint64_t n, unsigned key_width,
                           unsigned value_size);
/* Slab and table bytes that n such records need (whole pages). */
size_t mcd_store_preload_bytes(const struct mcd_store *s, uint64_t n, unsigned key_width,
                               unsigned value_size);
/* The key of record i as mcd_store_preload writes it (buf: key_width bytes). */
void mcd_record_key(char *buf, uint64_t i, unsigned key_width);

#endif
