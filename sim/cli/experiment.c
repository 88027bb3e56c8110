/* sim/cli/experiment.c: the registry of experiment kinds and the root
 * configuration schema. See experiment.h. */
#include "sim/cli/experiment.h"

#include <assert.h>
#include <stddef.h>
#include <string.h>

#include "nic/exp/nic_echo_exp.h"
#include "noc/noc_msgdep.h"
#include "noc/noc_synthetic.h"
#include "sim/calib/calib_run.h"
#include "sim/chip/exp/chip_exp.h"
#include "sim/kernel/json.h"

/* Registry: kind names (experiment.kind choices) and the kinds, in the same
 * order. Adding a kind is one line in each (and its doc on the key below). */
const char *const exp_kind_names[] = {
    "hold", "noc-synthetic", "noc-msgdep", "tile-calib", "nic-echo", "chip", NULL,
};
static const struct exp_kind *const exp_kinds[] = {
    &hold_kind, &noc_synthetic_kind, &noc_msgdep_kind, &calib_kind, &nic_echo_kind, &chip_kind,
};
#define NKINDS (sizeof exp_kinds / sizeof exp_kinds[0])

const struct exp_kind *exp_kind_at(int kind) {
    if (kind < 0 || (size_t)kind >= NKINDS) return NULL;
    assert(strcmp(exp_kinds[kind]->name, exp_kind_names[kind]) == 0);
    return exp_kinds[kind];
}

int exp_kind_index(const char *name) {
    for (size_t i = 0; i < NKINDS; i++)
        if (strcmp(exp_kind_names[i], name) == 0) return (int)i;
    return -1;
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
                 "code on network tiles (docs/nic.md); chip = DLibOS (or RTC) on the whole chip "
                 "serving HTTP to client hosts through the switch (docs/chip.md)."),
    CFG_UINT_KEY(struct exp_config, seed, "1", 1, 0 /* no range */, "",
                 "Seed of every random stream (each component derives its own from it and "
                 "its id); --seed overrides it."),
    CFG_UINT_KEY(struct exp_config, duration_ns, "0", 0, 1e15, "ns",
                 "Simulated time to run; 0 runs until the workload ends by itself."),
    CFG_UINT_KEY(struct exp_config, warmup_ns, "0", 0, 1e15, "ns",
                 "Statistics gathered before this simulated time are discarded."),
    CFG_UINT_KEY(struct exp_config, progress_every, "1024", 1, 1e12, "events",
                 "Events before the first look at the wall clock for the progress line; "
                 "then the interval adapts to the event rate (about every 0.1 s of wall "
                 "time). Stderr only; never affects results."),
};
static CFG_SECTION_DEF(exp_section, "experiment", "What to run and for how long.", exp_keys);

static const struct cfg_key root_keys[] = {
    CFG_SECTION_KEY(struct tsr_config, experiment, exp_section),
    CFG_SECTION_KEY(struct tsr_config, hold, hold_config_section),
    CFG_SECTION_KEY(struct tsr_config, chip, chip_config_section),
    CFG_SECTION_KEY(struct tsr_config, noc, noc_config_section),
    CFG_SECTION_KEY(struct tsr_config, nic, nic_config_section),
    CFG_SECTION_KEY(struct tsr_config, stack, stack_config_section),
    CFG_SECTION_KEY(struct tsr_config, dlibos, dlibos_config_section),
    CFG_SECTION_KEY(struct tsr_config, workload, workload_config_section),
    CFG_SECTION_KEY(struct tsr_config, clients, clients_config_section),
};
CFG_SECTION_DEF(tsr_config_section, "", "An experiment file.", root_keys);

/* What the schema cannot check by itself (names in registries, values that
 * depend on each other), per root section. */
/* experiment.name is the default output folder out/<name>: one folder name. */
static bool check_experiment(const void *c, char *m, size_t n) {
    const char *name = ((const struct exp_config *)c)->name;
    if (name[0] && !strchr(name, '/') && strcmp(name, ".") != 0 && strcmp(name, "..") != 0)
        return true;
    snprintf(m, n,
             "experiment.name: found \"%s\", expected one folder name (no '/', not empty, "
             "\".\" or \"..\")",
             name);
    return false;
}
static bool check_chip(const void *c, char *m, size_t n) { return chip_config_check(c, m, n); }
static bool check_noc(const void *c, char *m, size_t n) { return noc_config_check(c, m, n); }
static bool check_nic(const void *c, char *m, size_t n) { return nic_config_check(c, m, n); }
static bool check_stack(const void *c, char *m, size_t n) { return stack_config_check(c, m, n); }
static const struct {
    const char *name;
    bool (*check)(const void *cfg, char *msg, size_t len);
} root_checks[] = {{"experiment", check_experiment},
                   {"chip", check_chip},
                   {"noc", check_noc},
                   {"nic", check_nic},
                   {"stack", check_stack},
                   {"dlibos", dlibos_config_check},
                   {"workload", workload_config_check}};

/* The root key of section `name`, or NULL. */
static const struct cfg_key *root_key(const char *name) {
    for (size_t i = 0; i < tsr_config_section.nkeys; i++)
        if (strcmp(root_keys[i].name, name) == 0) return &root_keys[i];
    return NULL;
}

static bool kind_reads(const struct exp_kind *k, const char *section) {
    if (strcmp(section, "experiment") == 0) return true;
    for (const char *const *s = k->sections; *s; s++)
        if (strcmp(*s, section) == 0) return true;
    return false;
}

/* The first key set below node n (depth first), as a path from `path`. */
static const struct cfg_node *first_leaf(const struct cfg_node *n, char *path, size_t len) {
    while (cfg_node_kind(n) == CFG_NODE_MAP && cfg_node_len(n) > 0) {
        size_t used = strlen(path);
        snprintf(path + used, len - used, ".%s", cfg_node_key(n, 0));
        n = cfg_node_item(n, 0);
    }
    return n;
}

/* A key set in a section that the chosen kind does not read would be
 * silently ignored: refuse it, naming the kind and the key. */
static void refuse_unread_sections(const struct cfg_doc *d, const struct exp_kind *k,
                                   struct cfg_errors *err) {
    const struct cfg_node *root = cfg_doc_root(d);
    for (size_t i = 0; i < cfg_node_len(root); i++) {
        const char *name = cfg_node_key(root, i);
        if (!root_key(name) || kind_reads(k, name)) continue;
        char path[512], where[512], reads[256] = "experiment";
        snprintf(path, sizeof path, "%s", name);
        const struct cfg_node *leaf = first_leaf(cfg_node_item(root, i), path, sizeof path);
        for (const char *const *s = k->sections; *s; s++) {
            size_t used = strlen(reads);
            snprintf(reads + used, sizeof reads - used, ", %s", *s);
        }
        cfg_errors_add(err,
                       "%s: %s: experiment kind %s does not read the %s section (it reads %s); "
                       "the key would have no effect: remove it or choose another kind",
                       cfg_node_where(leaf, where, sizeof where), path, k->name, name, reads);
    }
}

/* A section's check names the key first ("noc.routing: ..."): put the
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

static const void *section_of(const struct tsr_config *cfg, const char *name) {
    const struct cfg_key *key = root_key(name);
    return key ? (const char *)cfg + key->offset : NULL;
}

int tsr_config_load(const char *file, const char *const *sets, size_t nsets, struct tsr_config *cfg,
                    FILE *errors) {
    struct cfg_errors err = {0};
    cfg_defaults(&tsr_config_section, cfg);
    struct cfg_doc *d = cfg_doc_load(file, &err);
    for (size_t i = 0; d && i < nsets; i++) cfg_doc_set(d, sets[i], &err);
    bool bound = d && cfg_bind(d, &tsr_config_section, cfg, &err);
    const struct exp_kind *k = bound ? exp_kind_at(cfg->experiment.kind) : NULL;
    if (k) {
        refuse_unread_sections(d, k, &err);
        char msg[1024];
        for (size_t i = 0; i < sizeof root_checks / sizeof root_checks[0]; i++)
            if (kind_reads(k, root_checks[i].name) &&
                !root_checks[i].check(section_of(cfg, root_checks[i].name), msg, sizeof msg))
                add_check_error(d, msg, &err);
        if (k->check && err.n == 0) {
            /* the kind's own cross-section checks (struct exp_kind.check) */
            struct exp_section sections[TSR_MAX_SECTIONS];
            struct exp_run run = {0};
            tsr_exp_run_init(cfg, sections, &run);
            if (!k->check(&run, msg, sizeof msg)) add_check_error(d, msg, &err);
        }
    }
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

void tsr_exp_run_init(const struct tsr_config *cfg, struct exp_section *sections,
                      struct exp_run *run) {
    const struct exp_kind *k = exp_kind_at(cfg->experiment.kind);
    size_t n = 0;
    for (const char *const *s = k->sections; *s; s++) {
        assert(n < TSR_MAX_SECTIONS && section_of(cfg, *s));
        sections[n++] = (struct exp_section){*s, section_of(cfg, *s)};
    }
    run->kind = k;
    run->sections = sections;
    run->nsections = n;
    run->seed = cfg->experiment.seed;
    run->duration_ns = cfg->experiment.duration_ns;
    run->warmup_ns = cfg->experiment.warmup_ns;
}

void tsr_config_write_json(const struct tsr_config *cfg, struct json_writer *w) {
    const struct exp_kind *k = exp_kind_at(cfg->experiment.kind);
    json_object_begin(w);
    for (size_t i = 0; i < tsr_config_section.nkeys; i++) {
        const struct cfg_key *key = &root_keys[i];
        if (k && !kind_reads(k, key->name)) continue;
        json_key(w, key->name);
        cfg_write_json(key->section, (const char *)cfg + key->offset, w);
    }
    json_object_end(w);
}
