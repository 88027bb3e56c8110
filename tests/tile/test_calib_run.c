/* tests/tile/test_calib_run.c: the "tile-calib" experiment kind end to end
 * (stats JSON and CSV tables written). */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sim/calib/calib_run.h"
#include "sim/cli/experiment.h"
#include "sim/kernel/json.h"

Test(tile_calib_run, writes_stats_and_tables) {
    static struct tsr_config cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg_defaults(&tsr_config_section, &cfg);
    cfg.noc.width = 3; /* small mesh: fast */
    cfg.noc.height = 2;
    char dir[] = "/tmp/tessera_calib_run_XXXXXX";
    cr_assert_not_null(mkdtemp(dir));
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    struct json_writer w;
    json_init(&w, f);
    json_object_begin(&w);
    struct exp_run run;
    memset(&run, 0, sizeof run);
    struct exp_section sections[TSR_MAX_SECTIONS];
    cfg.experiment.kind = exp_kind_index("tile-calib");
    tsr_exp_run_init(&cfg, sections, &run);
    run.engine = sim_engine_create();
    run.out_dir = dir;
    run.stats = &w;
    int rc = calib_run(&run);
    json_object_end(&w);
    fclose(f);
    cr_assert_eq(rc, TSR_EXIT_OK, "%s", run.stop_reason);
    cr_assert(strstr(buf, "\"chase_cycles_per_load\"") && strstr(buf, "\"pingpong\"") &&
                  strstr(buf, "\"chip\""),
              "%s", buf);
    cr_assert(strstr(run.summary, "L1 2.0") || strstr(run.summary, "L1 2.1"), "%s", run.summary);
    /* its measurements run on engines of their own: their totals are reported */
    cr_assert_eq(sim_engine_events_run(run.engine), 0);
    cr_assert_gt(run.own_events, 5 + 3, "events of 5 chases and 3 ping-pongs: %llu",
                 (unsigned long long)run.own_events);
    cr_assert_gt(run.own_sim_ps, 0);
    char path[512];
    snprintf(path, sizeof path, "%s/pingpong.csv", dir);
    FILE *in = fopen(path, "r");
    cr_assert_not_null(in);
    char line[200];
    int rows = 0;
    while (fgets(line, sizeof line, in)) rows++;
    fclose(in);
    cr_assert_eq(rows, 1 + 3, "header + peers 1, 2 and 5");
    unlink(path);
    snprintf(path, sizeof path, "%s/tile_profile.csv", dir);
    cr_assert_eq(access(path, R_OK), 0);
    unlink(path);
    rmdir(dir);
    free(buf);
    sim_engine_destroy(run.engine);
    cfg_release(&tsr_config_section, &cfg);
}
