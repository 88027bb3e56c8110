/* sim/tile/tile.h: the simulated chip: tiles that run real C code, their
 * memory regions and caches (simulator side; tile code sees sim/tile_api.h).
 *
 * What it does: chip_create() builds W x H tiles (geometry from the NoC
 * config), the cache hierarchy (sim/cache.h), the memory map (sim/mem.h) with
 * a private arena and a stack region per tile and a shared region. A tile
 * program is started with chip_tile_start(): its main runs as the first
 * handler at time 0 and registers handlers through tile_api.h. The runtime
 * wakes a tile when input arrives, runs one handler natively with the
 * coverage context (sim/cov.h) current, and keeps the tile busy for the
 * measured cost (see tile_api.h and docs/tiles.md).
 *
 * UDN: the runtime has no model of its own: the NoC's UDN (or a test
 * double) plugs in with chip_set_net() (struct tile_net_ops;
 * sim/chip/chip_udn.h); without one, the UDN calls of tile_api.h fail.
 *
 * NIC: a device plugged in with chip_set_nic() (struct tile_nic_ops;
 * nic/chip_nic.h) serves the tile_nic_* driver calls of tile_api.h; the
 * runtime charges the cycles each call returns on the calling tile,
 * labelled driver, at tile_now().
 *
 * Faults: protection (access without the right), outside (no region), lock
 * (release by a non-holder, lock held at handler end), budget (a handler over
 * chip.tile.handler_budget_cycles). Each is recorded with tile, time, address,
 * region, access kind and code location and counted; chip.protection.on_fault
 * stops the tile (the handler is cut short: its coroutine is abandoned; optionally restarted
 * later), aborts the run (sim_engine_stop and chip_aborted()), or logs and
 * lets the access happen (budget faults always cut the handler short).
 *
 * Time: handlers run on coroutines and synchronise with global time at every
 * operation that depends on other tiles, and within a quantum between them
 * (tile_sync.h, docs/tiles.md).
 *
 * Memory: the chip owns tiles, regions, caches and timers.
 * Cost: one engine event per handler run, per suspension, per timer.
 * Left out: interrupts, preemption, multiple processes per tile.
 */
#ifndef TESSERA_SIM_TILE_TILE_H
#define TESSERA_SIM_TILE_TILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sim/kernel/engine.h"
#include "sim/tile/cache.h"
#include "sim/tile/chip_config.h"
#include "sim/tile/mem.h"
#include "sim/tile/tile_api.h"

struct json_writer;
struct chip;

struct chip_geom {
    unsigned width, height;
};

/* The UDN plugged into the chip (the NoC's, noc/udn.h, through
 * sim/chip/chip_udn.h). The demux queues live in the network. The runtime
 * calls send() at the simulated time of the handler's action (handlers are
 * synchronised with global time there); the network calls chip_udn_arrived()
 * when words arrive and chip_udn_sent() when a stalled sender may go on. */
enum tile_net_status {
    TILE_NET_SENT,    /* the whole message was taken */
    TILE_NET_STALLED, /* taken; the sender stalls until chip_udn_sent(src) */
    TILE_NET_FULL,    /* nothing taken; retried after chip_udn_sent(src) */
};
struct tile_net_ops {
    int (*send)(void *net, unsigned src, unsigned dst, unsigned queue, const uint64_t *w, size_t n);
    /* Data words src could send to (dst, queue) now without stalling. */
    uint64_t (*credits)(void *net, unsigned src, unsigned dst, unsigned queue);
    size_t (*avail)(void *net, unsigned tile, unsigned queue);
    size_t (*recv)(void *net, unsigned tile, unsigned queue, uint64_t *out, size_t max);
};

/* A NIC plugged into the chip (nic/chip_nic.h implements it): the tile_nic_*
 * calls of tile_api.h land here with the calling tile, its time (tile_now())
 * and a cycle counter the runtime charges to the tile, labelled `driver`.
 * poll sets *more when visible descriptors remain after it. */
struct tile_nic_ops {
    uint64_t (*poll)(void *nic, unsigned tile, unsigned ring, sim_time_t now, struct tile_pkt *out,
                     uint64_t max, bool *more, uint64_t *cycles);
    int (*credit)(void *nic, unsigned tile, unsigned ring, uint64_t n, sim_time_t now,
                  uint64_t *cycles);
    int (*buffer_return)(void *nic, unsigned stack, void *buf, sim_time_t now, uint64_t *cycles);
    void *(*buffer_alloc)(void *nic, unsigned stack, sim_time_t now, uint64_t *cycles);
    uint64_t (*post)(void *nic, unsigned ering, const struct tile_txd *d, uint64_t n,
                     sim_time_t now, uint64_t *cycles);
    int (*doorbell)(void *nic, unsigned ering, sim_time_t now, uint64_t *cycles);
    uint64_t (*completed)(void *nic, unsigned ering, sim_time_t now, uint64_t *cycles);
    uint64_t (*space)(void *nic, unsigned ering);
    int (*reg)(void *nic, unsigned tile, unsigned process, const void *p, size_t len);
};

enum tile_fault_kind {
    TILE_FAULT_PROTECTION,
    TILE_FAULT_OUTSIDE,
    TILE_FAULT_LOCK,
    TILE_FAULT_BUDGET,
    TILE_FAULT_KIND_COUNT,
};
extern const char *const tile_fault_kind_names[];

struct tile_fault {
    unsigned tile;
    enum tile_fault_kind kind;
    sim_time_t time;
    uint64_t pa;     /* simulated address (0 if outside every region) */
    char region[40]; /* region name or "-" */
    unsigned access; /* COV_READ / COV_WRITE, 0 for non-access faults */
    char where[128]; /* code location */
    char what[128];
};

struct tile_prof {
    uint64_t cycles[TILE_LABEL_COUNT];
    uint64_t handlers, instr, mem_cycles, loads, stores, faults;
    uint64_t syncs; /* suspensions until global time caught up (tile_sync.h) */
    /* regions whose rights the tile evaluated (chip.protection.mode
     * protected: each region once; 0 in rtc mode) */
    uint64_t rights_checks;
};

typedef void (*chip_doorbell_fn)(void *ctx, unsigned tile, unsigned port, uint64_t value,
                                 sim_time_t t);

struct chip *chip_create(const struct chip_config *cfg, const struct chip_geom *g,
                         struct sim_engine *e, char *err, size_t errlen);
void chip_destroy(struct chip *c);

unsigned chip_tile_count(const struct chip *c);
struct tile *chip_tile(struct chip *c, unsigned id);
/* Give tile `id` a role and process and schedule main(t, arg) at time 0.
 * Returns 0, or -1 (message in err) for a bad id or a tile already started. */
int chip_tile_start(struct chip *c, unsigned id, enum tile_role role, unsigned process,
                    tile_main_fn main, void *arg, char *err, size_t errlen);

/* Regions: create one (kind, name, size, owner, fixed home or -1). */
struct mem_region *chip_region_create(struct chip *c, enum mem_kind kind, const char *name,
                                      uint64_t size, int owner, int home);
struct mem_region *chip_shared_region(struct chip *c);
struct mem_region *chip_private_region(struct chip *c, unsigned tile);
/* The heap of a process (created on first use, chip.tile.heap_bytes). */
struct mem_region *chip_proc_heap(struct chip *c, unsigned process);
const struct mem_map *chip_mem_map(const struct chip *c);

/* A device wrote [host, host + len) (e.g. the NIC into Rx memory): the lines
 * land in their homes' L2s as home copies (the L3 is the tiles' L2s) and
 * other cached copies are invalidated (see
 * cache_dma_write). Returns -1 if the range is not inside one region. */
int chip_dma_write(struct chip *c, const void *host, size_t len);

/* Inputs from devices. */
void chip_ring_post(struct chip *c, unsigned tile, unsigned ring, uint64_t n, sim_time_t t);
void chip_set_doorbell(struct chip *c, chip_doorbell_fn fn, void *ctx);
/* Plug in a NIC for the tile_nic_* calls (ops NULL unplugs). */
void chip_set_nic(struct chip *c, const struct tile_nic_ops *ops, void *nic);
/* Plug in a network (before any tile starts). */
void chip_set_net(struct chip *c, const struct tile_net_ops *ops, void *net);
void chip_udn_arrived(struct chip *c, unsigned tile, sim_time_t t);
void chip_udn_sent(struct chip *c, unsigned src, sim_time_t t);

/* Results. chip_finish closes the profiles at time end (idle to the end). */
void chip_finish(struct chip *c, sim_time_t end);
const struct tile_prof *chip_tile_prof(const struct chip *c, unsigned id);
size_t chip_faults(const struct chip *c, const struct tile_fault **out);
uint64_t chip_fault_count(const struct chip *c, enum tile_fault_kind k);
/* Instrumented accesses outside every region (host memory; faults when protected). */
uint64_t chip_unmapped_accesses(const struct chip *c);
bool chip_aborted(const struct chip *c);
struct cache_sys *chip_caches(struct chip *c);
/* {"tiles":[{id, role, handlers, instructions, cycles:{app,...,idle}, ...}],
 *  "caches":{...}, "faults":{...}} */
void chip_write_stats(const struct chip *c, struct json_writer *w);
/* tile,role,label,cycles rows; returns 0 or -1 (errno) */
int chip_write_profile_csv(const struct chip *c, const char *path);
/* tile,function,instructions rows: the sampled per-function profile
 * (chip.tile.profile_sample_instr) or the exact one (chip.tile.profile:
 * exact); names from the program's symbol table (static functions too),
 * fn#<index> for a function without a symbol. */
int chip_write_function_csv(const struct chip *c, const char *path);

extern const char *const tile_label_names[];
extern const char *const tile_role_names[];

#endif
