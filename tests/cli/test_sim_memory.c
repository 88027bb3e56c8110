/* tests/cli/test_sim_memory.c: the bound on a chip's simulated memory
 * (chip_sim_memory_check, sim/tile/chip_config.h). The layout it computes is
 * the one chip_create and chip_nic_create lay out; the kinds' checks refuse
 * exactly what cannot be built, naming the key; the largest value each of
 * three keys may take is accepted and runs (scripts/boundary-keys.py found
 * their maxima accepted by validate and refused by run). */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "nic/mpipe.h"
#include "sim/chip/chip_nic.h"
#include "sim/cli/experiment.h"
#include "sim/tile/mem.h"
#include "sim/tile/tile.h"

static const char *src, *bin;

static void setup(void) {
    src = getenv("TESSERA_SOURCE_DIR");
    bin = getenv("TESSERA_BINARY_DIR");
    cr_assert_not_null(src, "TESSERA_SOURCE_DIR not set (run through ctest)");
    cr_assert_not_null(bin, "TESSERA_BINARY_DIR not set (run through ctest)");
}
TestSuite(sim_memory, .init = setup, .timeout = 300);

/* Under vm.overcommit_memory=2 the kernel counts every mapping, MAP_NORESERVE
 * or not, so a layout near 64 GiB needs that much commit limit: the tests
 * that build one are skipped there (docs/tiles.md). */
static bool strict_overcommit(void) {
    FILE *f = fopen("/proc/sys/vm/overcommit_memory", "r");
    int mode = 0;
    if (f) {
        if (fscanf(f, "%d", &mode) != 1) mode = 0;
        fclose(f);
    }
    return mode == 2;
}

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

/* Loads a shipped experiment with one --set; returns its exit code and the
 * error text in err (empty when accepted). */
static int load(struct tsr_config *cfg, const char *exp, const char *key, uint64_t v, char *err,
                size_t len) {
    char file[512], set[128];
    snprintf(file, sizeof file, "%s/configs/experiments/%s.yaml", src, exp);
    snprintf(set, sizeof set, "%s=%llu", key, (unsigned long long)v);
    const char *sets[] = {set};
    FILE *f = fmemopen(err, len, "w");
    cr_assert_not_null(f);
    int rc = tsr_config_load(file, sets, 1, cfg, f);
    fclose(f);
    err[len - 1] = '\0';
    return rc;
}

/* The largest value of key in [lo, hi] that validate accepts (lo accepted,
 * hi refused). */
static uint64_t largest_accepted(const char *exp, const char *key, uint64_t lo, uint64_t hi) {
    static struct tsr_config cfg;
    char err[2048];
    cr_assert_eq(load(&cfg, exp, key, lo, err, sizeof err), TSR_EXIT_OK, "%s", err);
    cfg_release(&tsr_config_section, &cfg);
    cr_assert_eq(load(&cfg, exp, key, hi, err, sizeof err), TSR_EXIT_BAD_INPUT);
    cfg_release(&tsr_config_section, &cfg);
    while (hi - lo > 1) {
        uint64_t mid = lo + (hi - lo) / 2;
        if (load(&cfg, exp, key, mid, err, sizeof err) == TSR_EXIT_OK)
            lo = mid;
        else
            hi = mid;
        cfg_release(&tsr_config_section, &cfg);
    }
    return lo;
}

/* The refusal names the key first and the bound. */
static void assert_refused(const char *exp, const char *key, uint64_t v) {
    static struct tsr_config cfg;
    char err[2048];
    cr_assert_eq(load(&cfg, exp, key, v, err, sizeof err), TSR_EXIT_BAD_INPUT, "%s=%llu accepted",
                 key, (unsigned long long)v);
    cfg_release(&tsr_config_section, &cfg);
    char want[160];
    snprintf(want, sizeof want, "%s: expected the chip's regions to fit", key);
    cr_assert(strstr(err, want), "%s", err);
    cr_assert(strstr(err, "68719476736 B (64 GiB)"), "%s", err);
}

/* nic-echo: the largest nic.mpipe.jumbo_buffers validate accepts is the
 * largest the chip can lay out: its chip and device are built, one more
 * buffer's are not. */
Test(sim_memory, the_bound_is_what_can_be_built) {
    if (strict_overcommit()) cr_skip_test("vm.overcommit_memory is 2 (strict)");
    uint64_t n = largest_accepted("nic-echo", "nic.mpipe.jumbo_buffers", 0, 10000000);
    assert_refused("nic-echo", "nic.mpipe.jumbo_buffers", n + 1);
    static struct tsr_config cfg;
    char err[2048];
    cr_assert_eq(load(&cfg, "nic-echo", "nic.mpipe.jumbo_buffers", n, err, sizeof err), 0);
    unsigned w = (unsigned)cfg.noc.width, h = (unsigned)cfg.noc.height;
    uint64_t pa = built_bytes(&cfg, w, h);
    cr_assert_gt(pa, MEM_PA_LIMIT - cfg.nic.mpipe.jumbo_buffer_bytes, "built %llu B",
                 (unsigned long long)pa);
    cr_assert_leq(pa, MEM_PA_LIMIT);
    cfg.nic.mpipe.jumbo_buffers = n + 1;
    cr_assert_eq(built_bytes(&cfg, w, h), 0, "one more jumbo buffer was built");
    cfg_release(&tsr_config_section, &cfg);
}

/* `tessera run` of a shipped experiment with extra arguments: its exit code
 * (its output is printed when it is not 0). */
static int run(const char *exp, const char *args) {
    char out[] = "/tmp/tessera-simmem-XXXXXX", cmd[2048];
    cr_assert_not_null(mkdtemp(out));
    snprintf(
        cmd, sizeof cmd,
        "cd %s && %s/tessera run configs/experiments/%s.yaml %s -o %s/run --quiet >%s/log 2>&1",
        src, bin, exp, args, out, out);
    int st = system(cmd);
    cr_assert(WIFEXITED(st), "%s", cmd);
    snprintf(cmd, sizeof cmd, "%s%s/log; rm -rf %s", WEXITSTATUS(st) ? "cat " : ": ", out, out);
    cr_assert_eq(system(cmd), 0);
    return WEXITSTATUS(st);
}

/* The three values boundary-keys found (each past the address space) are
 * refused by validate; the largest value of each key that validate accepts
 * runs (its regions are mapped lazily: the host needs only what tile code
 * touches). */
Test(sim_memory, largest_accepted_values_run) {
    if (strict_overcommit()) cr_skip_test("vm.overcommit_memory is 2 (strict)");
    assert_refused("tile-calib", "chip.tile.private_bytes", 10000000000u);
    assert_refused("nic-echo", "chip.tile.private_bytes", 10000000000u);
    assert_refused("tile-calib", "chip.tile.shared_bytes", 100000000000u);
    assert_refused("nic-echo", "chip.tile.shared_bytes", 100000000000u);
    assert_refused("nic-echo", "nic.mpipe.jumbo_buffers", 10000000u);
    const struct {
        const char *exp, *key, *more;
        uint64_t hi;
    } cases[] = {
        {"tile-calib", "chip.tile.private_bytes", "", 10000000000u},
        {"tile-calib", "chip.tile.shared_bytes", "", 100000000000u},
        {"nic-echo", "nic.mpipe.jumbo_buffers", "--set nic.echo.frames=2000", 10000000u},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        uint64_t lo = strcmp(cases[i].key, "nic.mpipe.jumbo_buffers") ? 65536 : 0;
        uint64_t v = largest_accepted(cases[i].exp, cases[i].key, lo, cases[i].hi);
        char args[256];
        snprintf(args, sizeof args, "--set %s=%llu %s", cases[i].key, (unsigned long long)v,
                 cases[i].more);
        cr_assert_eq(run(cases[i].exp, args), TSR_EXIT_OK, "%s %s", cases[i].exp, args);
    }
}
