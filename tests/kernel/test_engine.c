/* Engine ordering, ties, cancellation, limits; clocks; RNG streams; links. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "sim/kernel/clock.h"
#include "sim/kernel/engine.h"
#include "sim/kernel/link.h"
#include "sim/kernel/progress.h"
#include "sim/kernel/rng.h"

struct trace {
    struct sim_engine *e;
    int ids[4096];
    sim_time_t times[4096];
    int n;
};

static void record_ev(void *ctx, void *arg) {
    struct trace *t = ctx;
    t->times[t->n] = sim_engine_now(t->e);
    t->ids[t->n++] = (int)(intptr_t)arg;
}

Test(engine, runs_in_time_order) {
    struct trace t = {.e = sim_engine_create()};
    sim_time_t when[] = {50, 10, 40, 20, 30};
    for (int i = 0; i < 5; i++)
        sim_engine_schedule_at(t.e, when[i], record_ev, &t, (void *)(intptr_t)i);
    cr_assert_eq(sim_engine_run_until(t.e, SIM_TIME_MAX), 5);
    int expect[] = {1, 3, 4, 2, 0};
    for (int i = 0; i < 5; i++) cr_assert_eq(t.ids[i], expect[i], "position %d", i);
    cr_assert_eq(sim_engine_now(t.e), 50);
    sim_engine_destroy(t.e);
}

Test(engine, equal_times_run_in_scheduling_order) {
    struct trace t = {.e = sim_engine_create()};
    for (int i = 0; i < 1000; i++)
        sim_engine_schedule_at(t.e, 7, record_ev, &t, (void *)(intptr_t)i);
    sim_engine_run_until(t.e, SIM_TIME_MAX);
    for (int i = 0; i < 1000; i++) cr_assert_eq(t.ids[i], i);
    sim_engine_destroy(t.e);
}

/* Events scheduled from inside an event at the current time run after the
 * ones already pending for that time (they were scheduled later). */
struct chain {
    struct trace *t;
    int spawned;
};
static void spawn_ev(void *ctx, void *arg) {
    struct chain *c = ctx;
    record_ev(c->t, arg);
    if (!c->spawned) {
        c->spawned = 1;
        sim_engine_schedule_in(c->t->e, 0, record_ev, c->t, (void *)(intptr_t)99);
    }
}
Test(engine, zero_delay_from_event_goes_last_among_ties) {
    struct trace t = {.e = sim_engine_create()};
    struct chain c = {&t, 0};
    sim_engine_schedule_at(t.e, 5, spawn_ev, &c, (void *)(intptr_t)1);
    sim_engine_schedule_at(t.e, 5, record_ev, &t, (void *)(intptr_t)2);
    sim_engine_schedule_at(t.e, 6, record_ev, &t, (void *)(intptr_t)3);
    sim_engine_run_until(t.e, SIM_TIME_MAX);
    int expect[] = {1, 2, 99, 3};
    cr_assert_eq(t.n, 4);
    for (int i = 0; i < 4; i++) cr_assert_eq(t.ids[i], expect[i]);
    sim_engine_destroy(t.e);
}

Test(engine, cancel_prevents_run_and_reports_state) {
    struct trace t = {.e = sim_engine_create()};
    sim_event_id a = sim_engine_schedule_at(t.e, 10, record_ev, &t, (void *)(intptr_t)1);
    sim_event_id b = sim_engine_schedule_at(t.e, 20, record_ev, &t, (void *)(intptr_t)2);
    cr_assert(sim_engine_pending(t.e, a));
    cr_assert_eq(sim_engine_pending_count(t.e), 2);
    cr_assert(sim_engine_cancel(t.e, a));
    cr_assert_not(sim_engine_cancel(t.e, a), "second cancel must fail");
    cr_assert_not(sim_engine_pending(t.e, a));
    cr_assert_not(sim_engine_cancel(t.e, 0));
    cr_assert_eq(sim_engine_pending_count(t.e), 1);
    cr_assert_eq(sim_engine_next_time(t.e), 20);
    sim_engine_run_until(t.e, SIM_TIME_MAX);
    cr_assert_eq(t.n, 1);
    cr_assert_eq(t.ids[0], 2);
    cr_assert_not(sim_engine_cancel(t.e, b), "cancel after run must fail");
    sim_engine_destroy(t.e);
}

Test(engine, stale_id_does_not_cancel_a_reused_slot) {
    struct trace t = {.e = sim_engine_create()};
    sim_event_id a = sim_engine_schedule_at(t.e, 1, record_ev, &t, (void *)(intptr_t)1);
    sim_engine_run_until(t.e, SIM_TIME_MAX);
    sim_event_id b = sim_engine_schedule_at(t.e, 2, record_ev, &t, (void *)(intptr_t)2);
    cr_assert_neq(a, b);
    cr_assert_not(sim_engine_cancel(t.e, a));
    sim_engine_run_until(t.e, SIM_TIME_MAX);
    cr_assert_eq(t.n, 2);
    sim_engine_destroy(t.e);
}

/* Random schedule/cancel mix checked against a trivially correct reference:
 * the surviving events sorted by (time, scheduling order). */
struct ref_ev {
    sim_time_t t;
    int order;
    sim_event_id id;
    int cancelled;
};
static int cmp_ref(const void *a, const void *b) {
    const struct ref_ev *x = a, *y = b;
    if (x->t != y->t) return x->t < y->t ? -1 : 1;
    return x->order - y->order;
}
Test(engine, random_mix_matches_sorted_reference) {
    struct trace t = {.e = sim_engine_create()};
    struct sim_rng rng;
    sim_rng_init(&rng, 7, 1);
    enum { N = 4000 };
    struct ref_ev *ref = calloc(N, sizeof *ref);
    for (int i = 0; i < N; i++) {
        ref[i].t = sim_rng_below(&rng, 300); /* many ties */
        ref[i].order = i;
        ref[i].id = sim_engine_schedule_at(t.e, ref[i].t, record_ev, &t, (void *)(intptr_t)i);
    }
    int live = N;
    for (int i = 0; i < N; i += 3) {
        ref[i].cancelled = 1;
        cr_assert(sim_engine_cancel(t.e, ref[i].id));
        live--;
    }
    cr_assert_eq(sim_engine_pending_count(t.e), (uint64_t)live);
    qsort(ref, N, sizeof *ref, cmp_ref);
    struct trace *tt = &t;
    tt->n = 0;
    /* run in two halves to exercise the limit */
    sim_engine_run_until(t.e, 150);
    cr_assert_leq(sim_engine_now(t.e), 150);
    sim_engine_run_until(t.e, SIM_TIME_MAX);
    cr_assert_eq(t.n, live);
    int k = 0;
    for (int i = 0; i < N; i++) {
        if (ref[i].cancelled) continue;
        cr_assert_eq(t.ids[k], ref[i].order, "event %d", k);
        cr_assert_eq(t.times[k], ref[i].t);
        k++;
    }
    free(ref);
    sim_engine_destroy(t.e);
}

Test(engine, heavy_cancellation_compacts_and_stays_correct) {
    struct sim_engine *e = sim_engine_create();
    static struct trace t;
    t.e = e;
    t.n = 0;
    sim_event_id ids[20000];
    for (int i = 0; i < 20000; i++)
        ids[i] =
            sim_engine_schedule_at(e, (sim_time_t)(20000 - i), record_ev, &t, (void *)(intptr_t)i);
    for (int i = 0; i < 20000; i++)
        if (i % 10) cr_assert(sim_engine_cancel(e, ids[i]));
    cr_assert_eq(sim_engine_pending_count(e), 2000);
    sim_engine_run_until(e, SIM_TIME_MAX);
    cr_assert_eq(t.n, 2000);
    for (int i = 1; i < t.n; i++) cr_assert_lt(t.times[i - 1], t.times[i]);
    sim_engine_destroy(e);
}

static void stop_ev(void *ctx, void *arg) {
    (void)arg;
    sim_engine_stop(ctx);
}
Test(engine, limit_stop_and_step) {
    struct trace t = {.e = sim_engine_create()};
    sim_engine_schedule_at(t.e, 10, record_ev, &t, (void *)(intptr_t)1);
    sim_engine_schedule_at(t.e, 20, stop_ev, t.e, NULL);
    sim_engine_schedule_at(t.e, 30, record_ev, &t, (void *)(intptr_t)3);
    sim_engine_schedule_at(t.e, 40, record_ev, &t, (void *)(intptr_t)4);
    cr_assert_eq(sim_engine_run_until(t.e, 5), 0, "nothing at or before 5");
    cr_assert_eq(sim_engine_now(t.e), 0, "time is not advanced to the limit");
    cr_assert_eq(sim_engine_run_until(t.e, SIM_TIME_MAX), 2, "stops after the stop event");
    cr_assert_eq(sim_engine_now(t.e), 20);
    cr_assert(sim_engine_step(t.e));
    cr_assert_eq(sim_engine_now(t.e), 30);
    /* an event scheduled between now and a peeked-at later event still runs first */
    sim_engine_schedule_at(t.e, 35, record_ev, &t, (void *)(intptr_t)35);
    cr_assert_eq(sim_engine_next_time(t.e), 35);
    cr_assert(sim_engine_step(t.e));
    cr_assert(sim_engine_step(t.e));
    cr_assert_not(sim_engine_step(t.e));
    cr_assert_eq(t.ids[1], 3);
    cr_assert_eq(t.ids[2], 35);
    cr_assert_eq(t.ids[3], 4);
    cr_assert_eq(sim_engine_next_time(t.e), SIM_TIME_MAX);
    sim_engine_destroy(t.e);
}

/* After run_until stops at a limit, scheduling between now and the limit
 * must still work (the queue must not have advanced past now). */
Test(engine, schedule_after_limit_peek) {
    struct trace t = {.e = sim_engine_create()};
    sim_engine_schedule_at(t.e, 100, record_ev, &t, (void *)(intptr_t)1);
    sim_engine_schedule_at(t.e, 1000, record_ev, &t, (void *)(intptr_t)2);
    sim_engine_run_until(t.e, 500);
    cr_assert_eq(sim_engine_now(t.e), 100);
    sim_engine_schedule_at(t.e, 200, record_ev, &t, (void *)(intptr_t)3);
    sim_engine_run_until(t.e, SIM_TIME_MAX);
    cr_assert_eq(t.n, 3);
    cr_assert_eq(t.ids[1], 3);
    cr_assert_eq(t.ids[2], 2);
    sim_engine_destroy(t.e);
}

/* sim_engine_advance_to: goes on only where the event would run next. */
struct adv {
    struct sim_engine *e;
    sim_time_t to;
    bool got;
    sim_time_t now_after;
};
static void advance_ev(void *ctx, void *arg) {
    struct adv *a = ctx;
    (void)arg;
    a->got = sim_engine_advance_to(a->e, a->to);
    a->now_after = sim_engine_now(a->e);
}
static void advance_and_stop_ev(void *ctx, void *arg) {
    struct adv *a = ctx;
    sim_engine_stop(a->e);
    advance_ev(ctx, arg);
}

Test(engine, advance_to_only_where_the_event_would_run_next) {
    struct adv a = {.e = sim_engine_create()};
    struct trace t = {.e = a.e};
    /* nothing due before 15: goes on, and the run counts it */
    sim_engine_schedule_at(a.e, 10, advance_ev, &a, NULL);
    sim_engine_schedule_at(a.e, 20, record_ev, &t, (void *)(intptr_t)20);
    a.to = 15;
    cr_assert_eq(sim_engine_run_until(a.e, 15), 1);
    cr_assert(a.got);
    cr_assert_eq(a.now_after, 15);
    cr_assert_eq(sim_engine_events_run(a.e), 2, "the event gone on as counts as run");
    /* an event already due at the same time was scheduled earlier: it runs first */
    sim_engine_schedule_at(a.e, 16, advance_ev, &a, NULL);
    a.to = 20;
    sim_engine_run_until(a.e, 16);
    cr_assert_not(a.got);
    cr_assert_eq(a.now_after, 16, "time unchanged when refused");
    /* beyond the run's limit */
    sim_engine_schedule_at(a.e, 17, advance_ev, &a, NULL);
    a.to = 19;
    sim_engine_run_until(a.e, 18);
    cr_assert_not(a.got, "past the limit of the run");
    /* after a stop, and in a single step */
    sim_engine_schedule_at(a.e, 18, advance_and_stop_ev, &a, NULL);
    sim_engine_run_until(a.e, SIM_TIME_MAX);
    cr_assert_not(a.got, "after sim_engine_stop()");
    sim_engine_schedule_at(a.e, 19, advance_ev, &a, NULL);
    cr_assert(sim_engine_step(a.e));
    cr_assert_not(a.got, "inside sim_engine_step()");
    /* outside any run */
    cr_assert_not(sim_engine_advance_to(a.e, 19));
    cr_assert_eq(sim_engine_now(a.e), 19);
    sim_engine_run_until(a.e, SIM_TIME_MAX);
    cr_assert_eq(t.n, 1);
    cr_assert_eq(t.times[0], 20);
    sim_engine_destroy(a.e);
}

/* A self-rescheduling event (as the mesh's tick) that goes on with
 * sim_engine_advance_to where it can gives the same run as one that always
 * schedules: every event at the same time, in the same order. */
struct advance_chain {
    struct sim_engine *e;
    struct trace *t;
    bool advance;
    int left;
    sim_time_t step[7];
    struct sim_rng rng;
};
static void chain_ev(void *ctx, void *arg) {
    struct advance_chain *ch = ctx;
    (void)arg;
    for (;;) {
        record_ev(ch->t, (void *)(intptr_t)-1);
        /* now and then, other work at a time near the chain's */
        if (sim_rng_u64(&ch->rng) % 3 == 0)
            sim_engine_schedule_in(ch->e, sim_rng_u64(&ch->rng) % 4, record_ev, ch->t,
                                   (void *)(intptr_t)ch->t->n);
        if (--ch->left == 0) return;
        sim_time_t next = sim_engine_now(ch->e) + ch->step[ch->left % 7];
        if (!ch->advance || !sim_engine_advance_to(ch->e, next)) {
            sim_engine_schedule_at(ch->e, next, chain_ev, ch, NULL);
            return;
        }
    }
}
static void run_chain(bool advance, struct trace *t) {
    struct advance_chain ch = {.e = sim_engine_create(),
                               .t = t,
                               .advance = advance,
                               .left = 1000,
                               .step = {1, 2, 1, 3, 1, 1, 2}};
    t->e = ch.e;
    sim_rng_init(&ch.rng, 7, 0);
    for (int i = 0; i < 300; i++)
        sim_engine_schedule_at(ch.e, (sim_time_t)(sim_rng_u64(&ch.rng) % 2000), record_ev, t,
                               (void *)(intptr_t)(10000 + i));
    sim_engine_schedule_at(ch.e, 0, chain_ev, &ch, NULL);
    sim_engine_run_until(ch.e, SIM_TIME_MAX);
    sim_engine_destroy(ch.e);
}
Test(engine, advance_to_runs_the_same_as_scheduling) {
    static struct trace a, b;
    run_chain(false, &a);
    run_chain(true, &b);
    cr_assert_gt(a.n, 1300);
    cr_assert_eq(a.n, b.n);
    for (int i = 0; i < a.n; i++) {
        cr_assert_eq(a.ids[i], b.ids[i], "event %d", i);
        cr_assert_eq(a.times[i], b.times[i], "event %d", i);
    }
}

static void count_tick(void *ctx, struct sim_engine *e) {
    (void)e;
    (*(int *)ctx)++;
}
Test(engine, tick_counts) {
    struct trace t = {.e = sim_engine_create()};
    int ticks = 0;
    for (int i = 0; i < 100; i++) sim_engine_schedule_at(t.e, (sim_time_t)i, record_ev, &t, NULL);
    sim_engine_set_tick(t.e, 10, count_tick, &ticks);
    sim_engine_run_until(t.e, SIM_TIME_MAX);
    cr_assert_eq(ticks, 10);
    sim_engine_destroy(t.e);
}

Test(clock, exact_rational_periods) {
    struct sim_clock c;
    sim_clock_init(&c, 1200000000); /* 833.33.. ps */
    cr_assert_eq(sim_clock_cycles_to_ps(&c, 0), 0);
    cr_assert_eq(sim_clock_cycles_to_ps(&c, 1), 833);
    cr_assert_eq(sim_clock_cycles_to_ps(&c, 3), 2500);
    cr_assert_eq(sim_clock_cycles_to_ps(&c, 1200000000), SIM_MS(1000), "no drift over a second");
    cr_assert_eq(sim_clock_ps_to_cycles(&c, 2499), 2);
    cr_assert_eq(sim_clock_ps_to_cycles(&c, 2500), 3);
    cr_assert_eq(sim_clock_cycle_at_or_after(&c, 2500), 3);
    cr_assert_eq(sim_clock_cycle_at_or_after(&c, 2501), 4);
    cr_assert_eq(sim_clock_next_edge(&c, 834), 1666);
    cr_assert_eq(sim_clock_next_edge(&c, 833), 833);
    for (uint64_t k = 0; k < 100000; k += 7) {
        sim_time_t t = sim_clock_cycles_to_ps(&c, k);
        cr_assert_eq(sim_clock_ps_to_cycles(&c, t), k);
        cr_assert_eq(sim_clock_cycle_at_or_after(&c, t), k);
        if (t) cr_assert_eq(sim_clock_ps_to_cycles(&c, t - 1), k - 1);
    }
    struct sim_clock ten_g;
    sim_clock_init(&ten_g, 10000000000ull); /* 100 ps */
    cr_assert_eq(sim_clock_cycles_to_ps(&ten_g, 12), 1200);
    cr_assert_eq(sim_clock_ps_to_cycles(&ten_g, 1299), 12);
}

/* The conversions' 64-bit paths (products that fit) and their 128-bit ones
 * give the same values: checked against 128-bit references on both sides of
 * each path's bound, for clocks whose num and den are small and large. */
Test(clock, wide_and_narrow_paths_agree) {
    const uint64_t freqs[] = {1200000000ull, 1000000007ull, 3ull, 999999999989ull};
    for (size_t f = 0; f < sizeof freqs / sizeof freqs[0]; f++) {
        struct sim_clock c;
        sim_clock_init(&c, freqs[f]);
        const uint64_t bounds[] = {UINT64_MAX / c.num, UINT64_MAX / c.den,
                                   (UINT64_MAX - c.num) / c.den};
        for (size_t b = 0; b < 3; b++) {
            for (uint64_t d = 0; d < 5; d++) {
                for (int side = -1; side <= 1; side += 2) {
                    const uint64_t v = side < 0 ? bounds[b] - d : bounds[b] + d;
                    const unsigned __int128 ps = (unsigned __int128)v * c.num / c.den;
                    if (ps <= SIM_TIME_MAX)
                        cr_assert_eq(sim_clock_cycles_to_ps(&c, v), (uint64_t)ps, "f %llu v %llu",
                                     (unsigned long long)freqs[f], (unsigned long long)v);
                    const unsigned __int128 k = ((unsigned __int128)v + 1) * c.den;
                    uint64_t q = (uint64_t)(k / c.num);
                    if ((unsigned __int128)q * c.num == k) q--;
                    cr_assert_eq(sim_clock_ps_to_cycles(&c, v), q);
                    const unsigned __int128 n = (unsigned __int128)v * c.den;
                    cr_assert_eq(sim_clock_cycle_at_or_after(&c, v),
                                 (uint64_t)((n + c.num - 1) / c.num));
                }
            }
        }
    }
}

Test(rng, streams_are_deterministic_and_independent) {
    struct sim_rng a, b, c, d;
    sim_rng_init_named(&a, 42, "client.0");
    sim_rng_init_named(&b, 42, "client.0");
    sim_rng_init_named(&c, 42, "client.1");
    sim_rng_init_named(&d, 43, "client.0");
    int same_c = 0, same_d = 0;
    for (int i = 0; i < 1000; i++) {
        uint64_t x = sim_rng_u64(&a);
        cr_assert_eq(x, sim_rng_u64(&b));
        same_c += x == sim_rng_u64(&c);
        same_d += x == sim_rng_u64(&d);
    }
    cr_assert_eq(same_c, 0);
    cr_assert_eq(same_d, 0);
    /* a known value pins the generator across hosts and versions */
    struct sim_rng p;
    sim_rng_init(&p, 1, 0);
    uint64_t first = sim_rng_u64(&p);
    sim_rng_init(&p, 1, 0);
    cr_assert_eq(sim_rng_u64(&p), first);
}

Test(rng, distributions) {
    struct sim_rng r;
    sim_rng_init(&r, 3, 9);
    enum { N = 200000 };
    double sum = 0;
    uint64_t hist[10] = {0};
    int hits = 0;
    for (int i = 0; i < N; i++) {
        sum += sim_rng_exponential(&r, 50.0);
        hist[sim_rng_below(&r, 10)]++;
        hits += sim_rng_bernoulli(&r, 0.25);
        double u = sim_rng_unit(&r);
        cr_assert(u >= 0 && u < 1);
    }
    cr_assert_float_eq(sum / N, 50.0, 0.5, "mean of exponential: %f", sum / N);
    for (int i = 0; i < 10; i++) cr_assert(hist[i] > N / 10 * 0.97 && hist[i] < N / 10 * 1.03);
    cr_assert(hits > N * 0.245 && hits < N * 0.255);
}

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Kolmogorov-Smirnov against 1 - exp(-x): the ziggurat's layers, wedges and
 * tail together must give the exponential distribution. */
Test(rng, exponential_matches_its_cdf) {
    enum { N = 200000 };
    double *v = malloc(N * sizeof *v);
    struct sim_rng r;
    sim_rng_init(&r, 11, 3);
    int tail = 0;
    for (int i = 0; i < N; i++) {
        v[i] = sim_rng_exponential(&r, 1.0);
        cr_assert(v[i] >= 0);
        tail += v[i] > 7.69711747013104972;
    }
    qsort(v, N, sizeof *v, cmp_double);
    double d = 0;
    for (int i = 0; i < N; i++) {
        double cdf = 1 - exp(-v[i]);
        double lo = cdf - (double)i / N, hi = (double)(i + 1) / N - cdf;
        if (lo > d) d = lo;
        if (hi > d) d = hi;
    }
    /* critical value at the 0.1% level: 1.95 / sqrt(N) */
    cr_assert_lt(d, 1.95 / sqrt(N), "KS distance %g", d);
    /* P(X > R) = exp(-R) = 4.5e-4: about 90 of 200000 */
    cr_assert(tail > 50 && tail < 140, "tail draws %d", tail);
    free(v);
}

static void link_rx(void *ctx, void *arg) {
    struct trace *t = ctx;
    record_ev(t, arg);
}
Test(link, delivers_after_latency_in_order) {
    struct trace t = {.e = sim_engine_create()};
    struct sim_link l;
    sim_link_init(&l, t.e, 250, link_rx, &t);
    sim_link_send(&l, (void *)(intptr_t)1);
    sim_link_send(&l, (void *)(intptr_t)2);
    sim_engine_run_until(t.e, SIM_TIME_MAX);
    cr_assert_eq(t.n, 2);
    cr_assert_eq(t.times[0], 250);
    cr_assert_eq(t.ids[0], 1);
    cr_assert_eq(t.ids[1], 2);
    cr_assert_eq(l.sent, 2);
    sim_engine_destroy(t.e);
}

/* The progress line's clock reads adapt to the event rate (issue 17, item
 * 23): with slow events (about 20 us of host time each) it is drawn about
 * twice a second from the start, where a fixed 2^20-event interval drew
 * nothing for the whole run; with fast events the interval grows. */
static double spin_until;
static void slow_event(void *ctx, void *arg) {
    (void)arg;
    struct sim_engine *e = ctx;
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    double t0 = (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9, t = t0;
    while (t - t0 < spin_until) {
        clock_gettime(CLOCK_MONOTONIC, &ts);
        t = (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
    }
    sim_engine_schedule_in(e, 1000, slow_event, e, NULL);
}

Test(engine, progress_line_adapts_to_the_event_rate) {
    struct sim_engine *e = sim_engine_create();
    char *buf = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&buf, &len);
    struct sim_progress *p = sim_progress_create(SIM_PROGRESS_FORCE, out, 0, 0);
    sim_progress_attach(p, e, 1024);
    spin_until = 20e-6;
    sim_engine_schedule_in(e, 1000, slow_event, e, NULL);
    sim_engine_run_until(e, 1000ull * 60000); /* 60,000 events of ~20 us: ~1.2 s */
    fflush(out);
    size_t lines = 0;
    for (size_t i = 0; i < len; i++) lines += buf[i] == '\n';
    cr_assert_geq(lines, 2, "the progress line was drawn %zu times in a run of ~1.2 s", lines);
    sim_progress_destroy(p);
    fclose(out);
    free(buf);
    sim_engine_destroy(e);
}
