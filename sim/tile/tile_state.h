/* sim/tile/tile_state.h: the tile runtime's shared state: struct tile,
 * struct chip and the records they hold (timers, handlers).
 *
 * Internal to the tile runtime (the tile_*.c modules of sim/tile); nothing
 * outside sim/tile includes it: the simulator sees struct chip and struct tile
 * as opaque (tile.h), tile code sees struct tile as opaque (tile_api.h).
 * Every runtime module reads these fields directly (they are one component
 * split by concern); a group of fields is written by the module its comment
 * names (timers: tile_timer, messages and queues: tile_udn, ...), which keeps
 * it consistent.
 *
 * Memory: the chip owns its tiles; a tile owns its timers (freed by
 * chip_destroy).
 * Cost: none (declarations only).
 */
#ifndef TESSERA_SIM_TILE_TILE_STATE_H
#define TESSERA_SIM_TILE_TILE_STATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sim/kernel/clock.h"
#include "sim/kernel/engine.h"
#include "sim/tile/cov.h"
#include "sim/tile/tile.h"

/* Tile code's static data. The tile-code build (sim/tile/tile_cc.sh) moves
 * every data section of a tile object into one of four sections; chip_create
 * (tile_chip.c) lays them out one after the other in the image region. */
#define TILE_IMAGE_PARTS 4

/* Locks one handler may hold at once (more is a lock fault). */
#define TILE_MAX_HELD_LOCKS 16

enum tile_state { TS_OFF, TS_IDLE, TS_SCHEDULED, TS_RUNNING, TS_STOPPED };

/* An armed timer (tile_timer.c). */
struct timer {
    tile_timer_id id;
    sim_event_id ev;
    struct tile *tile;
    tile_handler_fn fn;
    void *ctx;
    bool fired, cancelled;
    struct timer *next; /* in the tile's fired list */
};

struct handler {
    tile_handler_fn fn;
    void *ctx;
};

struct tile {
    struct chip *chip;
    unsigned id;
    enum tile_role role;
    unsigned process;
    enum tile_state state;
    struct cov_ctx cov;
    tile_main_fn main;
    void *main_arg;
    bool main_pending;
    /* running handler */
    sim_time_t start_ps;
    uint64_t start_cycle; /* core cycle index of start */
    uint64_t extra;       /* explicit charges in this handler */
    sim_time_t busy_until;
    enum tile_label label;
    uint64_t label_mark;
    uintptr_t stack_lo, stack_hi; /* host range of tile code's frames (see coro.h) */
    struct coro *coro;            /* handlers run on it */
    bool in_handler;
    bool suspended;      /* its handler waits on the coroutine (tile_sync.c) */
    bool waiting;        /* ... for another tile's action (tile_sync_wait) */
    bool udn_waiting;    /* ... in tile_udn_recv_wait, for words to arrive */
    unsigned locks_held; /* entries of held[] */
    struct tile_lock *held[TILE_MAX_HELD_LOCKS]; /* (tile_lock.c) */
    /* the handler in progress (tile_exec.c) */
    tile_handler_fn h_fn;
    struct timer *h_timer; /* the timer it serves, or NULL */
    uint64_t h_loads0, h_stores0;
    /* inputs */
    struct handler udn_h[TILE_UDN_QUEUES], ring_h[TILE_RINGS];
    uint64_t ring_pending[TILE_RINGS];
    struct timer **timers;
    size_t ntimers, cap_timers;
    struct timer *fired_head, *fired_tail;
    unsigned rr;
    bool net_stalled; /* blocked in a send until chip_udn_sent (tile_udn.c) */
    /* regions */
    struct mem_region *priv, *stack;
    struct tile_prof prof;
    uint64_t instr_units; /* prof.instr in 1/COV_INSTR_ONE (handlers' fractions add up) */
    /* thresholds of cov.instr (1/COV_INSTR_ONE instructions, as it) */
    uint64_t budget_instr, next_sample;
    uint64_t quantum_instr, quantum_stall; /* the quantum's thresholds (tile_sync.c) */
    /* instructions per instrumented function (sampled or exact), in
     * 1/COV_INSTR_ONE */
    uint64_t *fn_instr;
    uint64_t *rights_seen; /* bitmap by region id: rights evaluated (tile_access.c) */
    size_t rights_seen_words;
    /* exact profile: instructions counted up to the last block attributed */
    uint64_t exact_mark;
};

struct chip {
    struct chip_config cfg;
    struct chip_geom geom;
    struct sim_engine *engine;
    struct sim_clock clock;
    uint64_t cpi_q16;
    uint64_t dep_q16; /* load-use stall of a dependent load, 1/65536 cycles */
    struct cache_sys caches;
    struct mem_map mem;
    struct mem_region *shared, *image;
    struct {
        uintptr_t lo, hi; /* host range of one tile_* section */
        uint64_t off;     /* its offset in the image region */
    } image_part[TILE_IMAGE_PARTS];
    struct mem_region **heaps;
    size_t nheaps;
    struct tile *tiles;
    unsigned ntiles;
    /* The event that runs a tile (ctx: the tile), installed by chip_create:
     * tile_wake (low in the runtime) schedules the executor (above it)
     * through it. */
    sim_event_fn run;
    /* The event that resumes a suspended handler (ctx: the tile), installed
     * by chip_create for tile_sync (low) to reach the executor (above). */
    sim_event_fn resume;
    const struct tile_net_ops *net;
    void *net_ctx;
    chip_doorbell_fn doorbell;
    void *doorbell_ctx;
    const struct tile_nic_ops *nic;
    void *nic_ctx;
    tile_timer_id next_timer;
    struct {
        struct tile_lock *lock;
        struct tile *tile;
    } * lock_waits; /* tiles waiting for a lock, in order (tile_lock.c) */
    size_t nlock_waits, cap_lock_waits;
    bool waiters_reported; /* chip_finish reported the tiles still waiting */
    struct tile_fault *faults;
    size_t nfaults, cap_faults;
    uint64_t fault_count[TILE_FAULT_KIND_COUNT];
    bool aborted;
    uint64_t unmapped_accesses;
};

#endif
