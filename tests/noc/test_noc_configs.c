/* The shipped configs/experiments/noc-*.yaml files bind, pass the NoC checks,
 * and say what their comments say (experiment.kind is overridden to a kind
 * every build knows, so the test does not depend on the registry). */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "noc/noc_deadlock.h"
#include "noc/noc_msgdep.h"
#include "sim/cli/experiment.h"

static struct tsr_config cfg;

static void load(const char *name) {
    const char *src = getenv("TESSERA_SOURCE_DIR");
    cr_assert(src, "TESSERA_SOURCE_DIR not set");
    char path[1024];
    snprintf(path, sizeof path, "%s/configs/experiments/%s", src, name);
    struct cfg_errors err = {0};
    struct cfg_doc *d = cfg_doc_load(path, &err);
    if (!d) cfg_errors_print(&err, stderr);
    cr_assert(d, "%s does not load", name);
    cr_assert(cfg_doc_set(d, "experiment.kind=hold", &err));
    memset(&cfg, 0, sizeof cfg);
    bool ok = cfg_bind(d, &tsr_config_section, &cfg, &err);
    if (!ok) cfg_errors_print(&err, stderr);
    cr_assert(ok, "%s does not bind", name);
    char msg[512];
    cr_assert(noc_config_check(&cfg.noc, msg, sizeof msg), "%s: %s", name, msg);
    cfg_doc_free(d);
    cfg_errors_fini(&err);
}

static void unload(void) { cfg_release(&tsr_config_section, &cfg); }

Test(noc_configs, uniform_and_transpose) {
    load("noc-uniform.yaml");
    cr_assert_eq(cfg.noc.traffic.pattern, NOC_PAT_UNIFORM);
    cr_assert_eq(cfg.noc.router_delay_cycles + cfg.noc.link_delay_cycles, 1);
    unload();
    load("noc-transpose.yaml");
    cr_assert_eq(cfg.noc.traffic.pattern, NOC_PAT_TRANSPOSE);
    cr_assert_eq(cfg.noc.buffer_depth_flits, 3); /* from the included file */
    unload();
}

Test(noc_configs, booksim_network) {
    load("noc-booksim.yaml");
    cr_assert_eq(cfg.noc.router_delay_cycles + cfg.noc.link_delay_cycles, 3);
    cr_assert_eq(cfg.noc.buffer_depth_flits, 4);
    cr_assert_eq(cfg.noc.traffic.packet_flits, 5);
    cr_assert_eq(cfg.noc.credit_delay_cycles, 2);
    unload();
}

Test(noc_configs, unsafe_routing_is_refused_by_the_static_check) {
    load("noc-unsafe-routing.yaml");
    FILE *devnull = fopen("/dev/null", "w");
    cr_assert_eq(noc_check_deadlock_main(&cfg.noc, devnull), TSR_EXIT_DEADLOCK);
    unload();
    load("noc-uniform.yaml");
    cr_assert_eq(noc_check_deadlock_main(&cfg.noc, devnull), 0);
    fclose(devnull);
    unload();
}

Test(noc_configs, msgdep_pair) {
    load("noc-msgdep-stall.yaml");
    cr_assert_eq(cfg.noc.msgdep.mode, NOC_MSGDEP_STALL);
    unload();
    load("noc-msgdep-credit.yaml");
    cr_assert_eq(cfg.noc.msgdep.mode, NOC_MSGDEP_CREDIT);
    cr_assert_eq(cfg.noc.msgdep.messages, 64);
    unload();
}
