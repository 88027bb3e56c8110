/* sim/tile/chip_config.h: configuration of the chip's tiles, caches and memory
 * (the `chip:` section). Every parameter carries its source tag from
 * ../shared/facts/tilegx.md; configs/chip/tilegx36.yaml sets them.
 *
 * The mesh geometry (width, height) and the UDN queue depths belong to the
 * NoC (`noc:`); the chip model takes them from there when it is built.
 * chip_config_check() checks what the schema cannot (powers of two, sizes
 * that divide into sets); the cache model (cache_sys_init, called by
 * chip_create) calls it before building a chip.
 */
#ifndef TESSERA_SIM_TILE_CHIP_CONFIG_H
#define TESSERA_SIM_TILE_CHIP_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sim/kernel/config.h"

struct chip_cache_config {
    uint64_t size_bytes;
    uint64_t ways;
    uint64_t hit_cycles; /* total load-to-use latency of a hit at this level */
};

/* The L3 has no geometry of its own: it is the union of the tiles' L2s
 * (chip.l2), a line's home copy held in its home tile's L2. */
struct chip_l3_config {
    uint64_t hit_cycles;       /* access at another tile's home copy, without the mesh trip */
    uint64_t hop_cycles;       /* mesh cycles per hop, each way */
    uint64_t home_map_entries; /* hash-for-home map size */
    uint64_t atomic_cycles;    /* extra cycles of an atomic executed at the home */
};

struct chip_dram_config {
    uint64_t controllers;
    uint64_t latency_cycles; /* controller + DRAM, at the controller */
    double bandwidth_gbps;   /* all controllers together */
    uint64_t stripe_bytes;   /* interleaving of addresses over controllers */
};

enum chip_prot_mode { CHIP_PROT_PROTECTED, CHIP_PROT_RTC };
/* Per-function profile: a sample every profile_sample_instr instructions, or
 * every executed block's instructions to its function. */
enum chip_profile_mode { CHIP_PROFILE_SAMPLED, CHIP_PROFILE_EXACT };
extern const char *const chip_profile_mode_names[];
enum chip_fault_action { CHIP_FAULT_STOP, CHIP_FAULT_ABORT, CHIP_FAULT_LOG };
extern const char *const chip_prot_mode_names[];
extern const char *const chip_fault_action_names[];

struct chip_protection_config {
    int mode;     /* enum chip_prot_mode */
    int on_fault; /* enum chip_fault_action */
    bool restart;
    uint64_t restart_delay_cycles;
};

struct chip_tile_config {
    uint64_t poll_cycles;
    uint64_t handler_budget_cycles;
    uint64_t sync_quantum_cycles;
    uint64_t private_bytes;
    uint64_t heap_bytes;
    uint64_t shared_bytes;
    uint64_t stack_bytes;
    uint64_t alloc_cycles;
    uint64_t copy_line_cycles;
    bool load_use_stall;
    uint64_t udn_word_cycles;
    uint64_t profile_sample_instr;
    int profile; /* enum chip_profile_mode */
};

/* Client hosts run the uninstrumented build of the same code; their handlers
 * are charged by this simple model (sim/tile_host.h). */
struct chip_host_config {
    uint64_t freq_hz;
    uint64_t handler_cycles;
    double cycles_per_byte;
};

struct chip_config {
    uint64_t core_freq_hz;
    double cpi;
    uint64_t line_bytes;
    struct chip_tile_config tile;
    struct chip_cache_config l1d;
    struct chip_cache_config l2;
    struct chip_l3_config l3;
    struct chip_dram_config dram;
    struct chip_protection_config protection;
    struct chip_host_config host;
};

extern const struct cfg_section chip_config_section;

/* Checks what the schema cannot. Writes one message naming the key into err
 * and returns false on the first problem. */
bool chip_config_check(const struct chip_config *c, char *err, size_t errlen);

/* ---- Simulated memory of a chip ----
 *
 * Every region of a chip takes simulated physical address space (regions
 * are laid out one after the other, each rounded up to 64 KB: sim/tile/mem.h),
 * and that space ends at MEM_PA_LIMIT (64 GiB): a region past it is not
 * created, and the chip, or the kind's run, fails. These functions compute
 * the layout of a configuration without building it, so that a kind's check
 * (struct exp_kind.check: validate, a sweep's up-front check, before every
 * run) refuses it instead. The bound is the address space itself, not a
 * key: it is what the chip can lay out, the same on every host. Host memory
 * is another matter: a region costs the host only the pages tile code
 * touches (mem_host_huge), so a layout that fits runs on a host with far
 * less memory than 64 GiB unless tile code fills it (docs/tiles.md,
 * "Memory: regions, arenas, protection"). */

/* Address space set aside for the program image after the shared region
 * (tile code's static data; sim/tile/tile_chip.c lays it out). */
#define CHIP_IMAGE_RESERVE_BYTES ((uint64_t)256 << 20)

/* Regions a kind creates on the chip besides chip_create()'s own: `count`
 * regions of `bytes` each (the size asked of chip_region_create(); the
 * layout rounds each up as mem_region_create() does), sized by the key
 * `key`, which the message of chip_sim_memory_check() names first when
 * these take the most (`what` says what they are: "Rx buffers"). A kind whose
 * tile programs use process heaps (created on first use) lists them here:
 * {"chip.tile.heap_bytes", "process heaps", c->tile.heap_bytes, processes}. */
struct chip_mem_need {
    const char *key;
    const char *what;
    uint64_t bytes;
    uint64_t count;
};

/* Bytes of simulated physical address space a chip of configuration c with
 * `tiles` tiles takes: what chip_create() lays out (the unused first page,
 * the shared region, the image reserve, each tile's private and stack
 * regions), plus the n regions of `needs` (NULL when n is 0). UINT64_MAX
 * when the sum does not fit in 64 bits. */
uint64_t chip_sim_memory_bytes(const struct chip_config *c, uint64_t tiles,
                               const struct chip_mem_need *needs, size_t n);

/* false, with a message in err, when chip_sim_memory_bytes() passes
 * MEM_PA_LIMIT. The message names first the key whose regions take the most
 * ("chip.tile.private_bytes: ..."), then the total, the bound and that
 * part's size. */
bool chip_sim_memory_check(const struct chip_config *c, uint64_t tiles,
                           const struct chip_mem_need *needs, size_t n, char *err, size_t errlen);

#endif
