/* The tessera program: exit codes, outputs, determinism, and that the
 * generated configuration reference in docs/ is up to date. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdarg.h>
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
    if (out) *out = o; else free(o);
    if (err) *err = e; else free(e);
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
    cr_assert_eq(tessera(NULL, &err, "validate configs/experiments/hold.yaml --set hold.pendin=3"), 2);
    cr_assert(strstr(err, "--set hold.pendin=3: hold.pendin: unknown key; did you mean \"hold.pending\"?"), "%s", err);
    free(err);
    free(cfg);
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
    char *host = strstr(s, "\"host\":");
    cr_assert_not_null(host, "summary.json has no host section");
    *host = '\0';
    return s;
}

Test(cli, run_writes_summary_and_is_deterministic) {
    char *out;
    const char *args = "--set hold.events=300000 --set hold.pending=500 --quiet";
    cr_assert_eq(tessera(&out, NULL, "run configs/experiments/hold.yaml %s -o %s/a", args, tmpdir), 0);
    cr_assert(strstr(out, "hold (hold): ok"), "%s", out);
    free(out);
    cr_assert_eq(tessera(NULL, NULL, "run configs/experiments/hold.yaml %s -o %s/b", args, tmpdir), 0);
    cr_assert_eq(tessera(NULL, NULL, "run configs/experiments/hold.yaml %s -o %s/c --seed 2", args, tmpdir), 0);
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
