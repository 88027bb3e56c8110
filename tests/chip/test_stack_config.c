/* The stack's settings as keys (sim/chip/stack_config.h): YAML to struct
 * stk_config, defaults equal to stk_config_default() field by field, every
 * end of every range accepted by stk_create(), bad values refused naming
 * the key; the root schema's `stack:` section, which `tessera validate`
 * refuses for a kind that does not read it. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sim/chip/stack_config.h"
#include "sim/cli/experiment.h"
#include "stack/stk.h"

static char path[64];

static void setup(void) {
    strcpy(path, "/tmp/tessera-stack-XXXXXX");
    int fd = mkstemp(path);
    cr_assert(fd >= 0);
    close(fd);
}
static void teardown(void) { unlink(path); }
TestSuite(stack_config, .init = setup, .fini = teardown);

/* The fields of struct stk_config the section owns, and those it leaves to
 * the caller; together every field. */
#define OWNED(X)                                                                                   \
    X(mtu)                                                                                         \
    X(arp_static_only)                                                                             \
    X(tx_csum_offload)                                                                             \
    X(rx_csum_offload)                                                                             \
    X(max_conns)                                                                                   \
    X(seg_pool)                                                                                    \
    X(rcv_buf)                                                                                     \
    X(max_rx_segs)                                                                                 \
    X(timer_tick)                                                                                  \
    X(rto_initial)                                                                                 \
    X(rto_min)                                                                                     \
    X(rto_max)                                                                                     \
    X(delack)                                                                                      \
    X(time_wait)                                                                                   \
    X(time_wait_max)                                                                               \
    X(fin_wait2)                                                                                   \
    X(syn_retries)                                                                                 \
    X(data_retries)                                                                                \
    X(keepalive)                                                                                   \
    X(keepalive_idle)                                                                              \
    X(keepalive_intvl)                                                                             \
    X(keepalive_probes)                                                                            \
    X(init_cwnd_segs)                                                                              \
    X(ephemeral_lo)                                                                                \
    X(ephemeral_hi)
#define CALLERS(X) X(mac) X(ip) X(netmask) X(gateway) X(alloc)
/* Keys whose chip default differs from the library's on purpose (their
 * docs say why): off on the chip, on in stk_config_default(). */
#define CHIP_OFF(X) X(sack) X(timestamps)

static void noop_output(void *ctx, const struct stk_iov *iov, unsigned n, size_t total) {
    (void)ctx, (void)iov, (void)n, (void)total;
}
static void noop_release(void *ctx, struct stk_rxbuf *b) { (void)ctx, (void)b; }
static uint32_t four(void *ctx) {
    (void)ctx;
    return 4;
}
static const struct stk_driver drv = {noop_output, noop_release, four, NULL, NULL};

/* y as the experiment would use it: the defaults, the section's fields, an
 * address; true if stk_create() takes it (else its message in err). */
static bool creates(const struct stack_config *y, char *err, size_t len) {
    struct stk_config c;
    stk_config_default(&c);
    c.ip = 0x0a000002u;
    stack_config_to_stk(y, &c);
    struct stk *s = stk_create(&c, &drv, NULL, 0, err, len);
    stk_destroy(s);
    return s != NULL;
}

/* Bind the "key=value" assignments onto the section alone. */
static bool bind_sets(const char *const *sets, size_t n, struct stack_config *y,
                      struct cfg_errors *err) {
    struct cfg_doc *d = cfg_doc_empty();
    bool ok = true;
    for (size_t i = 0; i < n; i++) ok &= cfg_doc_set(d, sets[i], err);
    ok = cfg_bind(d, &stack_config_section, y, err) && ok && err->n == 0;
    cfg_doc_free(d);
    return ok;
}

static const char *errs(const struct cfg_errors *e) {
    static char buf[2048];
    size_t at = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < e->n && at < sizeof buf; i++)
        at += (size_t)snprintf(buf + at, sizeof buf - at, "%s\n", e->msg[i]);
    return buf;
}

Test(stack_config, yaml_keys_reach_stk_config) {
    FILE *f = fopen(path, "w");
    cr_assert_not_null(f);
    fputs("mtu: 9000\n"
          "rx_csum_offload: true\n"
          "rto_min_us: 1000\n"
          "delack_us: 0\n"
          "keepalive: true\n"
          "keepalive_idle_us: 120000000\n"
          "timer_tick_ns: 250\n"
          "ephemeral_lo: 40000\n"
          "ephemeral_hi: 40010\n"
          "sack: true\n",
          f);
    fclose(f);
    struct cfg_errors err = {0};
    struct cfg_doc *d = cfg_doc_load(path, &err);
    cr_assert_not_null(d, "%s", errs(&err));
    struct stack_config y;
    cr_assert(cfg_bind(d, &stack_config_section, &y, &err), "%s", errs(&err));
    cfg_doc_free(d);
    char msg[256];
    cr_assert(stack_config_check(&y, msg, sizeof msg), "%s", msg);

    /* the caller's fields are left alone */
    struct stk_config c;
    memset(&c, 0x5a, sizeof c);
    stack_config_to_stk(&y, &c);
    cr_assert_eq(c.mac[0], 0x5a);
    cr_assert_eq(c.ip, 0x5a5a5a5au);
    cr_assert_eq(c.netmask, 0x5a5a5a5au);
    cr_assert_eq(c.gateway, 0x5a5a5a5au);
    cr_assert_eq((uintptr_t)c.alloc.ctx, (uintptr_t)0x5a5a5a5a5a5a5a5aull);

    cr_assert_eq(c.mtu, 9000);
    cr_assert(c.rx_csum_offload);
    cr_assert(!c.tx_csum_offload);
    cr_assert_eq(c.rto_min, 1 * STK_MS);
    cr_assert_eq(c.delack, 0);
    cr_assert(c.keepalive);
    cr_assert_eq(c.keepalive_idle, 120 * STK_SEC);
    cr_assert_eq(c.timer_tick, 250 * STK_NS);
    cr_assert_eq(c.ephemeral_lo, 40000);
    cr_assert_eq(c.ephemeral_hi, 40010);
    cr_assert(c.sack);
    cr_assert(!c.timestamps);
    /* keys not in the file keep their defaults */
    cr_assert_eq(c.rto_initial, 1 * STK_SEC);
    cr_assert_eq(c.max_conns, 1024);
    cr_assert(creates(&y, msg, sizeof msg), "%s", msg);
}

/* Every default equals stk_config_default()'s value, so the two cannot
 * drift apart; and every field of struct stk_config is either the
 * section's or the caller's. */
Test(stack_config, defaults_equal_stk_config_default) {
    struct stack_config y;
    cfg_defaults(&stack_config_section, &y);
    char msg[256];
    cr_assert(stack_config_check(&y, msg, sizeof msg), "%s", msg);
    struct stk_config want, got;
    stk_config_default(&want);
    memset(&got, 0, sizeof got);
    stack_config_to_stk(&y, &got);
#define SAME(f)                                                                                    \
    cr_expect_eq((uint64_t)got.f, (uint64_t)want.f, "stack key for %s: default %llu, stk %llu",    \
                 #f, (unsigned long long)got.f, (unsigned long long)want.f);
    OWNED(SAME)
#undef SAME
#define OFF_ON(f)                                                                                  \
    cr_expect(!got.f && want.f, "stack key for %s: chip default off, stk default on", #f);
    CHIP_OFF(OFF_ON)
#undef OFF_ON
#define COPY(f) memcpy(&got.f, &want.f, sizeof got.f);
    CALLERS(COPY)
    CHIP_OFF(COPY)
#undef COPY
    cr_assert(memcmp(&got, &want, sizeof got) == 0, "a field of struct stk_config differs");

    /* A field added to struct stk_config changes its size: give it a key
     * (or list it as the caller's) and add it to OWNED or CALLERS. */
    struct mirror {
#define FIELD(f) __typeof__(want.f) f;
        CALLERS(FIELD) OWNED(FIELD) CHIP_OFF(FIELD)
#undef FIELD
    };
    cr_assert_eq(sizeof(struct mirror), sizeof(struct stk_config),
                 "struct stk_config has fields OWNED and CALLERS do not list");
    cr_assert_eq(stack_config_section.nkeys, 27, "one key per owned field");
}

/* Keys whose values must be ordered (stack_config_check): at a range's end,
 * the others of the group take the same value. */
static const char *const groups[][3] = {{"rto_min_us", "rto_initial_us", "rto_max_us"},
                                        {"ephemeral_lo", "ephemeral_hi", NULL}};

static size_t partners(const char *key, const char *out[3]) {
    size_t n = 0;
    for (size_t g = 0; g < sizeof groups / sizeof groups[0]; g++) {
        bool in = false;
        for (size_t i = 0; i < 3 && groups[g][i]; i++) in |= strcmp(groups[g][i], key) == 0;
        for (size_t i = 0; in && i < 3 && groups[g][i]; i++)
            if (strcmp(groups[g][i], key) != 0) out[n++] = groups[g][i];
    }
    return n;
}

/* Bind `sets`; the schema and stack_config_check accept them and
 * stk_create() takes the result. */
static void accepted(const char *const *sets, size_t n, const char *what) {
    struct stack_config y;
    struct cfg_errors err = {0};
    cr_assert(bind_sets(sets, n, &y, &err), "%s: schema refused: %s", what, errs(&err));
    cfg_errors_fini(&err);
    char msg[256];
    cr_assert(stack_config_check(&y, msg, sizeof msg), "%s: %s", what, msg);
    cr_assert(creates(&y, msg, sizeof msg), "%s: stk_create refused: %s", what, msg);
}

Test(stack_config, every_range_end_is_taken_by_stk_create) {
    size_t cases = 0;
    for (size_t i = 0; i < stack_config_section.nkeys; i++) {
        const struct cfg_key *k = &stack_config_section.keys[i];
        char vals[2][32];
        if (k->type == CFG_BOOL) {
            strcpy(vals[0], "false");
            strcpy(vals[1], "true");
        } else {
            cr_assert_eq(k->type, CFG_UINT, "%s", k->name);
            cr_assert(k->min <= k->max, "%s has no range", k->name);
            snprintf(vals[0], sizeof vals[0], "%.0f", k->min);
            snprintf(vals[1], sizeof vals[1], "%.0f", k->max);
        }
        for (int v = 0; v < 2; v++) {
            for (int ka = 0; ka < 2; ka++) { /* keepalive changes what stk checks */
                char sets[5][96];
                const char *p[3], *sp[5];
                size_t n = 0, np = partners(k->name, p);
                snprintf(sets[n++], sizeof sets[0], "%s=%s", k->name, vals[v]);
                for (size_t j = 0; j < np; j++)
                    snprintf(sets[n++], sizeof sets[0], "%s=%s", p[j], vals[v]);
                if (strcmp(k->name, "keepalive") != 0)
                    snprintf(sets[n++], sizeof sets[0], "keepalive=%s", ka ? "true" : "false");
                for (size_t j = 0; j < n; j++) sp[j] = sets[j];
                char what[512];
                snprintf(what, sizeof what, "%s%s%s", sets[0], n > 1 ? " with " : "",
                         n > 1 ? sets[n - 1] : "");
                accepted(sp, n, what);
                cases++;
            }
        }
    }
    cr_assert_eq(cases, 27 * 2 * 2);
}

/* Every key at its minimum at once, then every key at its maximum. */
Test(stack_config, all_keys_at_one_end_together) {
    for (int end = 0; end < 2; end++) {
        char sets[32][96];
        const char *sp[32];
        size_t n = 0;
        for (size_t i = 0; i < stack_config_section.nkeys; i++) {
            const struct cfg_key *k = &stack_config_section.keys[i];
            if (k->type == CFG_BOOL)
                snprintf(sets[n], sizeof sets[0], "%s=true", k->name);
            else
                snprintf(sets[n], sizeof sets[0], "%s=%.0f", k->name, end ? k->max : k->min);
            sp[n] = sets[n];
            n++;
        }
        accepted(sp, n, end ? "every key at its maximum" : "every key at its minimum");
    }
}

/* One step outside a range is refused, the message naming the key. */
static void refused(const char *set, const char *key) {
    struct stack_config y;
    struct cfg_errors err = {0};
    const char *sets[] = {set};
    cr_assert(!bind_sets(sets, 1, &y, &err), "%s accepted", set);
    char want[96];
    snprintf(want, sizeof want, "%s: ", key);
    cr_assert(strstr(errs(&err), want), "%s: %s", set, errs(&err));
    cfg_errors_fini(&err);
}

Test(stack_config, values_outside_a_range_are_refused_naming_the_key) {
    for (size_t i = 0; i < stack_config_section.nkeys; i++) {
        const struct cfg_key *k = &stack_config_section.keys[i];
        char set[96];
        if (k->type == CFG_BOOL) {
            snprintf(set, sizeof set, "%s=yes!", k->name);
            refused(set, k->name);
            continue;
        }
        if (k->min > 0) {
            snprintf(set, sizeof set, "%s=%.0f", k->name, k->min - 1);
            refused(set, k->name);
        }
        snprintf(set, sizeof set, "%s=%.0f", k->name, k->max + 1);
        refused(set, k->name);
    }
}

/* What the schema cannot see: the check refuses it naming the key, and
 * stk_create() would have refused it too. */
static void check_refuses(const char *set, const char *want) {
    struct stack_config y;
    struct cfg_errors err = {0};
    const char *sets[] = {set};
    cr_assert(bind_sets(sets, 1, &y, &err), "%s: %s", set, errs(&err));
    char msg[256];
    cr_assert(!stack_config_check(&y, msg, sizeof msg), "%s passed the check", set);
    cr_assert(strncmp(msg, want, strlen(want)) == 0, "%s: \"%s\", expected \"%s...\"", set, msg,
              want);
    char serr[256];
    cr_assert(!creates(&y, serr, sizeof serr), "%s: stk_create took it", set);
}

Test(stack_config, orders_the_schema_cannot_see_are_refused_naming_the_key) {
    check_refuses("rto_min_us=2000000",
                  "stack.rto_min_us: expected at most stack.rto_initial_us (1000000), found "
                  "2000000");
    check_refuses("rto_initial_us=70000000",
                  "stack.rto_initial_us: expected at most stack.rto_max_us (60000000), found "
                  "70000000");
    check_refuses("rto_max_us=100000", "stack.rto_initial_us: expected at most stack.rto_max_us "
                                       "(100000), found 1000000");
    check_refuses("ephemeral_lo=61000",
                  "stack.ephemeral_lo: expected at most stack.ephemeral_hi (60999), found 61000");
    check_refuses("ephemeral_hi=1024",
                  "stack.ephemeral_lo: expected at most stack.ephemeral_hi (1024), found 32768");
}

/* The root schema has the section as `stack:`. */
Test(stack_config, root_schema_has_the_stack_section) {
    FILE *f = fopen(path, "w");
    cr_assert_not_null(f);
    fputs("experiment:\n  kind: hold\nstack:\n  mtu: 4000\n  time_wait_us: 1000\n", f);
    fclose(f);
    const struct cfg_key *key = NULL;
    for (size_t i = 0; i < tsr_config_section.nkeys; i++)
        if (strcmp(tsr_config_section.keys[i].name, "stack") == 0)
            key = &tsr_config_section.keys[i];
    cr_assert_not_null(key, "no root key stack");
    cr_assert_eq(key->section, &stack_config_section);
    struct cfg_errors err = {0};
    struct cfg_doc *d = cfg_doc_load(path, &err);
    cr_assert_not_null(d, "%s", errs(&err));
    struct tsr_config cfg;
    memset(&cfg, 0, sizeof cfg);
    cr_assert(cfg_bind(d, &tsr_config_section, &cfg, &err), "%s", errs(&err));
    cfg_doc_free(d);
    struct stk_config c;
    stk_config_default(&c);
    stack_config_to_stk((const struct stack_config *)((const char *)&cfg + key->offset), &c);
    cr_assert_eq(c.mtu, 4000);
    cr_assert_eq(c.time_wait, 1 * STK_MS);
    cr_assert_eq(c.rto_min, 200 * STK_MS);
    cfg_release(&tsr_config_section, &cfg);
}

/* `tessera ARGS` from the source folder: its exit code, stderr in err. */
static int tessera(char *err, size_t len, const char *args) {
    const char *src = getenv("TESSERA_SOURCE_DIR"), *bin = getenv("TESSERA_BINARY_DIR");
    cr_assert(src && bin, "TESSERA_SOURCE_DIR/TESSERA_BINARY_DIR not set (run through ctest)");
    char cmd[1024], errf[96];
    snprintf(errf, sizeof errf, "%s.err", path);
    snprintf(cmd, sizeof cmd, "cd %s && %s/tessera %s >/dev/null 2>%s", src, bin, args, errf);
    int st = system(cmd);
    FILE *f = fopen(errf, "r");
    cr_assert_not_null(f);
    size_t n = fread(err, 1, len - 1, f);
    err[n] = '\0';
    fclose(f);
    unlink(errf);
    cr_assert(WIFEXITED(st), "%s", cmd);
    return WEXITSTATUS(st);
}

/* No kind reads `stack` yet: a key of it is refused (exit 2, bad input),
 * naming the kind and the key, in a file or with --set. */
Test(stack_config, validate_refuses_stack_keys_for_a_kind_that_does_not_read_them) {
    FILE *f = fopen(path, "w");
    cr_assert_not_null(f);
    fputs("experiment:\n  kind: hold\nhold:\n  events: 10\nstack:\n  mtu: 9000\n", f);
    fclose(f);
    char err[4096], args[256], want[256];
    snprintf(args, sizeof args, "validate %s", path);
    cr_assert_eq(tessera(err, sizeof err, args), 2, "%s", err);
    snprintf(want, sizeof want,
             "%s:6:8: stack.mtu: experiment kind hold does not read the stack section (it "
             "reads experiment, hold)",
             path);
    cr_assert(strstr(err, want), "%s", err);
    cr_assert_eq(tessera(err, sizeof err,
                         "validate configs/experiments/nic-echo.yaml --set stack.rto_min_us=1000"),
                 2, "%s", err);
    cr_assert(strstr(err, "--set stack.rto_min_us=1000: stack.rto_min_us: experiment kind "
                          "nic-echo does not read the stack section"),
              "%s", err);
    /* without it, the same experiment is fine */
    cr_assert_eq(tessera(err, sizeof err, "validate configs/experiments/nic-echo.yaml"), 0, "%s",
                 err);
}
