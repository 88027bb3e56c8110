/* sim/tile_api.h: the runtime API that tile code (stack/, workloads/) sees.
 * It is the only simulator header tile code includes.
 *
 * Model (docs/tiles.md): a tile is idle until input arrives (a word in one of
 * its UDN demux queues, a notification on one of its rings, an expired
 * timer). It then runs the registered handler natively, once, at that
 * simulated time; the handler's cost is measured by instrumentation
 * (instructions x chip.cpi + memory cycles beyond L1 hits) plus what it
 * charges explicitly through this API (UDN words, copies, lock waits). The
 * tile is busy until start + cost, then polls again (chip.tile.poll_cycles per
 * iteration). Every action taken through this API is time-stamped at the
 * handler's start + the cycles consumed so far (tile_now()).
 *
 * Handlers: run to completion; a lock taken in a handler must be released in
 * it. Memory: tile code allocates from arenas (tile_alloc: the tile's private
 * memory; tile_proc_alloc: its process's heap; tile_shared_alloc: chip-wide
 * shared memory); host malloc memory is outside every region and faults in
 * protected mode. Errors: calls with bad arguments return -1 / NULL / false and
 * never crash; protection, lock and budget faults are handled by the runtime
 * (chip.protection.on_fault).
 */
#ifndef TESSERA_SIM_TILE_API_H
#define TESSERA_SIM_TILE_API_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct tile;

enum tile_role { TILE_ROLE_NONE, TILE_ROLE_NET, TILE_ROLE_APP, TILE_ROLE_RTC };

/* Profile labels: cycles of a tile are split by these. */
enum tile_label {
    TILE_LABEL_APP,
    TILE_LABEL_STACK,
    TILE_LABEL_DRIVER,
    TILE_LABEL_LOCK,  /* waiting for a spin lock (set by the runtime) */
    TILE_LABEL_STALL, /* stalled on a full UDN send (set by the runtime) */
    TILE_LABEL_IDLE,  /* no input (set by the runtime) */
    TILE_LABEL_COUNT,
};

#define TILE_UDN_QUEUES 4u
#define TILE_UDN_MAX_WORDS 126u
#define TILE_RINGS 8u

typedef void (*tile_handler_fn)(struct tile *t, void *ctx);
/* A tile program's start: runs once at time 0 to register handlers. */
typedef void (*tile_main_fn)(struct tile *t, void *arg);
typedef uint64_t tile_timer_id;

/* Input sources. Return 0, or -1 for a bad queue/ring number. fn NULL removes. */
int tile_on_udn(struct tile *t, unsigned queue, tile_handler_fn fn, void *ctx);
int tile_on_ring(struct tile *t, unsigned ring, tile_handler_fn fn, void *ctx);
/* Take up to max pending notifications of a ring; returns how many were taken. */
uint64_t tile_ring_take(struct tile *t, unsigned ring, uint64_t max);

/* Timers: fn runs on this tile once at least delay_ps after now. 0 = failed
 * (no fn, or a delay beyond 2^63 ps). */
tile_timer_id tile_timer_arm(struct tile *t, uint64_t delay_ps, tile_handler_fn fn, void *ctx);
/* true if the timer was pending and will not run. */
bool tile_timer_cancel(struct tile *t, tile_timer_id id);

/* UDN. A message is 1..TILE_UDN_MAX_WORDS words to (dst tile, demux queue).
 * tile_udn_send stalls the tile while the network cannot take the message
 * (the tile takes no new input meanwhile); returns 0, or -1 on bad arguments.
 * tile_udn_try_send returns 1 if sent, 0 if there are not enough credits
 * (nothing sent), -1 on bad arguments. */
int tile_udn_send(struct tile *t, unsigned dst, unsigned queue, const uint64_t *words, size_t n);
int tile_udn_try_send(struct tile *t, unsigned dst, unsigned queue, const uint64_t *words,
                      size_t n);
/* Words that may be sent to (dst, queue) now without stalling. */
uint64_t tile_udn_credits(struct tile *t, unsigned dst, unsigned queue);
/* Words waiting in this tile's demux queue / receive up to max of them. */
size_t tile_udn_avail(struct tile *t, unsigned queue);
size_t tile_udn_recv(struct tile *t, unsigned queue, uint64_t *words, size_t max);

/* Arenas (16-byte aligned; NULL when full or size 0). */
void *tile_alloc(struct tile *t, size_t size);
void tile_free(struct tile *t, void *p);
void *tile_proc_alloc(struct tile *t, size_t size);
void tile_proc_free(struct tile *t, void *p);
void *tile_shared_alloc(struct tile *t, size_t size);
void tile_shared_free(struct tile *t, void *p);

/* Copy through the cache model (one load and one store per line, plus
 * chip.tile.copy_line_cycles); checked like any access. */
void tile_copy(struct tile *t, void *dst, const void *src, size_t n);

/* Spin locks in simulated memory (the struct must live in an arena). */
struct tile_lock {
    uint64_t word;    /* holder tile + 1, 0 when free */
    uint64_t free_at; /* simulated time of the last release (ps) */
    uint64_t acquisitions, contended, wait_cycles;
};
void tile_lock_init(struct tile *t, struct tile_lock *l);
/* Returns 0, or -1 if l is not in simulated memory. */
int tile_lock_acquire(struct tile *t, struct tile_lock *l);
/* Returns 0; a release by a tile that does not hold the lock is a fault (-1). */
int tile_lock_release(struct tile *t, struct tile_lock *l);

/* Charge cycles the C code cannot show (hardware work such as a doorbell). */
void tile_charge(struct tile *t, uint64_t cycles);
/* Ring a device doorbell (e.g. the NIC's egress queue): the chip's doorbell
 * callback runs at tile_now(). Returns -1 if no device is attached. */
int tile_doorbell(struct tile *t, unsigned port, uint64_t value);

/* Time and identity. */
uint64_t tile_now(struct tile *t);        /* ps */
uint64_t tile_now_cycles(struct tile *t); /* core cycles since time 0 */
uint64_t tile_handler_cycles(struct tile *t); /* cycles consumed by the running handler */
unsigned tile_id(const struct tile *t);
unsigned tile_count(const struct tile *t);
enum tile_role tile_role(const struct tile *t);
unsigned tile_process(const struct tile *t);

/* Set the profile label of the cycles that follow; returns the previous one.
 * Runtime labels (lock, stall, idle) cannot be set. */
enum tile_label tile_label_set(struct tile *t, enum tile_label l);

#endif
