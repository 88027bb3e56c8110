/* tests/nic/test_impair.c: the impairment of real frames (nic/host/impair.h):
 * pass-through when all zero, the same decisions from the same seed (and
 * others from another), measured rates within five standard deviations over
 * 100k frames, order kept by delay and jitter, held-back frames overtaken,
 * duplicates adjacent and intact, the queue's limit, and specs refused with
 * a message naming the item and what was expected. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "nic/host/impair.h"

#define US 1000ull
#define MS 1000000ull

/* What came out: each frame's sequence number and release time. */
struct out {
    size_t n, cap;
    uint64_t *seq, *t;
    uint64_t now; /* the pop's time */
    bool bad_bytes;
};

static void out_init(struct out *o, size_t cap) {
    *o = (struct out){.cap = cap};
    o->seq = calloc(cap, sizeof *o->seq);
    o->t = calloc(cap, sizeof *o->t);
    cr_assert(o->seq && o->t);
}

static void out_free(struct out *o) {
    free(o->seq);
    free(o->t);
}

/* A frame: its sequence number in 8 bytes, then (seq + i) & 0xff to len. */
static size_t make_frame(uint8_t *buf, uint64_t seq) {
    size_t len = 60 + seq % 1400;
    memcpy(buf, &seq, 8);
    for (size_t i = 8; i < len; i++) buf[i] = (uint8_t)(seq + i);
    return len;
}

static void collect(void *ctx, const uint8_t *f, size_t len) {
    struct out *o = ctx;
    uint64_t seq;
    cr_assert(len >= 8);
    memcpy(&seq, f, 8);
    uint8_t want[1500];
    if (make_frame(want, seq) != len || memcmp(want, f, len)) o->bad_bytes = true;
    cr_assert(o->n < o->cap, "more frames out than expected");
    o->seq[o->n] = seq;
    o->t[o->n] = o->now;
    o->n++;
}

/* Pops everything due at `now` into o. */
static void pop(struct impair *q, uint64_t now, struct out *o) {
    o->now = now;
    impair_pop_due(q, now, collect, o);
}

/* Submits n frames `gap` ns apart from time `t0`, popping at every due
 * release time in between (as a driver's loop does), then drains. */
static void run(struct impair *q, size_t n, uint64_t t0, uint64_t gap, struct out *o) {
    uint8_t buf[1500];
    uint64_t now = t0;
    for (uint64_t i = 0; i < n; i++) {
        uint64_t at = t0 + i * gap;
        while (impair_next_due(q) <= at) {
            now = impair_next_due(q);
            pop(q, now, o);
        }
        now = at;
        impair_submit(q, now, buf, make_frame(buf, i));
        pop(q, now, o);
    }
    while (impair_next_due(q) != IMPAIR_NEVER) pop(q, impair_next_due(q), o);
}

static struct impair_spec spec_of(const char *s) {
    struct impair_spec sp;
    char err[200];
    cr_assert(impair_parse(s, &sp, err, sizeof err), "%s: %s", s, err);
    return sp;
}

Test(impair, zero_is_pass_through) {
    struct impair_spec sp = spec_of("");
    cr_assert(!impair_active(&sp));
    struct impair *q = impair_create(&sp, 1, 0);
    struct out o;
    out_init(&o, 1000);
    run(q, 1000, 5 * MS, 3 * US, &o);
    cr_assert_eq(o.n, 1000);
    cr_assert(!o.bad_bytes);
    for (size_t i = 0; i < o.n; i++) {
        cr_assert_eq(o.seq[i], i);
        cr_assert_eq(o.t[i], 5 * MS + i * 3 * US, "frame %zu released late", i);
    }
    const struct impair_counters *c = impair_counters(q);
    cr_assert_eq(c->submitted, 1000);
    cr_assert_eq(c->delivered, 1000);
    cr_assert_eq(c->lost + c->duplicated + c->reordered + c->delayed + c->overtaken, 0);
    cr_assert_eq(impair_next_due(q), IMPAIR_NEVER);
    impair_destroy(q);
    out_free(&o);
}

/* Every frame's fate as one string: the release order and times. */
static void trace_of(const char *spec, uint64_t seed, uint64_t stream, struct out *o) {
    struct impair_spec sp = spec_of(spec);
    struct impair *q = impair_create(&sp, seed, stream);
    out_init(o, 40000);
    run(q, 10000, 0, 20 * US, o);
    cr_assert(!o->bad_bytes);
    impair_destroy(q);
}

static bool same_trace(const struct out *a, const struct out *b) {
    return a->n == b->n && !memcmp(a->seq, b->seq, a->n * sizeof *a->seq) &&
           !memcmp(a->t, b->t, a->n * sizeof *a->t);
}

Test(impair, same_seed_same_decisions) {
    const char *spec = "loss=0.05,delay=2ms,jitter=500us,reorder=0.1,reorder_delay=1ms,dup=0.05";
    struct out a, b, c, d;
    trace_of(spec, 42, 1, &a);
    trace_of(spec, 42, 1, &b);
    trace_of(spec, 43, 1, &c);
    trace_of(spec, 42, 2, &d);
    cr_assert(same_trace(&a, &b), "the same seed gave other decisions");
    cr_assert(!same_trace(&a, &c), "another seed gave the same decisions");
    cr_assert(!same_trace(&a, &d), "another stream gave the same decisions");
    out_free(&a);
    out_free(&b);
    out_free(&c);
    out_free(&d);
}

/* Changing one probability leaves the frames another picks unchanged
 * (four draws per frame, always). */
Test(impair, decisions_independent_of_other_parameters) {
    struct impair_spec s1 = spec_of("reorder=0.2"), s2 = spec_of("reorder=0.2,loss=0.3,dup=0.1");
    struct impair *q1 = impair_create(&s1, 7, 0), *q2 = impair_create(&s2, 7, 0);
    uint8_t buf[1500];
    uint64_t held1 = 0, held2 = 0, lost = 0;
    for (uint64_t i = 0; i < 5000; i++) {
        size_t len = make_frame(buf, i);
        uint64_t r1 = impair_counters(q1)->reordered, r2 = impair_counters(q2)->reordered;
        uint64_t l2 = impair_counters(q2)->lost;
        impair_submit(q1, i * MS, buf, len);
        impair_submit(q2, i * MS, buf, len);
        bool h1 = impair_counters(q1)->reordered > r1, h2 = impair_counters(q2)->reordered > r2;
        bool was_lost = impair_counters(q2)->lost > l2;
        if (!was_lost)
            cr_assert_eq(h1, h2, "frame %llu: reorder decision moved", (unsigned long long)i);
        held1 += h1;
        held2 += h2;
        lost += was_lost;
    }
    cr_assert(held1 > 850 && held2 > 600 && lost > 1300);
    impair_destroy(q1);
    impair_destroy(q2);
}

/* |got - n p| within five standard deviations of a binomial(n, p). */
static void assert_rate(const char *what, uint64_t got, uint64_t n, double p) {
    double mean = (double)n * p, sd = sqrt((double)n * p * (1 - p));
    cr_assert(fabs((double)got - mean) <= 5 * sd, "%s: %llu of %llu, expected %.0f +/- %.0f", what,
              (unsigned long long)got, (unsigned long long)n, mean, 5 * sd);
}

Test(impair, rates_over_100k_frames) {
    struct impair_spec sp = spec_of("loss=0.1,reorder=0.25,dup=0.05,delay=1ms");
    struct impair *q = impair_create(&sp, 2024, 0);
    struct out o;
    out_init(&o, 200000);
    run(q, 100000, 0, 10 * US, &o);
    const struct impair_counters *c = impair_counters(q);
    cr_assert(!o.bad_bytes);
    cr_assert_eq(c->submitted, 100000);
    assert_rate("lost", c->lost, 100000, 0.1);
    uint64_t kept = c->submitted - c->lost;
    assert_rate("reordered", c->reordered, kept, 0.25);
    assert_rate("duplicated", c->duplicated, kept, 0.05);
    cr_assert_eq(c->delivered, kept + c->duplicated);
    cr_assert_eq(o.n, c->delivered);
    cr_assert_eq(c->delayed, kept);
    cr_assert_eq(c->overflow, 0);
    impair_destroy(q);
    out_free(&o);
}

/* Frames far apart (jitter cannot be clamped by the previous frame): every
 * delay within delay +/- jitter, their mean near delay, both ends reached. */
Test(impair, jitter_uniform_within_bounds) {
    struct impair_spec sp = spec_of("delay=10ms,jitter=3ms");
    struct impair *q = impair_create(&sp, 5, 0);
    struct out o;
    out_init(&o, 100000);
    uint64_t gap = 20 * MS;
    run(q, 100000, 0, gap, &o);
    cr_assert_eq(o.n, 100000);
    double sum = 0;
    uint64_t lo = UINT64_MAX, hi = 0;
    for (size_t i = 0; i < o.n; i++) {
        cr_assert_eq(o.seq[i], i);
        uint64_t d = o.t[i] - i * gap;
        cr_assert(d >= 7 * MS && d <= 13 * MS, "frame %zu delayed %llu ns", i,
                  (unsigned long long)d);
        sum += (double)d;
        if (d < lo) lo = d;
        if (d > hi) hi = d;
    }
    /* uniform on 6 ms: sd 1.73 ms, of the mean over 100k: 5.5 us */
    cr_assert(fabs(sum / (double)o.n - 10e6) < 30e3, "mean delay %.0f ns", sum / (double)o.n);
    cr_assert(lo < 7 * MS + 100 * US && hi > 13 * MS - 100 * US, "range %llu..%llu",
              (unsigned long long)lo, (unsigned long long)hi);
    impair_destroy(q);
    out_free(&o);
}

/* Without reordering, delay, jitter, loss and duplication keep the order:
 * frames 1 us apart with 1 ms of jitter come out in submission order. */
Test(impair, order_kept_without_reordering) {
    struct impair_spec sp = spec_of("loss=0.1,dup=0.1,delay=5ms,jitter=1ms");
    struct impair *q = impair_create(&sp, 9, 0);
    struct out o;
    out_init(&o, 50000);
    run(q, 20000, 0, 1 * US, &o);
    cr_assert(o.n > 18000);
    for (size_t i = 1; i < o.n; i++) {
        cr_assert(o.seq[i] >= o.seq[i - 1], "frame %llu came out after %llu",
                  (unsigned long long)o.seq[i], (unsigned long long)o.seq[i - 1]);
        cr_assert(o.t[i] >= o.t[i - 1]);
    }
    cr_assert_eq(impair_counters(q)->overtaken, 0);
    cr_assert_eq(impair_counters(q)->reordered, 0);
    impair_destroy(q);
    out_free(&o);

    /* a fixed delay: every frame exactly `delay` late */
    sp = spec_of("delay=5ms");
    q = impair_create(&sp, 9, 0);
    out_init(&o, 1000);
    run(q, 1000, 0, 7 * US, &o);
    for (size_t i = 0; i < o.n; i++) {
        cr_assert_eq(o.seq[i], i);
        cr_assert_eq(o.t[i], i * 7 * US + 5 * MS);
    }
    impair_destroy(q);
    out_free(&o);
}

/* Every held-back frame comes out reorder_delay late and after every frame
 * submitted within reorder_delay after it; the overtaken counter counts
 * exactly the frames that came out after a later one. */
Test(impair, reordered_frames_overtaken) {
    struct impair_spec sp = spec_of("reorder=0.1,reorder_delay=1ms");
    struct impair *q = impair_create(&sp, 11, 0);
    struct out o;
    out_init(&o, 20000);
    uint64_t gap = 50 * US; /* 20 frames overtake each held-back one */
    run(q, 20000, 0, gap, &o);
    cr_assert_eq(o.n, 20000);
    uint64_t *pos = calloc(20000, sizeof *pos);
    for (size_t i = 0; i < o.n; i++) pos[o.seq[i]] = i;
    uint64_t held = 0, late = 0, max_seq = 0;
    for (size_t i = 0; i < o.n; i++) {
        if (i && o.seq[i] < max_seq) late++;
        if (o.seq[i] > max_seq) max_seq = o.seq[i];
    }
    for (uint64_t s = 0; s < 20000; s++) {
        uint64_t d = o.t[pos[s]] - s * gap;
        cr_assert(d == 0 || d == MS, "frame %llu delayed %llu ns", (unsigned long long)s,
                  (unsigned long long)d);
        if (d == 0) continue;
        held++;
        /* the frames submitted within 1 ms after it that were not held
         * themselves come out before it */
        for (uint64_t k = s + 1; k < 20000 && k * gap < s * gap + MS; k++)
            if (o.t[pos[k]] == k * gap)
                cr_assert(pos[k] < pos[s], "frame %llu did not overtake %llu",
                          (unsigned long long)k, (unsigned long long)s);
    }
    const struct impair_counters *c = impair_counters(q);
    cr_assert_eq(held, c->reordered);
    assert_rate("reordered", held, 20000, 0.1);
    cr_assert_eq(c->overtaken, late);
    cr_assert(late > 0.9 * (double)held, "%llu of %llu held-back frames overtaken",
              (unsigned long long)late, (unsigned long long)held);
    free(pos);
    impair_destroy(q);
    out_free(&o);
}

/* The default hold is max(1 ms, delay). */
Test(impair, default_reorder_delay) {
    const char *specs[] = {"reorder=1", "reorder=1,delay=10ms"};
    uint64_t want[] = {1 * MS, 20 * MS};
    for (int k = 0; k < 2; k++) {
        struct impair_spec sp = spec_of(specs[k]);
        struct impair *q = impair_create(&sp, 1, 0);
        uint8_t buf[1500];
        impair_submit(q, 100, buf, make_frame(buf, 0));
        cr_assert_eq(impair_next_due(q), 100 + want[k], "%s: due %llu", specs[k],
                     (unsigned long long)impair_next_due(q));
        impair_destroy(q);
    }
}

Test(impair, extremes_and_limit) {
    struct impair_spec sp = spec_of("loss=1");
    struct impair *q = impair_create(&sp, 3, 0);
    struct out o;
    out_init(&o, 100);
    run(q, 100, 0, US, &o);
    cr_assert_eq(o.n, 0);
    cr_assert_eq(impair_counters(q)->lost, 100);
    impair_destroy(q);
    out_free(&o);

    /* dup=1: each frame twice, the copies adjacent and intact */
    sp = spec_of("dup=100%,delay=1ms");
    q = impair_create(&sp, 3, 0);
    out_init(&o, 200);
    run(q, 100, 0, 3 * US, &o);
    cr_assert_eq(o.n, 200);
    cr_assert(!o.bad_bytes);
    for (size_t i = 0; i < 200; i++) cr_assert_eq(o.seq[i], i / 2);
    cr_assert_eq(impair_counters(q)->duplicated, 100);
    cr_assert_eq(impair_counters(q)->overtaken, 0);
    impair_destroy(q);
    out_free(&o);

    /* a full queue drops and counts */
    sp = spec_of("delay=1s,limit=10");
    q = impair_create(&sp, 3, 0);
    uint8_t buf[1500];
    for (uint64_t i = 0; i < 25; i++) impair_submit(q, i, buf, make_frame(buf, i));
    cr_assert_eq(impair_queued(q), 10);
    cr_assert_eq(impair_counters(q)->overflow, 15);
    cr_assert_eq(impair_counters(q)->max_queued, 10);
    impair_destroy(q); /* frees the held frames (ASan: no leak) */
}

Test(impair, parse_good_specs) {
    struct impair_spec sp =
        spec_of("loss=0.01,delay=10ms,jitter=3ms,reorder=0.25,reorder_delay=1ms,dup=0.05");
    cr_assert_float_eq(sp.loss, 0.01, 1e-12);
    cr_assert_float_eq(sp.reorder, 0.25, 1e-12);
    cr_assert_float_eq(sp.dup, 0.05, 1e-12);
    cr_assert_eq(sp.delay_ns, 10 * MS);
    cr_assert_eq(sp.jitter_ns, 3 * MS);
    cr_assert_eq(sp.reorder_delay_ns, 1 * MS);
    sp = spec_of("delay=250us,jitter=0,loss=2%,limit=500");
    cr_assert_eq(sp.delay_ns, 250 * US);
    cr_assert_float_eq(sp.loss, 0.02, 1e-12);
    cr_assert_eq(sp.limit, 500);
    sp = spec_of("none");
    cr_assert(!impair_active(&sp));
    sp = spec_of("delay=1.5s");
    cr_assert_eq(sp.delay_ns, 1500 * MS);
    char buf[200];
    sp = spec_of("loss=0.01,delay=10ms,jitter=3ms,reorder=0.25,dup=0.05");
    impair_format(&sp, buf, sizeof buf);
    cr_assert_str_eq(buf, "loss=0.01,delay=10ms,jitter=3ms,reorder=0.25,reorder_delay=10ms,"
                          "dup=0.05,limit=65536");
}

Test(impair, parse_refuses_bad_specs) {
    const char *cases[][2] = {
        {"loss=2", "impair: \"loss=2\": expected a probability 0..1"},
        {"loss=-0.1", "impair: \"loss=-0.1\": expected a probability 0..1"},
        {"dup=0.5x", "impair: \"dup=0.5x\": expected a probability 0..1"},
        {"reorder=nan", "impair: \"reorder=nan\": expected a probability 0..1"},
        {"delay=10", "impair: \"delay=10\": expected a duration like 10ms"},
        {"jitter=-1ms", "impair: \"jitter=-1ms\": expected a duration like 3ms"},
        {"reorder_delay=1h", "impair: \"reorder_delay=1h\": expected a duration like 1ms"},
        {"delay=2h", "impair: \"delay=2h\": expected a duration"},
        {"limit=0", "impair: \"limit=0\": expected a whole number of frames"},
        {"lose=0.1", "impair: \"lose=0.1\": unknown field (expected loss, delay"},
        {"loss", "impair: \"loss\": expected FIELD=VALUE"},
        {"loss=0.1,,dup=0.1", "empty item"},
        {"loss=", "impair: \"loss=\": expected a probability 0..1"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct impair_spec sp = {.loss = 0.5};
        char err[200] = "";
        cr_assert(!impair_parse(cases[i][0], &sp, err, sizeof err), "%s accepted", cases[i][0]);
        cr_assert(strstr(err, cases[i][1]), "%s: message \"%s\" lacks \"%s\"", cases[i][0], err,
                  cases[i][1]);
        cr_assert_float_eq(sp.loss, 0.5, 0, "%s: the output was changed", cases[i][0]);
    }
}

/* The programs' flags: --impair for both directions, a direction's own flag
 * winning whatever the order, the seed, and refusals naming the flag. */
Test(impair, program_flags) {
    static const char *const dirs[2] = {"out", "in"};
    char *argv[] = {"prog", "--impair-in", "dup=0.5", "--impair",     "loss=0.25", "--impair-seed",
                    "0x10", "--tap",       "tap0",    "--impair-a2b", "loss=1"};
    int argc = (int)(sizeof argv / sizeof argv[0]);
    struct impair_opts o;
    impair_opts_init(&o);
    cr_assert_eq(o.seed, 1);
    char err[256];
    int taken = 0, others = 0;
    for (int i = 1; i < argc; i++) {
        int r = impair_option(argc, argv, &i, dirs, &o, err, sizeof err);
        cr_assert(r >= 0, "%s: %s", argv[i], err);
        if (r)
            taken++;
        else
            others++;
    }
    cr_assert_eq(taken, 3);
    cr_assert_eq(others, 4, "--tap tap0 --impair-a2b loss=1 are not this program's");
    cr_assert_eq(o.seed, 16);
    struct impair_spec out = impair_opts_spec(&o, 0), in = impair_opts_spec(&o, 1);
    cr_assert_float_eq(out.loss, 0.25, 1e-12);
    cr_assert_float_eq(in.loss, 0, 1e-12, "--impair-in replaces --impair for in");
    cr_assert_float_eq(in.dup, 0.5, 1e-12);

    const char *bad[][3] = {{"--impair-out", "loss=2", "--impair-out: impair: \"loss=2\""},
                            {"--impair-seed", "-3", "--impair-seed -3: expected a whole number"},
                            {"--impair-seed", "x", "--impair-seed x: expected a whole number"},
                            {"--impair", NULL, "--impair: expected a value"}};
    for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
        char *av[] = {"prog", (char *)bad[k][0], (char *)bad[k][1]};
        int i = 1;
        err[0] = 0;
        cr_assert_eq(impair_option(bad[k][1] ? 3 : 2, av, &i, dirs, &o, err, sizeof err), -1,
                     "%s accepted", bad[k][0]);
        cr_assert(strstr(err, bad[k][2]), "message \"%s\" lacks \"%s\"", err, bad[k][2]);
    }
}
