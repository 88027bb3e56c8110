/* sim/kernel/exp.h: what an experiment kind is, and what one run of it is
 * given. The kernel knows no kind and no room: each room defines its kinds
 * (struct exp_kind) beside the code they exercise (noc/noc_synthetic.h,
 * nic/exp/nic_echo_exp.h, ...), and only the program's top floor
 * (sim/cli/experiment.c) lists them, assembles the root configuration from
 * the rooms' sections and binds an experiment file onto it.
 *
 * A kind declares the root sections of the configuration it reads (besides
 * `experiment`, which every run has). A run receives exactly those sections
 * (exp_run_section) and nothing else, and a configuration that sets a key in
 * a section the kind does not read is refused before the run, naming the
 * kind and the key (sim/cli/experiment.c).
 *
 * Memory: struct exp_run is owned by the caller (the CLI) for the duration
 * of the run and so are the sections it points to; the run function owns
 * whatever it creates and frees it before returning. Cost: none at run time.
 */
#ifndef TESSERA_SIM_KERNEL_EXP_H
#define TESSERA_SIM_KERNEL_EXP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "sim/kernel/engine.h"

/* Exit codes of the tessera program (docs/cli.md). */
enum tsr_exit {
    TSR_EXIT_OK = 0,
    TSR_EXIT_USAGE = 1,      /* bad command line */
    TSR_EXIT_BAD_INPUT = 2,  /* config refused: nothing was run */
    TSR_EXIT_RUN_FAILED = 3, /* the run started and failed; results were still written */
    TSR_EXIT_DEADLOCK = 4,   /* the run stopped on a detected deadlock; results written */
};

/* The word for an exit code, the same in summary.json ("outcome.status"),
 * in sweep progress lines and in sweep.csv: ok, bad-command-line,
 * bad-input, failed, deadlock. */
const char *tsr_exit_word(int code);

struct exp_run;
struct json_writer;
struct sim_progress;

struct exp_kind {
    const char *name; /* the value of experiment.kind */
    /* Root sections it reads besides `experiment` (e.g. "noc"), NULL-terminated. */
    const char *const *sections;
    /* Builds its components on run->engine, runs them, writes its statistics
     * into run->stats and its CSV tables into run->out_dir, fills
     * run->summary with a few lines for a human, and returns an exit code
     * (enum tsr_exit), filling run->stop_reason when it stops early. */
    int (*run)(struct exp_run *run);
    /* What the schema and the sections' own checks cannot see: limits that
     * involve several sections or the kind itself (NULL: none). Runs in
     * `tessera validate`, in a sweep's up-front check and before every run,
     * so a run never starts and fails on them. false with a message that
     * names the key first ("nic.echo.echo_tiles: ..."). */
    bool (*check)(const struct exp_run *run, char *msg, size_t len);
};

/* One configuration section handed to a run: its name and bound struct. */
struct exp_section {
    const char *name;
    const void *cfg;
};

struct exp_run {
    const struct exp_kind *kind;
    const struct exp_section *sections; /* the kind's sections, in its order */
    size_t nsections;
    /* The keys of `experiment` that a kind may use. */
    uint64_t seed;        /* experiment.seed, or --seed */
    uint64_t duration_ns; /* experiment.duration_ns: 0 = until the workload ends */
    uint64_t warmup_ns;   /* experiment.warmup_ns */
    struct sim_engine *engine;
    const char *out_dir;       /* exists; CSV tables go here */
    struct json_writer *stats; /* positioned inside the "stats" object: write keys */
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

/* The bound struct of section `name`. Asserts that the kind declared it: a
 * kind reads only what it declared (so that every key a user sets either
 * takes effect or is refused). */
const void *exp_run_section(const struct exp_run *run, const char *name);

/* Open DIR/name for writing a CSV table; prints an error and returns NULL on failure. */
FILE *exp_open_csv(struct exp_run *run, const char *name);

#endif
