/* sim/experiment.h: what one run of `tessera run` is, and the registry of
 * experiment kinds.
 *
 * An experiment file selects a kind (experiment.kind); each kind has a run
 * function that builds its components on the engine, runs them, and writes
 * its statistics into the "stats" object of summary.json and its CSV tables
 * into the output folder. The root configuration struct (struct tsr_config)
 * gathers every module's section; modules declare their own sections beside
 * their own structs (noc/noc_config.h, ...), and this file only assembles them.
 *
 * Adding a kind: write `int my_kind_run(struct exp_run *run)` in its module and
 * add one line to the registry table in sim/experiment.c (and its name to the
 * experiment.kind choices there).
 *
 * Memory: struct exp_run is owned by the CLI for the duration of the run; the
 * run function owns whatever it creates and frees it before returning.
 */
#ifndef TESSERA_SIM_EXPERIMENT_H
#define TESSERA_SIM_EXPERIMENT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "sim/config.h"
#include "sim/engine.h"
#include "sim/chip_config.h"
#include "sim/json.h"
#include "nic/nic_config.h"
#include "noc/noc_config.h"

/* Exit codes of the tessera program (docs/cli.md). */
enum tsr_exit {
    TSR_EXIT_OK = 0,
    TSR_EXIT_USAGE = 1,      /* bad command line */
    TSR_EXIT_BAD_INPUT = 2,  /* config refused: nothing was run */
    TSR_EXIT_RUN_FAILED = 3, /* the run started and failed; results were still written */
    TSR_EXIT_DEADLOCK = 4,   /* the run stopped on a detected deadlock; results written */
};

/* experiment: the keys every experiment has. */
struct exp_config {
    char *name;
    int kind;           /* index into exp_kind_names */
    uint64_t seed;           /* overridden by --seed */
    uint64_t duration_ns;    /* simulated time to run (0: until the workload ends) */
    uint64_t warmup_ns;      /* statistics before this are discarded */
    uint64_t progress_every; /* events between progress checks */
};

/* hold: the classic hold-model workload (engine benchmark and smoke test). */
struct hold_config {
    uint64_t pending;       /* events kept pending */
    uint64_t mean_delay_ps; /* mean of the exponential delay */
    uint64_t events;        /* stop after this many events (0 = until duration) */
};

struct tsr_config {
    struct exp_config experiment;
    struct hold_config hold;
    struct chip_config chip;
    struct noc_config noc;
    struct nic_config nic;
};

extern const struct cfg_section tsr_config_section;
extern const char *const exp_kind_names[];

/* Progress reporting on stderr (see sim/progress.h). */
struct sim_progress;

struct exp_run {
    const struct tsr_config *cfg;
    uint64_t seed;
    struct sim_engine *engine;
    const char *out_dir;        /* exists; CSV tables go here */
    struct json_writer *stats;  /* positioned inside the "stats" object: write keys */
    struct sim_progress *progress;
    /* Set by the run function when it stops early (deadlock, fault, error):
     * copied into summary.json's "outcome" section. */
    char stop_reason[512];
    /* A few lines for a human, printed by the CLI at the end of the run. */
    char summary[2048];
    /* A kind that runs engines of its own (tile-calib: a fresh chip per
     * measurement) adds their events and simulated time here; the CLI
     * reports them with `engine`'s (summary.json "outcome", the last line). */
    uint64_t own_events;
    sim_time_t own_sim_ps;
};

typedef int (*exp_run_fn)(struct exp_run *run);

/* Load an experiment file, apply "path=value" overrides, bind and check it.
 * `cfg` must be zeroed; cfg_release(&tsr_config_section, cfg) afterwards in
 * every case. Mistakes are printed to `errors` (if not NULL). Returns
 * TSR_EXIT_OK or TSR_EXIT_BAD_INPUT. */
int tsr_config_load(const char *file, const char *const *sets, size_t nsets,
                    struct tsr_config *cfg, FILE *errors);

/* The run function of a kind (index into exp_kind_names). */
exp_run_fn exp_kind_run_fn(int kind);

/* mkdir -p: 0 on success (or if it exists), -1 with errno set. */
int tsr_mkdir_p(const char *dir);

/* Open DIR/name for writing a CSV table; prints an error and returns NULL on failure. */
FILE *exp_open_csv(struct exp_run *run, const char *name);

/* The hold-model experiment (sim/hold.c). */
int hold_run(struct exp_run *run);

#endif
