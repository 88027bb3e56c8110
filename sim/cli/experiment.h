/* sim/cli/experiment.h: the registry of experiment kinds and the root
 * configuration schema. The program's top floor: the only place that knows
 * every room.
 *
 * An experiment file selects a kind (experiment.kind). Each kind is defined
 * in the room it exercises (struct exp_kind, sim/kernel/exp.h) and declares
 * the root sections it reads; rooms declare their sections beside their own
 * structs (noc/noc_config.h, ...). This file assembles them into the root
 * schema (struct tsr_config), binds a file onto it, refuses keys set in a
 * section the chosen kind does not read, runs each section's own checks,
 * and hands a run exactly the kind's sections.
 *
 * Adding a kind: define `const struct exp_kind my_kind` in its room and add
 * one line to the registry in sim/cli/experiment.c (its name to
 * exp_kind_names, the kind to the table beside it, its doc to the
 * experiment.kind key). Adding a root section: a member of struct
 * tsr_config and one line in the root sections table.
 *
 * Memory: a bound struct tsr_config owns copies of its strings; release it
 * with cfg_release(&tsr_config_section, cfg).
 */
#ifndef TESSERA_SIM_CLI_EXPERIMENT_H
#define TESSERA_SIM_CLI_EXPERIMENT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "nic/nic_config.h"
#include "noc/noc_config.h"
#include "sim/chip/exp/chip_exp_config.h"
#include "sim/chip/stack_config.h"
#include "sim/kernel/config.h"
#include "sim/kernel/exp.h"
#include "sim/kernel/hold.h"
#include "sim/tile/chip_config.h"

/* experiment: the keys every experiment has. */
struct exp_config {
    char *name;
    int kind;                /* index into exp_kind_names */
    uint64_t seed;           /* overridden by --seed */
    uint64_t duration_ns;    /* simulated time to run (0: until the workload ends) */
    uint64_t warmup_ns;      /* statistics before this are discarded */
    uint64_t progress_every; /* events between progress checks */
};

struct tsr_config {
    struct exp_config experiment;
    struct hold_config hold;
    struct chip_config chip;
    struct noc_config noc;
    struct nic_config nic;
    struct stack_config stack;   /* sim/chip/stack_config.h */
    struct dlibos_config dlibos; /* sim/chip/exp/chip_exp_config.h */
    struct workload_config workload;
    struct clients_config clients;
};

extern const struct cfg_section tsr_config_section;
extern const char *const exp_kind_names[];

/* The most sections a kind can read (the root sections but experiment). */
#define TSR_MAX_SECTIONS 8

/* Load an experiment file, apply "path=value" overrides, bind and check it.
 * `cfg` must be zeroed; cfg_release(&tsr_config_section, cfg) afterwards in
 * every case. Mistakes are printed to `errors` (if not NULL). Returns
 * TSR_EXIT_OK or TSR_EXIT_BAD_INPUT. */
int tsr_config_load(const char *file, const char *const *sets, size_t nsets, struct tsr_config *cfg,
                    FILE *errors);

/* The kind with index `kind` (into exp_kind_names), or NULL. */
const struct exp_kind *exp_kind_at(int kind);
/* The index of the kind named `name`, or -1. */
int exp_kind_index(const char *name);

/* A run of cfg's kind: its sections (into `sections`, TSR_MAX_SECTIONS
 * entries) and the experiment keys it may use. The caller fills in the
 * engine, output folder, stats writer and progress line. */
void tsr_exp_run_init(const struct tsr_config *cfg, struct exp_section *sections,
                      struct exp_run *run);

/* The resolved configuration as JSON: experiment and the kind's sections. */
void tsr_config_write_json(const struct tsr_config *cfg, struct json_writer *w);

#endif
