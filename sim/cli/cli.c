/* sim/cli/cli.c: the tessera command line. See cli.h. */
#include "sim/cli/cli.h"

#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "noc/noc_deadlock.h"
#include "sim/cli/experiment.h"
#include "sim/cli/layout_cmd.h"
#include "sim/cli/sweep.h"
#include "sim/kernel/json.h"
#include "sim/kernel/progress.h"
#include "sim/kernel/results.h"
#include "version.h"

static const char usage_text[] =
    "usage: tessera <command> [options]\n"
    "\n"
    "commands:\n"
    "  run EXPERIMENT.yaml     run an experiment, write DIR/summary.json and CSV tables\n"
    "  validate FILE.yaml      check a configuration or a sweep file without running it\n"
    "  sweep SWEEP.yaml        run an experiment over a grid of values (docs/sweeps.md)\n"
    "                          [--set path.to.key=VALUE]... [-o DIR] [-j JOBS] [--force]\n"
    "                          [--dry-run]\n"
    "  check-deadlock FILE.yaml  check statically that the routing function of the\n"
    "                          mesh cannot deadlock (prints a cycle if it can)\n"
    "  layout FILE.yaml        check a tile layout and print its map (docs/chip.md)\n"
    "                          [-o PNG] [--rings N]\n"
    "  config-reference        print the configuration reference (Markdown)\n"
    "\n"
    "options of run and validate:\n"
    "  --set path.to.key=VALUE override one key (repeatable)\n"
    "  -o, --out DIR           output folder (run; default out/<experiment.name>)\n"
    "  --seed N                seed of the run (overrides experiment.seed)\n"
    "  --progress              always show the progress line on stderr\n"
    "  --quiet                 never show it (default: when stderr is a terminal\n"
    "                          and the run lasts more than a second)\n"
    "\n"
    "  -h, --help              this text\n"
    "  -V, --version           the version\n"
    "\n"
    "exit codes: 0 success, 1 bad command line, 2 bad input (nothing run),\n"
    "            3 run failed (results written), 4 deadlock detected (results written)\n";

struct cli_opts {
    const char *file;
    const char **sets;
    size_t nsets;
    const char *out;
    bool has_seed;
    uint64_t seed;
    enum sim_progress_mode progress;
    bool help; /* --help: print the usage, run nothing */
};

static int parse_opts(int argc, char **argv, struct cli_opts *o) {
    static const struct option longopts[] = {
        {"set", required_argument, NULL, 's'},
        {"out", required_argument, NULL, 'o'},
        {"seed", required_argument, NULL, 'S'},
        {"progress", no_argument, NULL, 'P'},
        {"quiet", no_argument, NULL, 'q'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    memset(o, 0, sizeof *o);
    o->sets = calloc((size_t)argc, sizeof *o->sets);
    if (!o->sets) return TSR_EXIT_USAGE;
    optind = 1;
    opterr = 0;
    int c;
    while ((c = getopt_long(argc, argv, "o:h", longopts, NULL)) != -1) {
        switch (c) {
        case 'h': o->help = true; return TSR_EXIT_OK;
        case 's': o->sets[o->nsets++] = optarg; break;
        case 'o':
            if (!optarg[0]) {
                fprintf(stderr, "tessera: -o: expected a folder name, found \"\"\n");
                return TSR_EXIT_USAGE;
            }
            o->out = optarg;
            break;
        case 'S': {
            uint64_t v;
            if (!cfg_parse_uint(optarg, &v)) { /* as experiment.seed reads it: never wraps */
                fprintf(stderr, "tessera: --seed: found \"%s\", expected an unsigned integer\n",
                        optarg);
                return TSR_EXIT_USAGE;
            }
            o->has_seed = true;
            o->seed = v;
            break;
        }
        case 'P': o->progress = SIM_PROGRESS_FORCE; break;
        case 'q': o->progress = SIM_PROGRESS_QUIET; break;
        default:
            fprintf(stderr, "tessera: unknown or incomplete option \"%s\" (see tessera --help)\n",
                    argv[optind - 1]);
            return TSR_EXIT_USAGE;
        }
    }
    if (optind >= argc) {
        fprintf(stderr, "tessera: missing the configuration file (see tessera --help)\n");
        return TSR_EXIT_USAGE;
    }
    o->file = argv[optind++];
    if (optind < argc) {
        fprintf(stderr, "tessera: unexpected argument \"%s\" (see tessera --help)\n", argv[optind]);
        return TSR_EXIT_USAGE;
    }
    return TSR_EXIT_OK;
}

static int load_config(const struct cli_opts *o, struct tsr_config *cfg) {
    int rc = tsr_config_load(o->file, o->sets, o->nsets, cfg, stderr);
    if (rc == TSR_EXIT_OK && o->has_seed) cfg->experiment.seed = o->seed;
    return rc;
}

static int cmd_run(const struct cli_opts *o) {
    struct tsr_config cfg;
    memset(&cfg, 0, sizeof cfg);
    char *out_dir = NULL, *summary_tmp = NULL, *summary_path = NULL, *flat_tmp = NULL,
         *flat_path = NULL;
    struct sim_engine *engine = NULL;
    struct sim_progress *prog = NULL;
    int rc = load_config(o, &cfg);
    if (rc != TSR_EXIT_OK) goto done;
    rc = TSR_EXIT_RUN_FAILED;
    if (o->out)
        out_dir = strdup(o->out);
    else if (asprintf(&out_dir, "out/%s", cfg.experiment.name) < 0)
        out_dir = NULL;
    if (!out_dir || tsr_mkdir_p(out_dir) != 0 ||
        asprintf(&summary_tmp, "%s/summary.json.partial", out_dir) < 0 ||
        asprintf(&summary_path, "%s/summary.json", out_dir) < 0 ||
        asprintf(&flat_tmp, "%s/metrics.tsv.partial", out_dir) < 0 ||
        asprintf(&flat_path, "%s/metrics.tsv", out_dir) < 0) {
        fprintf(stderr, "tessera: cannot create the output folder %s: %s\n",
                out_dir ? out_dir : "?", strerror(errno));
        goto done;
    }
    FILE *f = fopen(summary_tmp, "w");
    FILE *flat = f ? fopen(flat_tmp, "w") : NULL;
    if (!f || !flat) {
        fprintf(stderr, "tessera: cannot write %s: %s\n", f ? flat_tmp : summary_tmp,
                strerror(errno));
        if (f) fclose(f);
        goto done;
    }
    struct json_writer w;
    json_init(&w, f);
    json_set_flat(&w, flat);
    json_object_begin(&w);
    json_kv_string(&w, "tessera_version", TESSERA_VERSION);
    json_kv_string(&w, "experiment_file", o->file);
    json_key(&w, "overrides");
    json_array_begin(&w);
    for (size_t i = 0; i < o->nsets; i++) json_string(&w, o->sets[i]);
    json_array_end(&w);
    json_kv_uint(&w, "seed", cfg.experiment.seed);
    json_key(&w, "config");
    tsr_config_write_json(&cfg, &w);
    json_key(&w, "stats");
    json_object_begin(&w);

    engine = sim_engine_create();
    sim_time_t end_time = cfg.experiment.duration_ns ? SIM_NS(cfg.experiment.duration_ns) : 0;
    prog = sim_progress_create(o->progress, stderr, end_time, 0);
    sim_progress_attach(prog, engine, cfg.experiment.progress_every);
    struct exp_run run = {.engine = engine, .out_dir = out_dir, .stats = &w, .progress = prog};
    struct exp_section sections[TSR_MAX_SECTIONS];
    tsr_exp_run_init(&cfg, sections, &run);
    rc = run.kind->run(&run);
    /* (a kind's own engines count too: see struct exp_run) */
    const uint64_t events = sim_engine_events_run(engine) + run.own_events;
    const sim_time_t simulated = sim_engine_now(engine) + run.own_sim_ps;
    sim_progress_finish(prog, simulated, events);
    double wall = sim_progress_elapsed(prog);
    json_object_end(&w); /* stats */

    json_key(&w, "outcome");
    json_object_begin(&w);
    json_kv_string(&w, "status", tsr_exit_word(rc));
    json_kv_int(&w, "exit_code", rc);
    json_kv_string(&w, "reason", run.stop_reason);
    json_kv_uint(&w, "sim_time_ps", simulated);
    json_kv_uint(&w, "events", events);
    json_object_end(&w);

    /* Host-dependent facts: everything outside this section is a pure
     * function of the configuration and the seed. */
    char host[256] = "";
    gethostname(host, sizeof host - 1);
    json_key(&w, "host");
    json_object_begin(&w);
    json_kv_string(&w, "hostname", host);
    json_kv_double(&w, "wall_seconds", wall);
    json_kv_double(&w, "events_per_second", wall > 0 ? (double)events / wall : 0.0);
    json_object_end(&w);
    json_object_end(&w);
    bool write_ok = !ferror(f) && !ferror(flat);
    write_ok = (fclose(f) == 0) && write_ok;
    write_ok = (fclose(flat) == 0) && write_ok;
    if (!write_ok || rename(summary_tmp, summary_path) != 0 || rename(flat_tmp, flat_path) != 0) {
        fprintf(stderr, "tessera: cannot write %s: %s\n", summary_path, strerror(errno));
        if (rc == TSR_EXIT_OK) rc = TSR_EXIT_RUN_FAILED;
    }

    printf("%s (%s): %s in %.2f s host time, %llu events, simulated %.3f us\n", cfg.experiment.name,
           exp_kind_names[cfg.experiment.kind], tsr_exit_word(rc), wall, (unsigned long long)events,
           (double)simulated / 1e6);
    if (run.summary[0]) {
        fputs(run.summary, stdout);
        if (run.summary[strlen(run.summary) - 1] != '\n') fputc('\n', stdout);
    }
    if (run.stop_reason[0]) fprintf(stderr, "tessera: run stopped: %s\n", run.stop_reason);
    printf("results: %s\n", summary_path);

done:
    sim_progress_destroy(prog);
    sim_engine_destroy(engine);
    free(out_dir);
    free(summary_tmp);
    free(summary_path);
    free(flat_tmp);
    free(flat_path);
    cfg_release(&tsr_config_section, &cfg);
    return rc;
}

static int cmd_check_deadlock(const struct cli_opts *o) {
    struct tsr_config cfg;
    memset(&cfg, 0, sizeof cfg);
    int rc = load_config(o, &cfg);
    if (rc == TSR_EXIT_OK) rc = noc_check_deadlock_main(&cfg.noc, stdout);
    cfg_release(&tsr_config_section, &cfg);
    return rc;
}

static int cmd_validate(const struct cli_opts *o) {
    if (tsr_sweep_file_p(o->file)) return tsr_sweep_validate(o->file, o->sets, o->nsets);
    struct tsr_config cfg;
    memset(&cfg, 0, sizeof cfg);
    int rc = load_config(o, &cfg);
    if (rc == TSR_EXIT_OK)
        printf("%s: ok (experiment \"%s\", kind %s)\n", o->file, cfg.experiment.name,
               exp_kind_names[cfg.experiment.kind]);
    cfg_release(&tsr_config_section, &cfg);
    return rc;
}

int tsr_cli_main(int argc, char **argv) {
    if (argc < 2) {
        fputs(usage_text, stderr);
        return TSR_EXIT_USAGE;
    }
    const char *cmd = argv[1];
    if (strcmp(cmd, "-h") == 0 || strcmp(cmd, "--help") == 0 || strcmp(cmd, "help") == 0) {
        fputs(usage_text, stdout);
        return TSR_EXIT_OK;
    }
    if (strcmp(cmd, "-V") == 0 || strcmp(cmd, "--version") == 0) {
        printf("tessera %s\n", TESSERA_VERSION);
        return TSR_EXIT_OK;
    }
    if (strcmp(cmd, "config-reference") == 0) {
        cfg_write_reference_md(&tsr_config_section, stdout);
        return TSR_EXIT_OK;
    }
    if (strcmp(cmd, "sweep") == 0) return tsr_sweep_main(argc - 1, argv + 1);
    if (strcmp(cmd, "layout") == 0) return tsr_layout_main(argc - 1, argv + 1);
    if (strcmp(cmd, "run") == 0 || strcmp(cmd, "validate") == 0 ||
        strcmp(cmd, "check-deadlock") == 0) {
        struct cli_opts o;
        int rc = parse_opts(argc - 1, argv + 1, &o);
        if (rc == TSR_EXIT_OK && o.help)
            fputs(usage_text, stdout);
        else if (rc == TSR_EXIT_OK)
            rc = cmd[0] == 'r'   ? cmd_run(&o)
                 : cmd[0] == 'v' ? cmd_validate(&o)
                                 : cmd_check_deadlock(&o);
        free(o.sets);
        return rc;
    }
    fprintf(stderr, "tessera: unknown command \"%s\" (see tessera --help)\n", cmd);
    return TSR_EXIT_USAGE;
}
