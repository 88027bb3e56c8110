/* tests/tile/test_cov.c: the instrumentation cost model. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/calib/calib.h"
#include "sim/kernel/engine.h"
#include "sim/kernel/rng.h"
#include "sim/tile/cov.h"
#include "sim/tile/cov_x86.h"
#include "tile_test_util.h"

/* (the hooks count loads and stores themselves) */
static void no_slow(struct cov_ctx *c, uintptr_t a, unsigned size, unsigned kind, uintptr_t pc) {
    (void)c, (void)a, (void)size, (void)kind, (void)pc;
}
static void no_limit(struct cov_ctx *c, uintptr_t pc) {
    (void)pc;
    c->instr_limit = UINT64_MAX;
}

Test(tile_cov, weights_computed_without_fallbacks) {
    struct cov_stats s = cov_stats();
    cr_assert_gt(s.blocks, 20);
    cr_assert_gt(s.functions, 5);
    cr_assert_eq(s.fallbacks, 0, "%llu blocks the decoder could not walk",
                 (unsigned long long)s.fallbacks);
    cr_assert_gt(s.hook_calls, s.blocks, "every block has at least its guard call");
}

/* Our length decoder splits the instrumented functions exactly as objdump does. */
Test(tile_cov, decoder_matches_objdump) {
    struct {
        const char *name;
        const void *fn;
    } fns[] = {
        {"calib_loop", (const void *)calib_loop},
        {"calib_chase_walk", (const void *)calib_chase_walk},
        {"calib_chase_main", (const void *)calib_chase_main},
        {"calib_hashtab_lookups", (const void *)calib_hashtab_lookups},
        {"calib_hashtab_fill", (const void *)calib_hashtab_fill},
        {"calib_pingpong_main", (const void *)calib_pingpong_main},
    };
    static long offs[8192];
    for (size_t k = 0; k < sizeof fns / sizeof fns[0]; k++) {
        long n = tt_objdump_insns("/proc/self/exe", fns[k].name, offs, 8192, NULL, NULL);
        cr_assert_gt(n, 3, "objdump found %s", fns[k].name);
        const uint8_t *p = fns[k].fn;
        long off = 0;
        for (long i = 0; i < n; i++) {
            cr_assert_eq(off, offs[i], "%s: instruction %ld at +%ld, objdump says +%ld",
                         fns[k].name, i, off, offs[i]);
            struct x86_insn in;
            unsigned l = x86_decode(p + off, 16, &in);
            cr_assert_gt(l, 0, "%s: cannot decode at +%ld", fns[k].name, off);
            off += l;
        }
    }
}

/* Sum of block weights of a function vs objdump's count minus the hook
 * calls and their argument set-up (not equal: a tail several blocks jump
 * to counts for each of them, each way of a diamond half). */
Test(tile_cov, function_weights_match_objdump) {
    const char *names[] = {"calib_loop", "calib_hashtab_lookups", "calib_chase_walk"};
    const void *addrs[] = {(const void *)calib_loop, (const void *)calib_hashtab_lookups,
                           (const void *)calib_chase_walk};
    for (size_t k = 0; k < 3; k++) {
        long hooks = 0, nops = 0;
        long n = tt_objdump_insns("/proc/self/exe", names[k], NULL, 0, &hooks, &nops);
        cr_assert_gt(n, 0);
        uintptr_t lo = (uintptr_t)addrs[k];
        size_t fi;
        uintptr_t fpc;
        cr_assert(cov_function_of(lo, &fi, &fpc) && fpc == lo, "%s is instrumented", names[k]);
        uint64_t sum = 0;
        uintptr_t pc;
        uint32_t w;
        bool entry;
        for (size_t i = 0; cov_block(i, &pc, &w, &entry); i++) {
            size_t f2;
            uintptr_t p2;
            if (cov_function_of(pc, &f2, &p2) && f2 == fi) sum += w;
        }
        sum = (sum + COV_INSTR_ONE / 2) / COV_INSTR_ONE; /* (weights in 1/COV_INSTR_ONE) */
        long expect = n - 2 * hooks - nops;
        cr_assert_gt(hooks, 0);
        cr_log_info("%s: objdump %ld instructions, %ld hook calls, %ld nops -> %ld; weights %llu",
                    names[k], n, hooks, nops, expect, (unsigned long long)sum);
        cr_assert(sum >= (uint64_t)(expect * 0.95) && sum <= (uint64_t)(expect * 1.05),
                  "%s: weights %llu vs objdump %ld", names[k], (unsigned long long)sum, expect);
    }
}

/* cov_function_of answers from a table of 64-byte chunks where it can:
 * the same as the definition (the last function entry at or before the
 * pc, within 1 MB) for every block's pc and the bytes around it. */
Test(tile_cov, function_of_matches_the_last_entry_before) {
    size_t nfn = 0;
    uintptr_t e;
    while (cov_function_pc(nfn, &e)) nfn++;
    cr_assert_gt(nfn, 2);
    uintptr_t pc;
    uint32_t w;
    bool entry;
    size_t checked = 0;
    for (size_t i = 0; cov_block(i, &pc, &w, &entry); i++) {
        for (int d = -70; d <= 70; d += 7) {
            const uintptr_t x = pc + (uintptr_t)(intptr_t)d;
            size_t lo = 0, hi = nfn; /* the definition, by bisection */
            uintptr_t first;
            cov_function_pc(0, &first);
            bool want = x >= first;
            while (want && hi - lo > 1) {
                size_t mid = lo + (hi - lo) / 2;
                uintptr_t m;
                cov_function_pc(mid, &m);
                if (m <= x)
                    lo = mid;
                else
                    hi = mid;
            }
            uintptr_t want_pc = 0;
            if (want) cov_function_pc(lo, &want_pc);
            if (want && x - want_pc > (1u << 20)) want = false;
            size_t fi;
            uintptr_t fpc;
            const bool got = cov_function_of(x, &fi, &fpc);
            cr_assert_eq(got, want, "pc %#lx", (unsigned long)x);
            if (got)
                cr_assert(fi == lo && fpc == want_pc, "pc %#lx: function %zu, want %zu",
                          (unsigned long)x, fi, lo);
            checked++;
        }
    }
    cr_assert_gt(checked, 1000);
}

/* A block's weight follows its code: of a diamond code generation put in
 * a block (a division by a 32-bit divisor or not), each way counts half;
 * a tail two blocks jump to counts for both. */
Test(tile_cov, block_weights_follow_control_flow) {
    static const uint8_t diamond[] = {
        0x48, 0x85, 0xc0,       /* 0: test %rax,%rax */
        0x74, 0x05,             /* 3: je 0xa */
        0x48, 0x89, 0xc1,       /* 5: mov %rax,%rcx (one way) */
        0xeb, 0x03,             /* 8: jmp 0xd */
        0x48, 0x89, 0xd1,       /* a: mov %rdx,%rcx (the other way) */
        0x48, 0x01, 0xc8,       /* d: add %rcx,%rax */
        0xc3,                   /* 10: ret */
        0x0f, 0x1f, 0x40, 0x00, /* 11: nop padding */
    };
    uint32_t one = 0;
    double w[2];
    cr_assert(cov_walk_code(diamond, sizeof diamond, &one, 1, w));
    /* test, je; half of (mov, jmp); half of mov; add, ret */
    cr_assert_float_eq(w[0], 5.5, 1e-9, "diamond block: %g", w[0]);

    static const uint8_t tail[] = {
        0x48, 0x85, 0xc0,             /* 0: test %rax,%rax (block 0) */
        0x75, 0x04,                   /* 3: jne 0x9 (block 1) */
        0x31, 0xc0,                   /* 5: xor %eax,%eax */
        0xeb, 0x05,                   /* 7: jmp 0xe (the shared tail) */
        0xb8, 0x01, 0x00, 0x00, 0x00, /* 9: mov $1,%eax (block 1) */
        0x48, 0xff, 0xc0,             /* e: inc %rax */
        0xc3,                         /* 11: ret */
    };
    uint32_t starts[] = {0, 9};
    cr_assert(cov_walk_code(tail, sizeof tail, starts, 2, w));
    /* block 0: test, jne; then half of the time xor, jmp, inc, ret */
    cr_assert_float_eq(w[0], 4.0, 1e-9, "block 0: %g", w[0]);
    /* block 1: mov, inc, ret (the tail is its code too) */
    cr_assert_float_eq(w[1], 3.0, 1e-9, "block 1: %g", w[1]);
}

static const char *find_obj(const char *list, const char *suffix, char *out, size_t len) {
    const char *s = list;
    while (s && *s) {
        const char *e = strchr(s, ':');
        size_t l = e ? (size_t)(e - s) : strlen(s);
        if (l < len && l >= strlen(suffix) &&
            !memcmp(s + l - strlen(suffix), suffix, strlen(suffix))) {
            memcpy(out, s, l);
            out[l] = 0;
            return out;
        }
        s = e ? e + 1 : NULL;
    }
    return NULL;
}

/* A loop of known length is charged objdump's instruction count (of the
 * native, uninstrumented build of the same code) within 20%. */
Test(tile_cov, loop_charged_objdump_count) {
    char obj[1024];
    cr_assert_not_null(find_obj(NATIVE_OBJS, "loop.c.o", obj, sizeof obj), "%s", NATIVE_OBJS);
    static long offs[512];
    long n = tt_objdump_insns(obj, "calib_loop_native", offs, 512, NULL, NULL);
    cr_assert_gt(n, 4);
    /* the loop body: from the target of the backward branch to the branch */
    char cmd[1200];
    snprintf(cmd, sizeof cmd, "objdump -d --no-show-raw-insn --disassemble=calib_loop_native '%s'",
             obj);
    FILE *p = popen(cmd, "r");
    cr_assert_not_null(p);
    char line[512];
    long body = -1;
    long addrs[512], na = 0;
    while (fgets(line, sizeof line, p)) {
        if (!strchr(line, '\t') || !strchr(line, ':')) continue;
        long a = strtol(line, NULL, 16);
        if (na < 512) addrs[na++] = a;
        char *j = strstr(line, "\tj");
        if (j && !strstr(line, "jmp")) {
            char *t = j + 2;
            while (*t && *t != ' ') t++;
            long target = strtol(t, NULL, 16);
            if (target < a) {
                long cnt = 0;
                for (long i = 0; i < na; i++)
                    if (addrs[i] >= target) cnt++;
                body = cnt;
            }
        }
    }
    pclose(p);
    cr_assert_gt(body, 2, "found the loop in objdump");

    struct cov_ctx c;
    cov_ctx_init(&c, NULL, no_slow, no_limit);
    cov_set_current(&c);
    uint64_t r1 = calib_loop(1000, 7);
    uint64_t i1 = c.instr;
    uint64_t r2 = calib_loop(11000, 7);
    uint64_t i2 = c.instr - i1;
    cov_set_current(NULL);
    cr_assert_eq(r1, calib_loop_native(1000, 7), "same result instrumented and native");
    cr_assert_eq(r2, calib_loop_native(11000, 7));
    double per_iter = (double)(i2 - i1) / COV_INSTR_ONE / 10000.0; /* (instr: fixed point) */
    cr_log_info("loop body: objdump %ld instructions, charged %.3f", body, per_iter);
    /* (20%: scaled by source line, the loop is charged 13 of the native 16;
     * docs/tiles.md, "Accuracy") */
    cr_assert(per_iter >= body * 0.80 && per_iter <= body * 1.20,
              "charged %.3f instructions per iteration, objdump shows %ld", per_iter, body);
    cr_assert_eq(c.loads + c.stores, 0, "the loop touches no memory");
}

static int nm_has(const char *path, const char *needle) {
    char cmd[1200];
    snprintf(cmd, sizeof cmd, "nm -A '%s' 2>/dev/null", path);
    FILE *p = popen(cmd, "r");
    if (!p) return -1;
    char line[1024];
    int found = 0, lines = 0;
    while (fgets(line, sizeof line, p)) {
        lines++;
        if (strstr(line, needle)) found = 1;
    }
    pclose(p);
    return lines ? found : -1;
}

/* Calls fn(path, arg) for every path of a ':'-separated list; returns the count. */
static int each_path(const char *list, void (*fn)(const char *path, void *arg), void *arg) {
    int n = 0;
    const char *s = list;
    while (s && *s) {
        const char *e = strchr(s, ':');
        char path[1024];
        size_t l = e ? (size_t)(e - s) : strlen(s);
        cr_assert_lt(l, sizeof path);
        memcpy(path, s, l);
        path[l] = 0;
        fn(path, arg);
        n++;
        s = e ? e + 1 : NULL;
    }
    return n;
}

static void want_instrumented(const char *path, void *arg) {
    (void)arg;
    cr_assert_eq(nm_has(path, "U __sanitizer_cov_trace_pc_guard"), 1, "%s is instrumented", path);
}

static void want_native(const char *path, void *arg) {
    (void)arg;
    cr_assert_eq(nm_has(path, "U __sanitizer_cov_trace_pc_guard"), 0, "%s is not instrumented",
                 path);
    cr_assert_eq(nm_has(path, "U __sanitizer_cov_load8"), 0, "%s is not instrumented", path);
}

/* Tile code objects call the hooks; the simulator's libraries do not. */
Test(tile_cov, tile_code_instrumented_simulator_not) {
    cr_assert_geq(each_path(TILE_OBJS, want_instrumented, NULL), 4);
    cr_assert_geq(each_path(SIM_LIBS, want_native, NULL), 2);
}

#if defined(STACK_TILE_OBJS) && defined(WORKLOADS_TILE_OBJS)
/* An object of a room's tile build: instrumented, recorded among the tile
 * code targets, and its source is one the test expects. */
struct room_check {
    const char *const *sources; /* expected "<name>.c.o" suffixes */
    size_t nsources;
    unsigned seen; /* bit per expected source */
};

static void room_object(const char *path, void *arg) {
    struct room_check *rc = arg;
    want_instrumented(path, NULL);
    cr_assert(strstr(TILE_OBJS, path) != NULL, "%s is recorded as tile code", path);
    size_t l = strlen(path);
    for (size_t i = 0; i < rc->nsources; i++) {
        size_t k = strlen(rc->sources[i]);
        if (l > k && !strcmp(path + l - k, rc->sources[i]) && path[l - k - 1] == '/')
            rc->seen |= 1u << i;
    }
}

/* The stack and the servers are compiled as tile code too; their native
 * libraries, the NoC's, the NIC's and the simulator's are not instrumented. */
Test(tile_cov, stack_and_servers_instrumented_native_builds_not) {
    static const char *const stack_src[] = {
        "cksum.c.o",   "twheel.c.o", "seg.c.o",       "work.c.o",
        "ip.c.o",      "tcb.c.o",    "tcp_opt.c.o",   "tcp_sack.c.o",
        "tcp_out.c.o", "tcp_in.c.o", "tcp_timer.c.o", "tcp.c.o",
        "stk.c.o",     "sock.c.o",   "rss.c.o",       "stk_alloc_tile.c.o"};
    static const char *const wl_src[] = {"httpd.c.o",   "httpc.c.o",          "echo.c.o",
                                         "netpipe.c.o", "netpipe_client.c.o", "connmap.c.o",
                                         "ledger.c.o"};
    const size_t nst = sizeof stack_src / sizeof stack_src[0];
    const size_t nwl = sizeof wl_src / sizeof wl_src[0];
    struct room_check st = {stack_src, nst, 0}, wl = {wl_src, nwl, 0};
    cr_assert_eq(each_path(STACK_TILE_OBJS, room_object, &st), nst);
    cr_assert_eq(st.seen, (1u << nst) - 1, "every stack source is built as tile code (seen %#x)",
                 st.seen);
    cr_assert_eq(each_path(WORKLOADS_TILE_OBJS, room_object, &wl), nwl);
    cr_assert_eq(wl.seen, (1u << nwl) - 1, "every workload source is built as tile code (seen %#x)",
                 wl.seen);
    /* the simulator, the NoC, the NIC model and the native stack/servers */
    const char *libs[] = {"libtessera_kernel.a",   "libtessera_tile.a", "libtessera_noc.a",
                          "libtessera_nic.a",      "libtessera_chip.a", "libtessera_stack.a",
                          "libtessera_workloads.a"};
    for (size_t i = 0; i < sizeof libs / sizeof libs[0]; i++)
        cr_assert(strstr(SIM_LIBS, libs[i]) != NULL, "%s is among the libraries checked", libs[i]);
    want_native(STACK_NATIVE_LIB, NULL);
    want_native(WORKLOADS_NATIVE_LIB, NULL);
    each_path(SIM_LIBS, want_native, NULL);
}
#endif

static void ev(void *ctx, void *arg) {
    struct sim_engine *e = ctx;
    struct sim_rng *r = arg;
    if (sim_engine_events_run(e) < 5000)
        sim_engine_schedule_in(e, 1 + sim_rng_below(r, 1000), ev, e, r);
}

/* An engine-only run makes no hook call; instrumented code does. */
Test(tile_cov, engine_only_run_makes_no_hook_calls) {
    struct cov_ctx *n = cov_null_ctx();
    cov_set_current(NULL);
    uint64_t b0 = n->blocks, l0 = n->loads, s0 = n->stores;
    struct sim_engine *e = sim_engine_create();
    struct sim_rng r;
    sim_rng_init(&r, 1, 2);
    for (int i = 0; i < 10; i++) sim_engine_schedule_in(e, (sim_time_t)i, ev, e, &r);
    sim_engine_run_until(e, SIM_TIME_MAX);
    cr_assert_geq(sim_engine_events_run(e), 5000);
    sim_engine_destroy(e);
    struct chip_config cfg;
    tt_defaults(&cfg);
    struct sim_engine *e2 = sim_engine_create();
    struct chip *c = tt_chip(&cfg, e2);
    sim_engine_run_until(e2, SIM_TIME_MAX);
    chip_destroy(c);
    sim_engine_destroy(e2);
    cr_assert_eq(n->blocks - b0, 0, "engine and chip code hit %llu blocks",
                 (unsigned long long)(n->blocks - b0));
    cr_assert_eq(n->loads - l0 + n->stores - s0, 0);
    /* the counter does count instrumented code */
    calib_loop(10, 1);
    cr_assert_gt(n->blocks - b0, 10);
}
