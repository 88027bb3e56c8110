/* The tessera program: exit codes, outputs, determinism, and that the
 * generated configuration reference in docs/ is up to date. */
#include <criterion/criterion.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static char tmpdir[64];
static const char *src, *bin;

static void setup(void) {
    src = getenv("TESSERA_SOURCE_DIR");
    bin = getenv("TESSERA_BINARY_DIR");
    cr_assert_not_null(src, "TESSERA_SOURCE_DIR not set (run through ctest)");
    cr_assert_not_null(bin, "TESSERA_BINARY_DIR not set (run through ctest)");
    strcpy(tmpdir, "/tmp/tessera-cli-XXXXXX");
    cr_assert_not_null(mkdtemp(tmpdir));
}
static void teardown(void) {
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", tmpdir);
    cr_assert_eq(system(cmd), 0);
}
TestSuite(cli, .init = setup, .fini = teardown, .timeout = 120);

static char *slurp(const char *path) {
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *buf = malloc((size_t)n + 1);
    size_t got = fread(buf, 1, (size_t)n, f);
    buf[got] = '\0';
    fclose(f);
    return buf;
}

/* Runs `tessera ARGS` from the source folder; returns the exit code and
 * leaves stdout/stderr in *out / *err (caller frees). */
static int tessera(char **out, char **err, const char *fmt, ...) {
    char args[2048], cmd[4096];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(args, sizeof args, fmt, ap);
    va_end(ap);
    snprintf(cmd, sizeof cmd, "cd %s && %s/tessera %s >%s/out.txt 2>%s/err.txt", src, bin, args,
             tmpdir, tmpdir);
    int st = system(cmd);
    char p[256];
    snprintf(p, sizeof p, "%s/out.txt", tmpdir);
    char *o = slurp(p);
    snprintf(p, sizeof p, "%s/err.txt", tmpdir);
    char *e = slurp(p);
    if (out)
        *out = o;
    else
        free(o);
    if (err)
        *err = e;
    else
        free(e);
    cr_assert(WIFEXITED(st), "tessera did not exit normally: %s", cmd);
    return WEXITSTATUS(st);
}

static char *write_tmp(const char *name, const char *text) {
    char *path = NULL;
    cr_assert(asprintf(&path, "%s/%s", tmpdir, name) > 0);
    FILE *f = fopen(path, "w");
    fputs(text, f);
    fclose(f);
    return path;
}

Test(cli, version_and_help) {
    char *out;
    cr_assert_eq(tessera(&out, NULL, "--version"), 0);
    cr_assert(strncmp(out, "tessera ", 8) == 0, "%s", out);
    free(out);
    cr_assert_eq(tessera(&out, NULL, "--help"), 0);
    cr_assert(strstr(out, "exit codes:"), "%s", out);
    free(out);
}

Test(cli, usage_errors_exit_1) {
    char *err;
    cr_assert_eq(tessera(NULL, &err, ""), 1);
    free(err);
    cr_assert_eq(tessera(NULL, &err, "frobnicate"), 1);
    cr_assert(strstr(err, "unknown command \"frobnicate\""), "%s", err);
    free(err);
    cr_assert_eq(tessera(NULL, &err, "run"), 1);
    cr_assert(strstr(err, "missing the configuration file"), "%s", err);
    free(err);
    cr_assert_eq(tessera(NULL, &err, "run configs/experiments/hold.yaml --seed abc"), 1);
    cr_assert(strstr(err, "--seed: found \"abc\""), "%s", err);
    free(err);
    cr_assert_eq(tessera(NULL, &err, "run configs/experiments/hold.yaml --bogus"), 1);
    free(err);
}

/* Every key a user sets takes effect or is refused: a key in a section the
 * chosen kind does not read is refused before anything runs, naming the kind,
 * the key and where it was set (file:line:col or --set); summary.json lists
 * only the sections the kind read. */
/* Each kind's own checks (struct exp_kind.check) run in validate, before
 * anything is written: limits across sections (issue 17, item 15), a
 * duration the kind would ignore (item 17), a mesh the kind cannot measure
 * (item 20). Each failed validate (exit 0) before. */
Test(cli, kind_checks_refuse_in_validate) {
    char *err;
    cr_assert_eq(tessera(NULL, &err,
                         "validate configs/experiments/nic-echo.yaml "
                         "--set nic.echo.echo_tiles=8"),
                 2);
    cr_assert(strstr(err, "nic.echo.echo_tiles: expected equal to nic.mpipe.rings"), "%s", err);
    free(err);
    cr_assert_eq(tessera(NULL, &err,
                         "validate configs/experiments/nic-echo.yaml "
                         "--set nic.echo.first_tile=4000"),
                 2);
    cr_assert(strstr(err, "nic.echo.first_tile + nic.echo.echo_tiles: expected at most"), "%s",
              err);
    free(err);
    cr_assert_eq(tessera(NULL, &err,
                         "validate configs/experiments/noc-uniform.yaml "
                         "--set experiment.duration_ns=1000"),
                 2);
    cr_assert(strstr(err, "experiment.duration_ns: noc-synthetic runs"), "%s", err);
    free(err);
    cr_assert_eq(tessera(NULL, &err,
                         "validate configs/experiments/noc-msgdep-stall.yaml "
                         "--set experiment.duration_ns=1000"),
                 2);
    free(err);
    cr_assert_eq(tessera(NULL, &err,
                         "validate configs/experiments/tile-calib.yaml "
                         "--set noc.width=1 --set noc.height=1"),
                 2);
    cr_assert(strstr(err, "noc.width: tile-calib needs at least 2 tiles"), "%s", err);
    free(err);
    cr_assert_eq(tessera(NULL, &err,
                         "validate configs/experiments/tile-calib.yaml "
                         "--set experiment.duration_ns=1000"),
                 2);
    free(err);
}

Test(cli, key_in_a_section_the_kind_does_not_read_is_refused) {
    char *cfg = write_tmp("unread.yaml", "experiment:\n  kind: hold\nhold:\n  events: 10\n"
                                         "chip:\n  cpi: 0.7\n");
    char *err;
    cr_assert_eq(tessera(NULL, &err, "run %s -o %s/unread --set noc.width=4", cfg, tmpdir), 2);
    cr_assert(strstr(err, "unread.yaml:6:8: chip.cpi: experiment kind hold does not read the chip "
                          "section (it reads experiment, hold)"),
              "%s", err);
    cr_assert(strstr(err,
                     "--set noc.width=4: noc.width: experiment kind hold does not read the noc "
                     "section"),
              "%s", err);
    cr_assert(strstr(err, "2 errors; nothing was run"), "%s", err);
    free(err);
    char p[256];
    snprintf(p, sizeof p, "%s/unread/summary.json", tmpdir);
    cr_assert_neq(access(p, F_OK), 0, "a refused run wrote %s", p);
    /* the same keys are fine for a kind that reads them */
    cr_assert_eq(tessera(NULL, &err,
                         "validate configs/experiments/tile-calib.yaml "
                         "--set chip.cpi=0.7 --set noc.width=4"),
                 0, "%s", err);
    free(err);
    char *ok = write_tmp("read.yaml", "experiment:\n  kind: hold\nhold:\n  events: 10\n");
    char *out;
    cr_assert_eq(tessera(&out, NULL, "run %s -o %s/read --quiet", ok, tmpdir), 0);
    free(out);
    snprintf(p, sizeof p, "%s/read/metrics.tsv", tmpdir);
    FILE *f = fopen(p, "r");
    cr_assert_not_null(f);
    char line[512];
    bool hold = false, other = false;
    while (fgets(line, sizeof line, f)) {
        hold |= strncmp(line, "config.hold.", 12) == 0;
        other |= strncmp(line, "config.chip.", 12) == 0 || strncmp(line, "config.noc.", 11) == 0 ||
                 strncmp(line, "config.nic.", 11) == 0;
    }
    fclose(f);
    cr_assert(hold && !other, "config of a hold run: hold %d, other sections %d", hold, other);
    free(cfg);
    free(ok);
}

Test(cli, bad_input_exits_2_and_runs_nothing) {
    char *cfg = write_tmp("bad.yaml", "experiment:\n  kind: hodl\nhold:\n  pending: 0\n");
    char *err;
    cr_assert_eq(tessera(NULL, &err, "run %s -o %s/res", cfg, tmpdir), 2);
    cr_assert(strstr(err, "bad.yaml:2:9: experiment.kind: found \"hodl\""), "%s", err);
    cr_assert(strstr(err, "did you mean \"hold\""), "%s", err);
    cr_assert(strstr(err, "bad.yaml:4:12: hold.pending: found 0, out of range"), "%s", err);
    cr_assert(strstr(err, "2 errors; nothing was run"), "%s", err);
    free(err);
    char p[256];
    snprintf(p, sizeof p, "%s/res/summary.json", tmpdir);
    cr_assert_eq(access(p, F_OK), -1, "no results for a refused config");
    cr_assert_eq(tessera(NULL, &err, "validate %s/nothere.yaml", tmpdir), 2);
    cr_assert(strstr(err, "nothere.yaml: cannot open: No such file or directory"), "%s", err);
    free(err);
    cr_assert_eq(tessera(NULL, &err, "validate configs/experiments/hold.yaml --set hold.pendin=3"),
                 2);
    cr_assert(
        strstr(err,
               "--set hold.pendin=3: hold.pendin: unknown key; did you mean \"hold.pending\"?"),
        "%s", err);
    free(err);
    free(cfg);
}

Test(cli, module_checks_name_the_line_of_the_key) {
    char *exp = NULL;
    cr_assert(asprintf(&exp,
                       "include: %s/configs/experiments/noc-uniform.yaml\nnoc:\n  routing: yxx\n",
                       src) > 0);
    char *cfg = write_tmp("r.yaml", exp);
    char *err;
    cr_assert_eq(tessera(NULL, &err, "validate %s", cfg), 2);
    cr_assert(
        strstr(err,
               "r.yaml:3:12: noc.routing: unknown routing function 'yxx' (did you mean 'yx'?)"),
        "%s", err);
    free(err);
    free(cfg);
    free(exp);
}

Test(cli, validate_ok) {
    char *out;
    cr_assert_eq(tessera(&out, NULL, "validate configs/experiments/hold.yaml"), 0);
    cr_assert(strstr(out, "ok (experiment \"hold\", kind hold)"), "%s", out);
    free(out);
}

Test(cli, unwritable_output_exits_3) {
    char *err;
    cr_assert_eq(tessera(NULL, &err, "run configs/experiments/hold.yaml -o /proc/tessera-no"), 3);
    cr_assert(strstr(err, "cannot create the output folder /proc/tessera-no"), "%s", err);
    free(err);
}

/* summary.json up to its host section: the part that must be reproducible */
static char *deterministic_part(const char *dir) {
    char p[256];
    snprintf(p, sizeof p, "%s/summary.json", dir);
    char *s = slurp(p);
    cr_assert_not_null(s, "no %s", p);
    char *host = strstr(s, "\n  \"host\": {"); /* the top-level section */
    cr_assert_not_null(host, "summary.json has no host section");
    *host = '\0';
    return s;
}

Test(cli, run_writes_summary_and_is_deterministic) {
    char *out;
    const char *args = "--set hold.events=300000 --set hold.pending=500 --quiet";
    cr_assert_eq(tessera(&out, NULL, "run configs/experiments/hold.yaml %s -o %s/a", args, tmpdir),
                 0);
    cr_assert(strstr(out, "hold (hold): ok"), "%s", out);
    free(out);
    cr_assert_eq(tessera(NULL, NULL, "run configs/experiments/hold.yaml %s -o %s/b", args, tmpdir),
                 0);
    cr_assert_eq(
        tessera(NULL, NULL, "run configs/experiments/hold.yaml %s -o %s/c --seed 2", args, tmpdir),
        0);
    char da[256], db[256], dc[256];
    snprintf(da, sizeof da, "%s/a", tmpdir);
    snprintf(db, sizeof db, "%s/b", tmpdir);
    snprintf(dc, sizeof dc, "%s/c", tmpdir);
    char *a = deterministic_part(da), *b = deterministic_part(db), *c = deterministic_part(dc);
    cr_assert(strstr(a, "\"status\": \"ok\""), "%s", a);
    cr_assert(strstr(a, "\"pending\": 500"), "overrides reach the resolved config: %s", a);
    cr_assert(strstr(a, "\"events\": 300000"), "%s", a);
    cr_assert_str_eq(a, b, "same config and seed must give identical results");
    cr_assert(strstr(c, "\"seed\": 2"), "%s", c);
    /* another seed draws other delays: the simulated end time differs */
    char *ta = strstr(a, "\"sim_time_ps\""), *tc = strstr(c, "\"sim_time_ps\"");
    cr_assert(ta && tc);
    cr_assert(strncmp(ta, tc, 40) != 0, "seed had no effect");
    free(a);
    free(b);
    free(c);
}

Test(cli, progress_forced_and_quiet) {
    char *err;
    cr_assert_eq(tessera(NULL, &err,
                         "run configs/experiments/hold.yaml --set hold.events=1000 "
                         "--progress -o %s/p",
                         tmpdir),
                 0);
    cr_assert(strstr(err, "M events/s"), "forced progress line missing: %s", err);
    free(err);
    cr_assert_eq(tessera(NULL, &err,
                         "run configs/experiments/hold.yaml --set hold.events=1000 "
                         "--quiet -o %s/q",
                         tmpdir),
                 0);
    cr_assert_str_eq(err, "", "--quiet must print nothing on stderr");
    free(err);
}

Test(cli, sweep_runs_points_tabulates_and_reuses) {
    char *sw = NULL;
    cr_assert(asprintf(&sw, "%s/sw.yaml", tmpdir) > 0);
    FILE *f = fopen(sw, "w");
    fprintf(f,
            "experiment: %s/configs/experiments/hold.yaml\n"
            "set: {hold.events: 2000}\n"
            "axes:\n  hold.pending: [10, 20]\n  experiment.seed: [1, 2, 3]\n"
            "collect: [stats.events, config.hold.pending, stats.nothere]\n",
            src);
    fclose(f);
    char *out;
    cr_assert_eq(tessera(&out, NULL, "sweep %s -o %s/sw -j 2", sw, tmpdir), 0);
    cr_assert(strstr(out, "6 points (6 to run, 0 already done)"), "%s", out);
    free(out);
    char p[256];
    snprintf(p, sizeof p, "%s/sw/sweep.csv", tmpdir);
    char *csv = slurp(p);
    cr_assert_not_null(csv);
    cr_assert(strstr(csv, "point,hold.pending,experiment.seed,status,stats.events,"
                          "config.hold.pending,stats.nothere\n"),
              "%s", csv);
    cr_assert(strstr(csv, "\n0,10,1,ok,2000,10,\n"), "%s", csv);
    cr_assert(strstr(csv, "\n5,20,3,ok,2000,20,\n"), "%s", csv);
    free(csv);
    cr_assert_eq(tessera(&out, NULL, "sweep %s -o %s/sw", sw, tmpdir), 0);
    cr_assert(strstr(out, "6 points (0 to run, 6 already done)"), "finished points rerun: %s", out);
    free(out);
    cr_assert_eq(tessera(&out, NULL, "sweep %s -o %s/sw --force --dry-run", sw, tmpdir), 0);
    cr_assert(strstr(out, "(6 to run, 0 already done)"), "%s", out);
    cr_assert(
        strstr(out,
               "point-005: --set hold.events=2000 --set hold.pending=20 --set experiment.seed=3"),
        "%s", out);
    free(out);
    free(sw);
}

Test(cli, sweep_mistakes_run_nothing) {
    char *sw = write_tmp("bad.yaml", "experiment: ../nothere.yaml\nmdoe: zip\naxes: {a: []}\n");
    char *err;
    cr_assert_eq(tessera(NULL, &err, "sweep %s -o %s/x", sw, tmpdir), 2);
    cr_assert(strstr(err, "bad.yaml:2:7: mdoe: unknown key; did you mean \"mode\"?"), "%s", err);
    cr_assert(strstr(err, "bad.yaml:3:11: axes.a: expected a non-empty list of values"), "%s", err);
    free(err);
    free(sw);
    char *zip = NULL;
    cr_assert(asprintf(&zip,
                       "experiment: %s/configs/experiments/hold.yaml\nmode: zip\n"
                       "axes: {hold.pending: [1, 2], experiment.seed: [1]}\n",
                       src) > 0);
    sw = write_tmp("zip.yaml", zip);
    cr_assert_eq(tessera(NULL, &err, "sweep %s -o %s/x", sw, tmpdir), 2);
    cr_assert(strstr(err, "axes.experiment.seed: has 1 values but axes.hold.pending has 2"), "%s",
              err);
    free(err);
    free(sw);
    free(zip);
    cr_assert(asprintf(&zip,
                       "experiment: %s/configs/experiments/hold.yaml\n"
                       "axes: {hold.pending: [5, 0]}\n",
                       src) > 0);
    sw = write_tmp("pt.yaml", zip);
    cr_assert_eq(tessera(NULL, &err, "sweep %s -o %s/y", sw, tmpdir), 2);
    cr_assert(strstr(err, "--set hold.pending=0: hold.pending: found 0, out of range"), "%s", err);
    cr_assert(strstr(err, "point 1 is refused"), "%s", err);
    cr_assert(strstr(err, "1 of 2 points refused; nothing was run"), "%s", err);
    free(err);
    char p[256];
    snprintf(p, sizeof p, "%s/y", tmpdir);
    cr_assert_eq(access(p, F_OK), -1, "a refused sweep creates nothing");
    free(sw);
    free(zip);
}

Test(cli, metrics_tsv_mirrors_summary) {
    cr_assert_eq(tessera(NULL, NULL,
                         "run configs/experiments/hold.yaml --set hold.events=500 -o %s/m --quiet",
                         tmpdir),
                 0);
    char p[256];
    snprintf(p, sizeof p, "%s/m/metrics.tsv", tmpdir);
    char *tsv = slurp(p);
    cr_assert_not_null(tsv);
    cr_assert(strstr(tsv, "\nconfig.hold.events\t500\n"), "%s", tsv);
    cr_assert(strstr(tsv, "\nstats.events\t500\n"), "%s", tsv);
    cr_assert(strstr(tsv, "\noutcome.status\tok\n"), "%s", tsv);
    cr_assert(strstr(tsv, "overrides.0\thold.events=500\n"), "%s", tsv);
    free(tsv);
}

Test(cli, deadlock_exits_4_and_still_writes_results) {
    char *err, *out;
    cr_assert_eq(
        tessera(&out, &err, "run configs/experiments/noc-msgdep-stall.yaml -o %s/dl", tmpdir), 4);
    cr_assert(strstr(out, "noc-msgdep-stall (noc-msgdep): deadlock"), "%s", out);
    cr_assert(strstr(err, "wait-for cycle"), "the report goes to stderr: %s", err);
    free(err);
    free(out);
    char p[256];
    snprintf(p, sizeof p, "%s/dl/metrics.tsv", tmpdir);
    char *tsv = slurp(p);
    cr_assert_not_null(tsv, "a deadlocked run still writes its results");
    cr_assert(strstr(tsv, "\noutcome.status\tdeadlock\n"), "%s", tsv);
    cr_assert(strstr(tsv, "\noutcome.exit_code\t4\n"), "%s", tsv);
    free(tsv);
    cr_assert_eq(tessera(&out, NULL, "check-deadlock configs/experiments/noc-unsafe-routing.yaml"),
                 4);
    cr_assert(strstr(out, "can deadlock"), "%s", out);
    free(out);
    cr_assert_eq(tessera(&out, NULL, "check-deadlock configs/experiments/noc-uniform.yaml"), 0);
    cr_assert(strstr(out, "acyclic"), "%s", out);
    free(out);
}

Test(cli, config_reference_in_docs_is_current) {
    char *out;
    cr_assert_eq(tessera(&out, NULL, "config-reference"), 0);
    char p[512];
    snprintf(p, sizeof p, "%s/docs/config-reference.md", src);
    char *doc = slurp(p);
    cr_assert_not_null(doc, "docs/config-reference.md is missing");
    cr_assert(strcmp(out, doc) == 0,
              "docs/config-reference.md is stale: regenerate it with "
              "`build/release/tessera config-reference > docs/config-reference.md`");
    free(out);
    free(doc);
}

/* ------------------------------------------------- bad input (issue 17) */

/* Item 3: an empty output folder name is a bad command line, not a crash. */
Test(cli, empty_output_folder_is_refused) {
    char *err;
    cr_assert_eq(tessera(NULL, &err, "run configs/experiments/hold.yaml -o ''"), 1);
    cr_assert(strstr(err, "tessera: -o: expected a folder name, found \"\""), "%s", err);
    free(err);
    char *sw = NULL;
    cr_assert(asprintf(&sw,
                       "experiment: %s/configs/experiments/hold.yaml\naxes: {hold.pending: [1]}\n",
                       src) > 0);
    char *path = write_tmp("sw.yaml", sw);
    cr_assert_eq(tessera(NULL, &err, "sweep %s -o ''", path), 1);
    cr_assert(strstr(err, "-o: expected a folder name, found \"\""), "%s", err);
    free(err);
    free(path);
    free(sw);
}

/* Item 11: a negative seed is refused however it is given. */
Test(cli, negative_seeds_are_refused) {
    char *err;
    cr_assert_eq(tessera(NULL, &err, "validate configs/experiments/hold.yaml --seed ' -1'"), 1);
    cr_assert(strstr(err, "--seed: found \" -1\", expected an unsigned integer"), "%s", err);
    free(err);
    cr_assert_eq(tessera(NULL, &err, "validate configs/experiments/hold.yaml --seed -1"), 1);
    free(err);
    cr_assert_eq(
        tessera(NULL, &err, "validate configs/experiments/hold.yaml --set 'experiment.seed= -1'"),
        2);
    cr_assert(strstr(err, "experiment.seed: found \" -1\""), "%s", err);
    free(err);
    char *cfg = write_tmp("neg.yaml", "experiment:\n  kind: hold\n  seed: \" -1\"\n");
    cr_assert_eq(tessera(NULL, &err, "validate %s", cfg), 2);
    cr_assert(strstr(err, "neg.yaml:3:9: experiment.seed: found \" -1\""), "%s", err);
    free(err);
    free(cfg);
}

/* Item 19: experiment.name names one folder under out/. */
Test(cli, experiment_name_is_one_path_component) {
    const char *bad[] = {"\"../../x\"", "\"\"", "a/b", "..", "."};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char text[128];
        snprintf(text, sizeof text, "experiment:\n  kind: hold\n  name: %s\n", bad[i]);
        char *cfg = write_tmp("name.yaml", text);
        char *err;
        cr_assert_eq(tessera(NULL, &err, "validate %s", cfg), 2, "name %s accepted", bad[i]);
        cr_assert(strstr(err, "name.yaml:3:9: experiment.name: found"), "%s", err);
        cr_assert(strstr(err, "expected one folder name (no '/', not empty, \".\" or \"..\")"),
                  "%s", err);
        free(err);
        free(cfg);
    }
}

/* True if the text is well-formed UTF-8. */
static bool utf8_ok(const unsigned char *s) {
    while (*s) {
        int n = *s < 0x80             ? 0
                : (*s & 0xe0) == 0xc0 ? 1
                : (*s & 0xf0) == 0xe0 ? 2
                : (*s & 0xf8) == 0xf0 ? 3
                                      : -1;
        if (n < 0 || (n == 1 && *s < 0xc2)) return false;
        s++;
        for (int i = 0; i < n; i++, s++)
            if ((*s & 0xc0) != 0x80) return false;
    }
    return true;
}

/* Item 18: bytes that are not UTF-8 (in a --set value, a file name) are
 * escaped in summary.json, which stays valid UTF-8 (hence valid JSON). */
Test(cli, summary_json_is_utf8_whatever_the_input) {
    char *cfg = write_tmp("h\377.yaml", "experiment:\n  kind: hold\nhold:\n  events: 100\n");
    cr_assert_eq(tessera(NULL, NULL,
                         "run '%s' -o %s/u --set \"experiment.name=n$(printf '\\377')\"", cfg,
                         tmpdir),
                 0);
    char p[256];
    snprintf(p, sizeof p, "%s/u/summary.json", tmpdir);
    char *sum = slurp(p);
    cr_assert_not_null(sum);
    cr_assert(utf8_ok((const unsigned char *)sum), "summary.json is not UTF-8:\n%s", sum);
    cr_assert(strstr(sum, "\"name\": \"n\\ufffd\""), "%s", sum);
    cr_assert(strstr(sum, "h\\ufffd.yaml"), "%s", sum);
    free(sum);
    free(cfg);
}

/* Item 22: --help after a command prints its usage and exits 0. */
Test(cli, command_help_exits_0) {
    const char *cmds[] = {"run", "validate", "sweep", "check-deadlock"};
    for (size_t i = 0; i < sizeof cmds / sizeof cmds[0]; i++) {
        char *out;
        cr_assert_eq(tessera(&out, NULL, "%s --help", cmds[i]), 0, "%s --help", cmds[i]);
        cr_assert(strstr(out, "usage: tessera"), "%s", out);
        free(out);
    }
    char *out;
    cr_assert_eq(tessera(&out, NULL, "sweep -h"), 0);
    cr_assert(strstr(out, "--set"), "%s", out);
    free(out);
}

static char *hold_sweep(const char *axes) {
    char *sw = NULL;
    cr_assert(asprintf(&sw, "experiment: %s/configs/experiments/hold.yaml\n%s", src, axes) > 0);
    char *path = write_tmp("sw.yaml", sw);
    free(sw);
    return path;
}

/* Item 22: sweep takes --set like run (before the sweep file's own set). */
Test(cli, sweep_takes_set) {
    char *sw = hold_sweep("set: {hold.events: 2000}\naxes: {hold.pending: [10, 20]}\n");
    char *out;
    cr_assert_eq(
        tessera(&out, NULL, "sweep %s -o %s/s --dry-run --set experiment.seed=7", sw, tmpdir), 0);
    cr_assert(strstr(out, "point-001: --set experiment.seed=7 --set hold.events=2000 --set "
                          "hold.pending=20"),
              "%s", out);
    free(out);
    char *err;
    cr_assert_eq(
        tessera(NULL, &err, "sweep %s -o %s/s --dry-run --set hold.mean_delay_ps=abc", sw, tmpdir),
        2);
    free(err);
    free(sw);
}

/* Item 2: the number of points is bounded (and its product cannot
 * overflow): a huge grid is refused at once, with the count. */
Test(cli, sweep_point_count_is_bounded, .timeout = 60) {
    char *sw = hold_sweep("axes:\n"
                          "  hold.pending: &v [1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,"
                          "21,22,23,24,25,26,27,28,29,30,31,32,33,34,35,36,37,38,39,40,41,42,43,44,"
                          "45,46,47,48,49,50,51,52,53,54,55,56,57,58,59,60,61,62,63,64,65,66,67,68,"
                          "69,70,71,72,73,74,75,76,77,78,79,80,81,82,83,84,85,86,87,88,89,90,91,92,"
                          "93,94,95,96,97,98,99,100]\n"
                          "  hold.events: *v\n  hold.mean_delay_ps: *v\n  experiment.seed: *v\n"
                          "  experiment.warmup_ns: *v\n  experiment.progress_every: *v\n");
    char *err;
    cr_assert_eq(tessera(NULL, &err, "sweep %s -o %s/big --dry-run", sw, tmpdir), 2);
    cr_assert(strstr(err, "more than 10000 points"), "%s", err);
    free(err);
    free(sw);
    sw = hold_sweep("axes:\n  hold.pending: &v [1,2,3,4,5,6,7,8,9,10]\n"
                    "  hold.events: *v\n  hold.mean_delay_ps: *v\n  experiment.seed: *v\n"
                    "  experiment.warmup_ns: *v\n  experiment.progress_every: *v\n");
    cr_assert_eq(tessera(NULL, &err, "sweep %s -o %s/big --dry-run", sw, tmpdir), 2);
    cr_assert(strstr(err, "1000000 points"), "%s", err);
    free(err);
    free(sw);
}

/* Item 22: an error every point shares (the experiment file is missing) is
 * printed once, not once per point. */
Test(cli, sweep_shared_error_is_printed_once) {
    char *sw = write_tmp("sw.yaml", "experiment: nothere.yaml\naxes: {hold.pending: [1, 2, 3, 4, "
                                    "5, 6, 7, 8, 9, 10, 11, 12]}\n");
    char *err;
    cr_assert_eq(tessera(NULL, &err, "sweep %s -o %s/x --dry-run", sw, tmpdir), 2);
    const char *first = strstr(err, "nothere.yaml: cannot open");
    cr_assert(first, "%s", err);
    cr_assert_null(strstr(first + 1, "nothere.yaml: cannot open"), "repeated:\n%s", err);
    cr_assert(strstr(err, "12 of 12 points refused"), "%s", err);
    free(err);
    free(sw);
}

/* Item 1: every minimum frame size the schema allows pads without an
 * assertion (69..1024 aborted in nic/eth.c). */
Test(cli, large_minimum_frame_runs, .timeout = 300) {
    char *out, *err;
    int rc = tessera(&out, &err,
                     "run configs/experiments/nic-echo.yaml -o %s/mf --set nic.echo.frames=200 "
                     "--set nic.eth.min_frame_bytes=1024",
                     tmpdir);
    cr_assert_eq(rc, 0, "%s%s", out, err);
    cr_assert(strstr(out, "echoed 200,"), "%s", out);
    free(out);
    free(err);
}

/* Item 4: frames still on a wire or a cable when the run stops are freed
 * (the leak sanitizer of the test build would report them). */
Test(cli, frames_in_flight_at_the_end_are_freed, .timeout = 300) {
    char *out, *err;
    int rc = tessera(&out, &err,
                     "run configs/experiments/nic-echo.yaml -o %s/short --set "
                     "experiment.duration_ns=1000",
                     tmpdir);
    cr_assert_null(strstr(err, "Sanitizer"), "%s", err);
    cr_assert_eq(rc, 0, "%s%s", out, err);
    free(out);
    free(err);
}

/* Item 8: a hold run with no end (events 0 and no duration) is refused. */
Test(cli, hold_without_an_end_is_refused) {
    char *err;
    cr_assert_eq(tessera(NULL, &err, "validate configs/experiments/hold.yaml --set hold.events=0"),
                 2);
    cr_assert(strstr(err, "--set hold.events=0: hold.events: 0 runs until experiment.duration_ns, "
                          "which is 0 (no end): set one of them"),
              "%s", err);
    free(err);
    cr_assert_eq(tessera(NULL, &err,
                         "validate configs/experiments/hold.yaml --set hold.events=0 --set "
                         "experiment.duration_ns=1000"),
                 0, "%s", err);
    free(err);
}

/* Item 12: at low DRAM bandwidth a load costs about a line's transfer, not
 * a walk of every window (1.2 M cycles per load at 1 Gb/s). */
Test(cli, slow_dram_costs_a_line_transfer, .timeout = 300) {
    char *out, *err;
    cr_assert_eq(tessera(&out, &err,
                         "run configs/experiments/tile-calib.yaml -o %s/dram --set "
                         "chip.dram.bandwidth_gbps=1",
                         tmpdir),
                 0, "%s", err);
    const char *d = strstr(out, "DRAM ");
    cr_assert(d, "%s", out);
    double cycles = atof(d + 5);
    cr_assert(cycles > 1200 && cycles < 2000, "DRAM %.2f cycles per load:\n%s", cycles, out);
    free(out);
    free(err);
}

/* Item 16: a statistic with no sample is "none" (null in JSON) with the
 * count and the reason, never 0. */
Test(cli, empty_samples_are_none_not_zero, .timeout = 300) {
    char *out, *sum;
    char p[256];
    cr_assert_eq(tessera(&out, NULL,
                         "run configs/experiments/hold.yaml -o %s/he --set hold.events=1000 "
                         "--set experiment.warmup_ns=1000000000000",
                         tmpdir),
                 0);
    cr_assert(strstr(out, "delays drawn: none (0 after the warm-up"), "%s", out);
    free(out);
    snprintf(p, sizeof p, "%s/he/summary.json", tmpdir);
    sum = slurp(p);
    cr_assert(strstr(sum, "\"count\": 0,\n      \"min\": null,\n      \"max\": null,\n      "
                          "\"mean\": null,\n      \"p50\": null"),
              "%s", sum);
    free(sum);
    cr_assert_eq(tessera(&out, NULL,
                         "run configs/experiments/noc-uniform.yaml -o %s/ne --set "
                         "noc.traffic.injection_rate=1.0 --set noc.traffic.measure_cycles=2000 "
                         "--set noc.traffic.drain_max_cycles=2000",
                         tmpdir),
                 0);
    cr_assert(strstr(out, "packet latency (cycles): none (0 of "), "%s", out);
    cr_assert(strstr(out, "packets measured delivered"), "%s", out);
    free(out);
    cr_assert_eq(tessera(&out, NULL,
                         "run configs/experiments/nic-echo.yaml -o %s/ee --set nic.echo.frames=100 "
                         "--set experiment.warmup_ns=100000000",
                         tmpdir),
                 0);
    cr_assert(strstr(out, "round trip: none (0 frames echoed after the warm-up"), "%s", out);
    free(out);
}

/* Item 14: a point is reused only if its resolved configuration and the
 * build are those it was run with: editing an included file, or running
 * another build of tessera, runs it again. */
Test(cli, sweep_reuse_is_keyed_by_config_and_build, .timeout = 300) {
    free(write_tmp("base.yaml", "hold:\n  mean_delay_ps: 1000000\n"));
    free(write_tmp("exp.yaml", "include: base.yaml\n"
                               "experiment: {name: h, kind: hold, seed: 1}\n"
                               "hold: {pending: 10, events: 2000}\n"));
    char *sw = write_tmp("sw.yaml", "experiment: exp.yaml\n"
                                    "axes: {experiment.seed: [1, 2]}\n"
                                    "collect: [config.hold.mean_delay_ps]\n");
    char *out;
    cr_assert_eq(tessera(&out, NULL, "sweep %s -o %s/k -j 2", sw, tmpdir), 0);
    cr_assert(strstr(out, "(2 to run, 0 already done)"), "%s", out);
    free(out);
    cr_assert_eq(tessera(&out, NULL, "sweep %s -o %s/k -j 2", sw, tmpdir), 0);
    cr_assert(strstr(out, "(0 to run, 2 already done)"), "%s", out);
    free(out);
    /* the included file changes: both points run again */
    free(write_tmp("base.yaml", "hold:\n  mean_delay_ps: 2000000\n"));
    cr_assert_eq(tessera(&out, NULL, "sweep %s -o %s/k -j 2", sw, tmpdir), 0);
    cr_assert(strstr(out, "(2 to run, 0 already done)"), "stale points reused: %s", out);
    free(out);
    char p[256];
    snprintf(p, sizeof p, "%s/k/sweep.csv", tmpdir);
    char *csv = slurp(p);
    cr_assert(strstr(csv, "\n0,1,ok,2000000\n") && strstr(csv, "\n1,2,ok,2000000\n"), "%s", csv);
    free(csv);
    /* another build (here: the same program with one byte appended) */
    char cmd[1024];
    snprintf(cmd, sizeof cmd,
             "cp %s/tessera %s/tessera2 && printf x >>%s/tessera2 && cd %s && "
             "%s/tessera2 sweep %s -o %s/k -j 2 >%s/out2.txt 2>&1",
             bin, tmpdir, tmpdir, src, tmpdir, sw, tmpdir, tmpdir);
    cr_assert_eq(system(cmd), 0);
    snprintf(p, sizeof p, "%s/out2.txt", tmpdir);
    out = slurp(p);
    cr_assert(strstr(out, "(2 to run, 0 already done)"), "points of another build reused: %s", out);
    free(out);
    free(sw);
}

/* Item 13: two sweeps started at once into one folder: the output folder is
 * locked, so one runs and the other refuses (exit 2) and writes nothing; the
 * files are whole, and a resume reuses every point. */
Test(cli, two_sweeps_into_one_folder, .timeout = 300) {
    char *sw = hold_sweep("set: {hold.events: 1000000}\n"
                          "axes: {experiment.seed: [1, 2, 3, 4]}\n"
                          "collect: [stats.events]\n");
    char cmd[2048];
    snprintf(cmd, sizeof cmd,
             "cd %s && (%s/tessera sweep %s -o %s/two -j 2 >%s/a.txt 2>&1; echo $? >%s/a.rc) & "
             "(cd %s && %s/tessera sweep %s -o %s/two -j 2 >%s/b.txt 2>&1; echo $? >%s/b.rc) & "
             "wait",
             src, bin, sw, tmpdir, tmpdir, tmpdir, src, bin, sw, tmpdir, tmpdir, tmpdir);
    cr_assert_eq(system(cmd), 0);
    char p[256];
    int rc[2];
    char *txt[2];
    for (int i = 0; i < 2; i++) {
        snprintf(p, sizeof p, "%s/%c.rc", tmpdir, "ab"[i]);
        char *r = slurp(p);
        rc[i] = atoi(r);
        free(r);
        snprintf(p, sizeof p, "%s/%c.txt", tmpdir, "ab"[i]);
        txt[i] = slurp(p);
    }
    int refused = rc[0] == 2 ? 0 : 1;
    cr_assert((rc[0] == 0 && rc[1] == 2) || (rc[0] == 2 && rc[1] == 0),
              "exit codes %d and %d:\n%s\n---\n%s", rc[0], rc[1], txt[0], txt[1]);
    cr_assert(strstr(txt[refused], "another sweep"), "%s", txt[refused]);
    cr_assert(strstr(txt[1 - refused], "4 of 4 points ok"), "%s", txt[1 - refused]);
    free(txt[0]);
    free(txt[1]);
    snprintf(p, sizeof p, "%s/two/sweep.csv", tmpdir);
    char *csv = slurp(p);
    for (int i = 0; i < 4; i++) {
        char row[64];
        snprintf(row, sizeof row, "\n%d,%d,ok,1000000\n", i, i + 1);
        cr_assert(strstr(csv, row), "%s", csv);
    }
    free(csv);
    char *out;
    cr_assert_eq(tessera(&out, NULL, "sweep %s -o %s/two", sw, tmpdir), 0);
    cr_assert(strstr(out, "(0 to run, 4 already done)"), "%s", out);
    free(out);
    free(sw);
}

/* Item 13: a point whose run did not complete (its point.txt has no exit
 * record, e.g. killed or corrupted) is run again, not reused. */
Test(cli, sweep_reuses_only_completed_points, .timeout = 300) {
    char *sw = hold_sweep("set: {hold.events: 2000}\naxes: {experiment.seed: [1, 2]}\n");
    char *out;
    cr_assert_eq(tessera(&out, NULL, "sweep %s -o %s/c", sw, tmpdir), 0);
    free(out);
    char p[256];
    snprintf(p, sizeof p, "%s/c/point-001/summary.json", tmpdir);
    FILE *f = fopen(p, "w");
    fputs("{\n  \"tessera_version\": \"0.", f); /* a torn file */
    fclose(f);
    snprintf(p, sizeof p, "%s/c/point-001/point.txt", tmpdir);
    char *id = slurp(p);
    char *ex = strstr(id, "exit ");
    cr_assert_not_null(ex, "point.txt records no exit: %s", id);
    *ex = '\0'; /* as the file stands while the point runs */
    f = fopen(p, "w");
    fputs(id, f);
    fclose(f);
    free(id);
    cr_assert_eq(tessera(&out, NULL, "sweep %s -o %s/c", sw, tmpdir), 0);
    cr_assert(strstr(out, "(1 to run, 1 already done)"), "%s", out);
    free(out);
    free(sw);
}

/* tessera layout: the map of a shipped layout as text; -o draws a PNG when
 * gnuplot is present; a bad layout exits 2 naming file:line:col. */
Test(cli, layout_prints_the_map_and_draws_it) {
    char *out, *err;
    cr_assert_eq(tessera(&out, &err, "layout configs/layouts/d12-q.yaml"), 0, "%s", err);
    static const char *const want[] = {
        "layout configs/layouts/d12-q.yaml: 6x6 mesh, 12 net : 24 app,",
        " 0 rtc, 0 idle; reach quadrant\n",
        "  y  0:  N  N  A |  A  N  N\n",
        "       ----------+---------\n",
        "  y  5:  N  N  A |  A  N  N\n",
        "  SE: 3 net, 6 app, 0 rtc, 0 idle\n",
        "    0 (x 0, y 0, NW) quadrant ->  6: 2 7 8 12 13 14\n",
        "   35 (x 5, y 5, SE) quadrant ->  6: 21 22 23 27 28 33\n",
        "  each application tile is reached by 3 network tiles\n",
    };
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++)
        cr_assert_not_null(strstr(out, want[i]), "missing \"%s\" in:\n%s", want[i], out);
    free(out);
    free(err);
    char *bad = write_tmp("bad-layout.yaml", "width: 2\nheight: 1\ntiles:\n  - N A\nraech: all\n");
    cr_assert_eq(tessera(&out, &err, "layout %s", bad), 2);
    char want_err[512];
    snprintf(want_err, sizeof want_err, "%s:5:8: raech: unknown key; did you mean \"reach\"?", bad);
    cr_assert_not_null(strstr(err, want_err), "%s", err);
    free(out);
    free(err);
    cr_assert_eq(tessera(NULL, &err, "layout configs/layouts/d24-q.yaml --rings 4"), 2);
    cr_assert_not_null(strstr(err, "configs/layouts/d24-q.yaml:11:3: tiles: 24 network stacks"),
                       "%s", err);
    free(err);
    cr_assert_eq(tessera(NULL, NULL, "layout"), 1);
    free(bad);
    if (system("command -v gnuplot >/dev/null 2>&1") != 0) return; /* no PNG without gnuplot */
    cr_assert_eq(tessera(&out, &err, "layout configs/layouts/d18-q.yaml -o %s/d18-q.png", tmpdir),
                 0, "%s", err);
    char png[256];
    snprintf(png, sizeof png, "%s/d18-q.png", tmpdir);
    FILE *f = fopen(png, "rb");
    cr_assert_not_null(f, "no PNG written");
    unsigned char magic[8] = {0};
    cr_assert_eq(fread(magic, 1, 8, f), 8);
    fclose(f);
    cr_assert_eq(memcmp(magic, "\x89PNG\r\n\x1a\n", 8), 0);
    free(out);
    free(err);
}

/* Item 22: `validate` on a sweep file checks the sweep and every point
 * (it reported the sweep's own keys as unknown experiment keys, exit 2),
 * and creates no folder. */
Test(cli, validate_takes_a_sweep_file) {
    const char *base = strrchr(tmpdir, '/') + 1;
    char *name = NULL, *dir = NULL;
    cr_assert(asprintf(&name, "%s.yaml", base) > 0);
    cr_assert(asprintf(&dir, "%s/out/sweeps/%s", src, base) > 0);
    char *sw = NULL;
    cr_assert(asprintf(&sw,
                       "experiment: %s/configs/experiments/hold.yaml\nset: {hold.events: 2000}\n"
                       "axes: {hold.pending: [10, 20, 30]}\n",
                       src) > 0);
    char *path = write_tmp(name, sw);
    char *out, *err;
    cr_assert_eq(tessera(&out, &err, "validate %s", path), 0, "%s", err);
    cr_assert(strstr(out, ": ok (sweep of 3 points over "), "%s", out);
    cr_assert_neq(access(dir, F_OK), 0, "validate created %s", dir);
    free(out);
    free(err);
    /* A --set every point refuses, and a mistake in the sweep's own keys. */
    cr_assert_eq(tessera(NULL, &err, "validate %s --set hold.nope=1", path), 2);
    cr_assert(strstr(err, "3 of 3 points refused"), "%s", err);
    free(err);
    char *bad = hold_sweep("mode: diagonal\naxes: {hold.pending: [3]}\n");
    cr_assert_eq(tessera(NULL, &err, "validate %s", bad), 2);
    cr_assert(strstr(err, "mode"), "%s", err);
    cr_assert_null(strstr(err, "points refused"), "%s", err);
    free(err);
    free(bad);
    free(path);
    free(sw);
    free(dir);
    free(name);
}

/* Item 17: a nic-echo run whose duration ends before any frame comes back
 * measured nothing: it fails (exit 3) and says so, and still writes its
 * results (it reported ok, "busy 100.0%" and 0 frames echoed). The offered
 * rate of a run cut by its duration counts the frames that left the port
 * (it read 0.000 Mpps: the port's idle time was set only when it idled). */
Test(cli, nic_echo_too_short_to_measure_says_so, .timeout = 300) {
    char *out, *err;
    int rc = tessera(&out, &err,
                     "run configs/experiments/nic-echo.yaml -o %s/tiny --set "
                     "experiment.duration_ns=100",
                     tmpdir);
    cr_assert_eq(rc, 3, "%s%s", out, err);
    cr_assert(strstr(err, "too short to measure: experiment.duration_ns 100"), "%s", err);
    free(out);
    free(err);
    char p[256];
    snprintf(p, sizeof p, "%s/tiny/summary.json", tmpdir);
    char *sum = slurp(p);
    cr_assert(sum && strstr(sum, "\"status\": \"failed\""), "%s", sum ? sum : "no summary");
    free(sum);
    rc = tessera(&out, &err,
                 "run configs/experiments/nic-echo.yaml -o %s/short --set "
                 "experiment.duration_ns=2000",
                 tmpdir);
    cr_assert_eq(rc, 0, "%s%s", out, err);
    cr_assert(strstr(out, "offered ") && !strstr(out, "offered 0.000"), "%s", out);
    free(out);
    free(err);
}

/* Found by scripts/boundary-keys.py: values validate accepted and the run
 * then refused (a mesh the cache directory cannot hold, a shim tile off the
 * chip) are refused by validate. */
Test(cli, validate_refuses_what_the_chip_cannot_build) {
    const char *cases[][2] = {
        {"nic-echo", "noc.width=256"},
        {"nic-echo", "nic.mpipe.shim_tile=4095"},
        {"tile-calib", "noc.height=256"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *err;
        cr_assert_eq(tessera(NULL, &err, "validate configs/experiments/%s.yaml --set %s",
                             cases[i][0], cases[i][1]),
                     2, "%s %s accepted", cases[i][0], cases[i][1]);
        free(err);
    }
}

/* Found by scripts/boundary-keys.py: regions past the chip's 64 GiB of
 * simulated physical address space (private regions of 36 tiles, the shared
 * region, the NIC's Rx buffers) were accepted by validate and refused by
 * run ("out of memory"); validate refuses them, naming the key and the
 * bound, and run refuses them before anything runs
 * (tests/cli/test_sim_memory.c: the bound itself). */
Test(cli, validate_refuses_more_memory_than_the_chip_addresses) {
    const char *cases[][2] = {
        {"tile-calib", "chip.tile.private_bytes=1e10"},
        {"tile-calib", "chip.tile.shared_bytes=1e11"},
        {"nic-echo", "nic.mpipe.jumbo_buffers=1e7"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char key[64], want[160], *err;
        snprintf(key, sizeof key, "%.*s", (int)strcspn(cases[i][1], "="), cases[i][1]);
        snprintf(want, sizeof want, "--set %s: %s: expected the chip's regions to fit", cases[i][1],
                 key);
        char out[128];
        snprintf(out, sizeof out, "--quiet -o %s/never", tmpdir);
        for (int run = 0; run < 2; run++) {
            cr_assert_eq(tessera(NULL, &err, "%s configs/experiments/%s.yaml --set %s %s",
                                 run ? "run" : "validate", cases[i][0], cases[i][1],
                                 run ? out : ""),
                         2, "%s %s: %s", cases[i][0], cases[i][1], err);
            cr_assert(strstr(err, want) && strstr(err, "68719476736 B (64 GiB)"), "%s", err);
            cr_assert(strstr(err, "nothing was run"), "%s", err);
            free(err);
        }
    }
}
