#include "sim/tile/chip_config.h"

#include <stdio.h>

#include "sim/tile/mem.h"

const char *const chip_prot_mode_names[] = {"protected", "rtc", NULL};
const char *const chip_fault_action_names[] = {"stop", "abort", "log", NULL};
const char *const chip_profile_mode_names[] = {"sampled", "exact", NULL};

static const struct cfg_key tile_keys[] = {
    CFG_UINT_KEY(struct chip_tile_config, poll_cycles, "20", 0, 1e6, "cycles",
                 "Cycles charged per iteration of a tile's poll loop (one per handler "
                 "dispatch) [A]."),
    CFG_UINT_KEY(struct chip_tile_config, handler_budget_cycles, "100000000", 1000, 1e13, "cycles",
                 "A handler running longer than this is stopped with a budget fault [A]."),
    CFG_UINT_KEY(struct chip_tile_config, sync_quantum_cycles, "1000", 0, 1e12, "cycles",
                 "How far a running handler may get ahead of global simulated time before it "
                 "waits for the other tiles (0: no limit). Locks, UDN, NIC and timer calls "
                 "always happen in global time order; plain memory accesses are in order up "
                 "to this quantum (docs/tiles.md, \"Execution model\": the measured effect) "
                 "[A]."),
    CFG_UINT_KEY(struct chip_tile_config, private_bytes, "1048576", 4096, 1e10, "B",
                 "Size of each tile's private arena [A]."),
    CFG_UINT_KEY(struct chip_tile_config, heap_bytes, "16777216", 65536, 1e11, "B",
                 "Size of each application process's heap arena [A]."),
    CFG_UINT_KEY(struct chip_tile_config, shared_bytes, "4194304", 65536, 1e11, "B",
                 "Size of the chip-wide shared arena (locks, shared counters) [A]."),
    CFG_UINT_KEY(struct chip_tile_config, stack_bytes, "262144", 4096, 1e9, "B",
                 "Simulated stack region of each tile; a handler's host stack maps onto it [A]."),
    CFG_UINT_KEY(struct chip_tile_config, alloc_cycles, "30", 0, 1e6, "cycles",
                 "Cycles charged per arena allocation or free (the allocator is simulator "
                 "code, not instrumented) [A]."),
    CFG_UINT_KEY(struct chip_tile_config, copy_line_cycles, "4", 0, 1e6, "cycles",
                 "Instruction cycles per 64 B line of tile_copy, on top of its cache accesses "
                 "(one load and one store per line) [A]."),
    CFG_BOOL_KEY(struct chip_tile_config, load_use_stall, "true",
                 "An 8-byte load whose address lies within a line past the value of the "
                 "previous 8-byte load waits for it: charged l1d.hit_cycles - cpi (in-order "
                 "core; the L1 hit is otherwise folded into cpi) [A]."),
    CFG_UINT_KEY(struct chip_tile_config, udn_word_cycles, "1", 0, 1000, "cycles",
                 "Cycles to move one UDN word between a register and the network, each side "
                 "[S GCC cost model]."),
    CFG_UINT_KEY(struct chip_tile_config, profile_sample_instr, "1000", 0, 1e9, "instructions",
                 "Per-function profile: the running function is sampled every this many "
                 "simulated instructions (0: off); costs nothing between samples [A]."),
    CFG_ENUM_KEY(struct chip_tile_config, profile, "sampled", chip_profile_mode_names,
                 "Per-function profile: sampled (every profile_sample_instr instructions, "
                 "cheap) or exact (every executed block's instructions to its function, so "
                 "the functions add up to the tile's instructions; the guard hook then calls "
                 "the runtime on every block, several times slower)."),
};
static CFG_SECTION_DEF(tile_section, "chip.tile", "Tile execution model.", tile_keys);

static const struct cfg_key l1d_keys[] = {
    CFG_UINT_KEY(struct chip_cache_config, size_bytes, "32768", 1024, 1e9, "B",
                 "L1 data cache per tile: 32 KB [S K-chip]."),
    CFG_UINT_KEY(struct chip_cache_config, ways, "2", 1, 64, "ways",
                 "L1D associativity: 2-way [S K-chip]."),
    CFG_UINT_KEY(struct chip_cache_config, hit_cycles, "2", 1, 1000, "cycles",
                 "L1D load-to-use latency: 2 cycles [P]."),
};
static CFG_SECTION_DEF(l1d_section, "chip.l1d", "Per-tile L1 data cache (LRU).", l1d_keys);

static const struct cfg_key l2_keys[] = {
    CFG_UINT_KEY(struct chip_cache_config, size_bytes, "262144", 4096, 1e10, "B",
                 "L2 per tile: 256 KB [S K-chip]."),
    CFG_UINT_KEY(struct chip_cache_config, ways, "8", 1, 64, "ways",
                 "L2 associativity: 8-way [S K-chip]."),
    CFG_UINT_KEY(struct chip_cache_config, hit_cycles, "11", 1, 1000, "cycles",
                 "L2 hit latency: 11 cycles [P]. At least chip.l1d.hit_cycles."),
};
static CFG_SECTION_DEF(l2_section, "chip.l2", "Per-tile L2 cache (LRU).", l2_keys);

/* (chip.l3.slice_bytes and chip.l3.ways are gone: the L3 is the tiles' L2s,
 * so its slices have the L2's size and ways; a config naming them is refused
 * as an unknown key) */
static const struct cfg_key l3_keys[] = {
    CFG_UINT_KEY(
        struct chip_l3_config, hit_cycles, "32", 1, 10000, "cycles",
        "Hit at the home copy in another tile's L2 (the distributed L3 is the tiles' L2s), "
        "without the mesh round trip: the paper's 40-cycle remote L3 [P] minus the mean 6x6 "
        "round trip of ~8 hops [D]. A line homed on the asking tile costs an L2 hit instead. "
        "At least chip.l2.hit_cycles."),
    CFG_UINT_KEY(struct chip_l3_config, hop_cycles, "1", 0, 100, "cycles",
                 "Mesh cycles per hop for cache traffic, each way: 1 [P]."),
    CFG_UINT_KEY(struct chip_l3_config, home_map_entries, "128", 1, 65536, "entries",
                 "Hash-for-home map: a line hashes to one of these entries, each naming a "
                 "home tile (filled round-robin): 128 [S K-chip, K-init]."),
    CFG_UINT_KEY(struct chip_l3_config, atomic_cycles, "10", 0, 10000, "cycles",
                 "Extra cycles of an atomic (lock word) at the home beyond an L3 access: "
                 "GCC's 50-cycle atomic [S GCC-sched] minus the 40-cycle L3 [P] [D]."),
};
static CFG_SECTION_DEF(l3_section, "chip.l3",
                       "Distributed L3: the union of the tiles' L2s (chip.l2), hash-for-home, "
                       "a directory at each home copy.",
                       l3_keys);

static const struct cfg_key dram_keys[] = {
    CFG_UINT_KEY(struct chip_dram_config, controllers, "2", 1, 16, "controllers",
                 "Memory controllers at the mesh edge (Gx family: 1, 2 or 4; 2 assumed) [A]."),
    CFG_UINT_KEY(struct chip_dram_config, latency_cycles, "80", 0, 100000, "cycles",
                 "Controller + DRAM access time at the controller; GCC's 80-cycle miss hint is "
                 "the only figure found [A, S GCC-sched]."),
    CFG_DOUBLE_KEY(struct chip_dram_config, bandwidth_gbps, "170", 0.1, 1e5, "Gb/s",
                   "Shared-memory bandwidth of all controllers together: 170 Gb/s [P]."),
    CFG_UINT_KEY(struct chip_dram_config, stripe_bytes, "512", 64, 1e9, "B",
                 "Memory is striped over the controllers in 512 B stripes [S K-cf]."),
};
static CFG_SECTION_DEF(dram_section, "chip.dram", "DRAM behind memory controllers.", dram_keys);

static const struct cfg_key prot_keys[] = {
    CFG_ENUM_KEY(struct chip_protection_config, mode, "protected", chip_prot_mode_names,
                 "protected: every instrumented access is checked against the rights of the "
                 "tile's role (DLibOS); rtc: one address space, no checks [P]."),
    CFG_ENUM_KEY(struct chip_protection_config, on_fault, "stop", chip_fault_action_names,
                 "What a protection, lock or budget fault does: stop the tile, abort the run, "
                 "or log it and let the access happen [A]."),
    CFG_BOOL_KEY(struct chip_protection_config, restart, "false",
                 "With on_fault=stop, restart the stopped tile after "
                 "restart_delay_cycles (its pending input is kept) [A]."),
    CFG_UINT_KEY(struct chip_protection_config, restart_delay_cycles, "1000000", 0, 1e13, "cycles",
                 "Delay before a stopped tile is restarted [A]."),
};
static CFG_SECTION_DEF(prot_section, "chip.protection", "Memory protection between roles.",
                       prot_keys);

static const struct cfg_key host_keys[] = {
    CFG_UINT_KEY(struct chip_host_config, freq_hz, "3000000000", 1e6, 1e11, "Hz",
                 "Clock of a client host's core [A]."),
    CFG_UINT_KEY(struct chip_host_config, handler_cycles, "1000", 0, 1e9, "cycles",
                 "Fixed cost of one handler run on a client host (stack + driver path) [A]."),
    CFG_DOUBLE_KEY(struct chip_host_config, cycles_per_byte, "0.25", 0, 1000, "cycles/B",
                   "Cost per payload byte a client host's handler touches [A]."),
};
static CFG_SECTION_DEF(host_section, "chip.host",
                       "Simple CPU model of the client hosts (uninstrumented code).", host_keys);

static const struct cfg_key chip_keys[] = {
    CFG_UINT_KEY(struct chip_config, core_freq_hz, "1200000000", 1e6, 1e11, "Hz",
                 "Core clock of every tile. TILE-Gx36: 1.2 GHz [P]."),
    CFG_DOUBLE_KEY(struct chip_config, cpi, "0.5", 0.05, 16, "cycles/instruction",
                   "Average cycles per simulated instruction (3-wide VLIW) [A]."),
    CFG_UINT_KEY(struct chip_config, line_bytes, "64", 16, 4096, "B",
                 "Cache line size of every level: 64 B [S K-chip]."),
    CFG_SECTION_KEY(struct chip_config, tile, tile_section),
    CFG_SECTION_KEY(struct chip_config, l1d, l1d_section),
    CFG_SECTION_KEY(struct chip_config, l2, l2_section),
    CFG_SECTION_KEY(struct chip_config, l3, l3_section),
    CFG_SECTION_KEY(struct chip_config, dram, dram_section),
    CFG_SECTION_KEY(struct chip_config, protection, prot_section),
    CFG_SECTION_KEY(struct chip_config, host, host_section),
};
CFG_SECTION_DEF(chip_config_section, "chip", "Tiles, caches and memory of the chip.", chip_keys);

static bool pow2(uint64_t v) { return v && !(v & (v - 1)); }

static bool check_cache(const char *name, uint64_t size, uint64_t ways, uint64_t line, char *err,
                        size_t errlen) {
    if (size % (ways * line) != 0 || !pow2(size / (ways * line))) {
        snprintf(err, errlen,
                 "chip.%s: size_bytes %llu / (ways %llu x line_bytes %llu) must be a power of "
                 "two number of sets",
                 name, (unsigned long long)size, (unsigned long long)ways,
                 (unsigned long long)line);
        return false;
    }
    return true;
}

bool chip_config_check(const struct chip_config *c, char *err, size_t errlen) {
    if (!pow2(c->line_bytes)) {
        snprintf(err, errlen, "chip.line_bytes: %llu is not a power of two",
                 (unsigned long long)c->line_bytes);
        return false;
    }
    if (!pow2(c->dram.stripe_bytes) || c->dram.stripe_bytes < c->line_bytes) {
        snprintf(err, errlen,
                 "chip.dram.stripe_bytes: %llu must be a power of two >= chip.line_bytes",
                 (unsigned long long)c->dram.stripe_bytes);
        return false;
    }
    if (c->l1d.hit_cycles > c->l2.hit_cycles) {
        snprintf(err, errlen, "chip.l1d.hit_cycles: %llu is more than chip.l2.hit_cycles %llu",
                 (unsigned long long)c->l1d.hit_cycles, (unsigned long long)c->l2.hit_cycles);
        return false;
    }
    /* an L3 hit at a home on the asking tile itself (no hops) must not be
     * cheaper than an L2 hit */
    if (c->l3.hit_cycles < c->l2.hit_cycles) {
        snprintf(err, errlen, "chip.l3.hit_cycles: %llu is less than chip.l2.hit_cycles %llu",
                 (unsigned long long)c->l3.hit_cycles, (unsigned long long)c->l2.hit_cycles);
        return false;
    }
    return check_cache("l1d", c->l1d.size_bytes, c->l1d.ways, c->line_bytes, err, errlen) &&
           check_cache("l2", c->l2.size_bytes, c->l2.ways, c->line_bytes, err, errlen);
}

static uint64_t add_sat(uint64_t a, uint64_t b) { return a > UINT64_MAX - b ? UINT64_MAX : a + b; }
static uint64_t mul_sat(uint64_t a, uint64_t b) {
    return b && a > UINT64_MAX / b ? UINT64_MAX : a * b;
}

/* Address space of one part of the layout: count regions of bytes each. */
static uint64_t part_bytes(const struct chip_mem_need *p) {
    return mul_sat(mem_region_bytes(p->bytes), p->count);
}

/* What chip_create() lays out, in its order (sim/tile/tile_chip.c): the
 * first page (mem_map_init keeps address 0 unused), the shared region, the
 * image reserve, then each tile's private and stack regions. */
static void chip_parts(const struct chip_config *c, uint64_t tiles, struct chip_mem_need p[5]) {
    p[0] = (struct chip_mem_need){NULL, "the unused first page", MEM_REGION_ALIGN, 1};
    p[1] = (struct chip_mem_need){"chip.tile.shared_bytes", "the shared region",
                                  c->tile.shared_bytes, 1};
    p[2] = (struct chip_mem_need){NULL, "the program image's reserve", CHIP_IMAGE_RESERVE_BYTES, 1};
    p[3] = (struct chip_mem_need){"chip.tile.private_bytes", "private regions (one per tile)",
                                  c->tile.private_bytes, tiles};
    p[4] = (struct chip_mem_need){"chip.tile.stack_bytes", "stack regions (one per tile)",
                                  c->tile.stack_bytes, tiles};
}

uint64_t chip_sim_memory_bytes(const struct chip_config *c, uint64_t tiles,
                               const struct chip_mem_need *needs, size_t n) {
    struct chip_mem_need own[5];
    chip_parts(c, tiles, own);
    uint64_t sum = 0;
    for (size_t i = 0; i < 5; i++) sum = add_sat(sum, part_bytes(&own[i]));
    for (size_t i = 0; i < n; i++) sum = add_sat(sum, part_bytes(&needs[i]));
    return sum;
}

bool chip_sim_memory_check(const struct chip_config *c, uint64_t tiles,
                           const struct chip_mem_need *needs, size_t n, char *err, size_t errlen) {
    uint64_t total = chip_sim_memory_bytes(c, tiles, needs, n);
    if (total <= MEM_PA_LIMIT) return true;
    /* the part with a key that takes the most (the first of equals) */
    struct chip_mem_need own[5];
    chip_parts(c, tiles, own);
    const struct chip_mem_need *big = NULL;
    for (size_t i = 0; i < 5 + n; i++) {
        const struct chip_mem_need *p = i < 5 ? &own[i] : &needs[i - 5];
        if (p->key && (!big || part_bytes(p) > part_bytes(big))) big = p;
    }
    char count[32] = "";
    if (big->count != 1) snprintf(count, sizeof count, "%llu x ", (unsigned long long)big->count);
    snprintf(err, errlen,
             "%s: expected the chip's regions to fit in its simulated physical address space of "
             "%llu B (64 GiB), found %s%llu B, of which %s%llu B of %s",
             big->key, (unsigned long long)MEM_PA_LIMIT, total == UINT64_MAX ? "more than " : "",
             (unsigned long long)total, count, (unsigned long long)big->bytes, big->what);
    return false;
}
