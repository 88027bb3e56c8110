/* sim/experiment.c: the root configuration schema and the registry of
 * experiment kinds. See experiment.h. */
#include "sim/experiment.h"

#include <stddef.h>
#include <string.h>

#include "noc/noc_msgdep.h"
#include "workloads/calib/calib_run.h"
#include "nic/nic_echo_exp.h"
#include "noc/noc_synthetic.h"

/* Registry: kind names (experiment.kind choices) and their run functions, in
 * the same order. Adding a kind is one line in each. */
const char *const exp_kind_names[] = {
    "hold",
    "noc-synthetic",
    "noc-msgdep",
    "tile-calib",
    "nic-echo",
    NULL,
};
static const exp_run_fn exp_kind_fns[] = {
    hold_run,
    noc_synthetic_run,
    noc_msgdep_run,
    calib_run,
    nic_echo_run,
};

exp_run_fn exp_kind_run_fn(int kind) {
    if (kind < 0 || (size_t)kind >= sizeof exp_kind_fns / sizeof exp_kind_fns[0]) return NULL;
    return exp_kind_fns[kind];
}

static const struct cfg_key exp_keys[] = {
    CFG_STRING_KEY(struct exp_config, name, "unnamed",
                   "Name of the experiment; the default output folder is out/<name>."),
    CFG_ENUM_KEY(struct exp_config, kind, NULL, exp_kind_names,
                 "What to simulate: hold = engine hold model (benchmark, smoke test); "
                 "noc-synthetic = synthetic traffic on the mesh (docs/noc.md); noc-msgdep = "
                 "the message-dependent deadlock example of DLibOS 4.3; tile-calib = "
                 "calibration microbenchmarks as tile code (docs/tiles.md); nic-echo = a "
                 "frame generator flooding port 0 of the NIC on the chip, echoed by tile "
                 "code on network tiles (docs/nic.md)."),
    CFG_UINT_KEY(struct exp_config, seed, "1", 1, 0 /* no range */, "",
                 "Seed of every random stream (each component derives its own from it and "
                 "its id); --seed overrides it."),
    CFG_UINT_KEY(struct exp_config, duration_ns, "0", 0, 1e15, "ns",
                 "Simulated time to run; 0 runs until the workload ends by itself."),
    CFG_UINT_KEY(struct exp_config, warmup_ns, "0", 0, 1e15, "ns",
                 "Statistics gathered before this simulated time are discarded."),
    CFG_UINT_KEY(struct exp_config, progress_every, "1048576", 1, 1e12, "events",
                 "Events between two looks at the wall clock for the progress line "
                 "(stderr only; never affects results)."),
};
static CFG_SECTION_DEF(exp_section, "experiment", "What to run and for how long.", exp_keys);

static const struct cfg_key hold_keys[] = {
    CFG_UINT_KEY(struct hold_config, pending, "1000", 1, 1e7, "events",
                 "Events kept pending in the queue (N of the classic hold model)."),
    CFG_UINT_KEY(struct hold_config, mean_delay_ps, "1000000", 1, 1e15, "ps",
                 "Mean of the exponentially distributed delay of each new event."),
    CFG_UINT_KEY(struct hold_config, events, "10000000", 0, 1e15, "events",
                 "Stop after this many events (0: run until experiment.duration_ns)."),
};
static CFG_SECTION_DEF(hold_section, "hold",
                       "The hold model: N pending events; each one run schedules one more at "
                       "now + an exponential delay. Measures the engine.",
                       hold_keys);

static const struct cfg_key root_keys[] = {
    CFG_SECTION_KEY(struct tsr_config, experiment, exp_section),
    CFG_SECTION_KEY(struct tsr_config, hold, hold_section),
    CFG_SECTION_KEY(struct tsr_config, chip, chip_config_section),
    CFG_SECTION_KEY(struct tsr_config, noc, noc_config_section),
    CFG_SECTION_KEY(struct tsr_config, nic, nic_config_section),
};
CFG_SECTION_DEF(tsr_config_section, "", "An experiment file.", root_keys);

/* A module's check names the key first ("noc.routing: ..."): put the
 * file:line:col where that key was given (or the file) in front. */
static void add_check_error(const struct cfg_doc *d, const char *msg, struct cfg_errors *err) {
    char path[256], where[512];
    size_t n = strcspn(msg, ": ");
    const struct cfg_node *node = NULL;
    if (n < sizeof path && msg[n] == ':') {
        memcpy(path, msg, n);
        path[n] = '\0';
        node = cfg_doc_find(d, path);
    }
    cfg_errors_add(err, "%s: %s",
                   node ? cfg_node_where(node, where, sizeof where) : cfg_doc_file(d), msg);
}

int tsr_config_load(const char *file, const char *const *sets, size_t nsets,
                    struct tsr_config *cfg, FILE *errors) {
    struct cfg_errors err = {0};
    cfg_defaults(&tsr_config_section, cfg);
    struct cfg_doc *d = cfg_doc_load(file, &err);
    for (size_t i = 0; d && i < nsets; i++) cfg_doc_set(d, sets[i], &err);
    if (d) cfg_bind(d, &tsr_config_section, cfg, &err);
    /* What the schema cannot check by itself (names in registries, values
     * that depend on each other). */
    char msg[1024];
    if (d && !chip_config_check(&cfg->chip, msg, sizeof msg)) add_check_error(d, msg, &err);
    if (d && !noc_config_check(&cfg->noc, msg, sizeof msg)) add_check_error(d, msg, &err);
    if (d && !nic_config_check(&cfg->nic, msg, sizeof msg)) add_check_error(d, msg, &err);
    bool ok = err.n == 0;
    if (!ok && errors) {
        cfg_errors_print(&err, errors);
        fprintf(errors, "tessera: %s: %zu error%s; nothing was run\n", file, err.n,
                err.n == 1 ? "" : "s");
    }
    cfg_errors_fini(&err);
    cfg_doc_free(d);
    return ok ? TSR_EXIT_OK : TSR_EXIT_BAD_INPUT;
}
