/* tests/tile/test_profile.c: the per-function profile: names from the
 * symbol table (static functions too) and the exact counting mode. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sim/calib/calib.h"
#include "sim/kernel/engine.h"
#include "sim/tile/mem.h"
#include "tile_test_util.h"

/* A table of cap slots (half filled natively) in the tile's private region,
 * looked up by calib_hashtab_main in `batches` handlers. */
static struct calib_hashtab *table(struct chip *c, unsigned tile, uint64_t cap, uint64_t batches) {
    struct mem_region *pr = chip_private_region(c, tile);
    struct calib_hashtab *h = mem_alloc(pr, sizeof *h);
    cr_assert_not_null(h);
    memset(h, 0, sizeof *h);
    h->capacity = cap;
    h->entries = cap / 2;
    h->keys = mem_alloc(pr, cap * 8);
    h->vals = mem_alloc(pr, cap * 8);
    cr_assert(h->keys && h->vals);
    memset(h->keys, 0, cap * 8);
    h->seed = 7;
    h->lookups = 3000;
    h->batches = batches;
    calib_hashtab_fill_native(h);
    return h;
}

struct row {
    unsigned tile;
    char fn[128];
    uint64_t instr;
};

/* The rows of chip_write_function_csv. */
static size_t function_rows(struct chip *c, struct row *rows, size_t max) {
    char path[] = "/tmp/tessera_tile_prof_XXXXXX";
    int fd = mkstemp(path);
    cr_assert_geq(fd, 0);
    close(fd);
    cr_assert_eq(chip_write_function_csv(c, path), 0);
    FILE *in = fopen(path, "r");
    cr_assert_not_null(in);
    char line[256];
    size_t n = 0;
    while (fgets(line, sizeof line, in) && n < max) {
        unsigned long long v;
        if (sscanf(line, "%u,%127[^,],%llu", &rows[n].tile, rows[n].fn, &v) == 3) {
            rows[n].instr = v;
            n++;
        }
    }
    fclose(in);
    unlink(path);
    return n;
}

static struct chip *run_hashtab(int profile, struct sim_engine *e) {
    struct chip_config cfg;
    tt_defaults(&cfg);
    cfg.tile.profile = profile;
    struct chip *c = tt_chip(&cfg, e);
    char err[200];
    for (unsigned t = 0; t < 2; t++)
        cr_assert_eq(chip_tile_start(c, t, TILE_ROLE_APP, 0, calib_hashtab_main,
                                     table(c, t, 1024, 3 + t), err, sizeof err),
                     0, "%s", err);
    sim_engine_run_until(e, SIM_TIME_MAX);
    return c;
}

/* Static tile-code functions are named (calib/hashtab.c's handler `batch`),
 * never fn#N. */
Test(tile_profile, static_functions_have_their_names) {
    struct sim_engine *e = sim_engine_create();
    struct chip *c = run_hashtab(CHIP_PROFILE_EXACT, e);
    static struct row rows[256];
    size_t n = function_rows(c, rows, 256);
    bool batch = false, lookups = false;
    for (size_t i = 0; i < n; i++) {
        cr_assert(strncmp(rows[i].fn, "fn#", 3) != 0, "function without a name: %s", rows[i].fn);
        batch |= !strcmp(rows[i].fn, "batch");
        lookups |= !strcmp(rows[i].fn, "calib_hashtab_lookups");
    }
    cr_assert(batch, "the static handler `batch` is in the profile by name");
    cr_assert(lookups);
    chip_destroy(c);
    sim_engine_destroy(e);
}

/* In the exact mode every block's instructions go to its function: the
 * functions add up to each tile's instruction count exactly. */
Test(tile_profile, exact_functions_add_up_to_the_tile) {
    struct sim_engine *e = sim_engine_create();
    struct chip *c = run_hashtab(CHIP_PROFILE_EXACT, e);
    static struct row rows[256];
    size_t n = function_rows(c, rows, 256);
    for (unsigned t = 0; t < 2; t++) {
        uint64_t sum = 0;
        for (size_t i = 0; i < n; i++)
            if (rows[i].tile == t) sum += rows[i].instr;
        const struct tile_prof *p = chip_tile_prof(c, t);
        cr_assert_gt(p->instr, 3 * 3000);
        cr_assert_eq(sum, p->instr, "tile %u: functions %llu, tile %llu", t,
                     (unsigned long long)sum, (unsigned long long)p->instr);
    }
    /* the same run sampled: the same instructions, the profile within a period */
    struct sim_engine *e2 = sim_engine_create();
    struct chip *c2 = run_hashtab(CHIP_PROFILE_SAMPLED, e2);
    for (unsigned t = 0; t < 2; t++)
        cr_assert_eq(chip_tile_prof(c2, t)->instr, chip_tile_prof(c, t)->instr,
                     "the mode changes the profile, not the count");
    chip_destroy(c2);
    sim_engine_destroy(e2);
    chip_destroy(c);
    sim_engine_destroy(e);
}
