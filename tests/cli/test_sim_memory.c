/* tests/cli/test_sim_memory.c: the bound on a chip's simulated memory
 * (chip_sim_memory_check, sim/tile/chip_config.h). The layout it computes is
 * the one chip_create and chip_nic_create lay out (tests/cli/test_cli.c:
 * the kinds' checks refuse what passes it). */
#include <criterion/criterion.h>
#include <stdio.h>

#include "nic/mpipe.h"
#include "sim/chip/chip_nic.h"
#include "sim/cli/experiment.h"
#include "sim/tile/mem.h"
#include "sim/tile/tile.h"

TestSuite(sim_memory, .timeout = 300);

/* The NIC's regions as a kind lists them. */
static void nic_needs(const struct nic_config *n, struct chip_mem_need dev[2]) {
    struct nic_buffer_memory nm = nic_buffer_memory(n);
    dev[0] = (struct chip_mem_need){nm.rx_key, "Rx buffers", nm.rx_bytes, 1};
    dev[1] = (struct chip_mem_need){nm.tx_key, "Tx headers", nm.tx_bytes, 1};
}

/* Builds the chip and its device; returns the address space they took
 * (0 if either could not be built). */
static uint64_t built_bytes(const struct tsr_config *cfg, unsigned w, unsigned h) {
    struct sim_engine *e = sim_engine_create();
    char err[256];
    struct chip_geom g = {w, h};
    struct chip *c = chip_create(&cfg->chip, &g, e, err, sizeof err);
    struct chip_nic *n = c ? chip_nic_create(c, e, &cfg->nic, "chip0", err, sizeof err) : NULL;
    uint64_t pa = n ? chip_mem_map(c)->next_pa : 0;
    chip_nic_destroy(n);
    chip_destroy(c);
    sim_engine_destroy(e);
    return pa;
}

Test(sim_memory, layout_is_what_chip_create_lays_out) {
    static struct tsr_config cfg;
    cfg_defaults(&tsr_config_section, &cfg);
    const struct {
        unsigned w, h;
        uint64_t priv, shared, stack, small;
    } cases[] = {
        {6, 6, 0, 0, 0, 0},
        {2, 1, 1000001, 300000, 5000, 7},
        {3, 2, 4096, 65536, 4096, 0},
        {8, 8, 65537, 1 << 24, 1 << 20, 100000},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        cfg_defaults(&tsr_config_section, &cfg);
        if (cases[i].priv) cfg.chip.tile.private_bytes = cases[i].priv;
        if (cases[i].shared) cfg.chip.tile.shared_bytes = cases[i].shared;
        if (cases[i].stack) cfg.chip.tile.stack_bytes = cases[i].stack;
        if (cases[i].small) cfg.nic.mpipe.small_buffers = cases[i].small;
        struct nic_buffer_memory nm = nic_buffer_memory(&cfg.nic);
        cr_assert_eq(nm.rx_bytes, mpipe_rx_bytes(&cfg.nic), "case %zu", i);
        cr_assert_eq(nm.tx_bytes, mpipe_tx_bytes(&cfg.nic), "case %zu", i);
        struct chip_mem_need dev[2];
        nic_needs(&cfg.nic, dev);
        uint64_t tiles = (uint64_t)cases[i].w * cases[i].h;
        uint64_t want = chip_sim_memory_bytes(&cfg.chip, tiles, dev, 2);
        cr_assert_eq(built_bytes(&cfg, cases[i].w, cases[i].h), want, "case %zu: computed %llu", i,
                     (unsigned long long)want);
        cfg_release(&tsr_config_section, &cfg);
    }
}
