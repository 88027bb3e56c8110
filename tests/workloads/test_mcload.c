/* workloads/mcload: the distributions and key/value samplers, the reply
 * parser over every segmentation, then the open-loop client against a fake
 * memcached server over the in-process wire (wire_pair.h) with the wire's
 * clock: its offered rate, pipelining depth, preload and error counts. */
#include "wire_pair.h"
#include "workloads/mcload.h"

#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- Distributions ---- */

Test(mcload_dist, exponential_and_gpareto_means) {
    uint64_t s = 42;
    double se = 0, sg = 0, sf = 0;
    const int n = 400000;
    double scale = mcload_gpareto_scale_for_mean(10.0, MCLOAD_FB_IA_SHAPE);
    for (int i = 0; i < n; i++) {
        double u = mcload_unit(&s);
        cr_assert(u >= 0 && u < 1);
        se += mcload_exponential(u, 10.0);
        sg += mcload_gpareto(u, 0, scale, MCLOAD_FB_IA_SHAPE);
        sf += mcload_gpareto(u, 0, MCLOAD_FB_IA_SCALE_US, MCLOAD_FB_IA_SHAPE);
    }
    cr_assert(fabs(se / n - 10.0) < 0.1, "exp mean %f", se / n);
    cr_assert(fabs(sg / n - 10.0) < 0.15, "gpareto mean %f", sg / n);
    /* fb_ia as published: mean scale / (1 - shape) = 18.969 us */
    double want = MCLOAD_FB_IA_SCALE_US / (1 - MCLOAD_FB_IA_SHAPE);
    cr_assert(fabs(sf / n - want) < 0.3, "fb_ia mean %f want %f", sf / n, want);
}

Test(mcload_dist, quantiles) {
    /* inverse CDFs at known points */
    cr_assert(fabs(mcload_exponential(0.5, 1.0) - log(2.0)) < 1e-12);
    cr_assert(fabs(mcload_gpareto(0.5, 1.0, 2.0, 0.5) - (1.0 + 2.0 * (sqrt(2.0) - 1) / 0.5)) <
              1e-12);
    /* GEV median: loc + scale ((ln 2)^-shape - 1) / shape */
    double med = MCLOAD_FB_KEY_LOC + MCLOAD_FB_KEY_SCALE *
                                         (pow(log(2.0), -MCLOAD_FB_KEY_SHAPE) - 1) /
                                         MCLOAD_FB_KEY_SHAPE;
    cr_assert(fabs(mcload_gev(0.5, MCLOAD_FB_KEY_LOC, MCLOAD_FB_KEY_SCALE, MCLOAD_FB_KEY_SHAPE) -
                   med) < 1e-9);
    cr_assert(fabs(med - 33.87) < 0.05, "GEV median %f", med);
}

Test(mcload_dist, keys) {
    char k[MCLOAD_KEY_MAX + 1];
    cr_assert_eq(mcload_key(k, 42, 19), 19);
    cr_assert_str_eq(k, "0000000000000000042");
    cr_assert_eq(mcload_key(k, 999999, 19), 19);
    cr_assert_str_eq(k, "0000000000000999999");
    cr_assert_eq(mcload_key(k, 123456, 3), 6); /* never shorter than the index */
    cr_assert_str_eq(k, "123456");
    cr_assert_eq(mcload_key(k, 7, 400), MCLOAD_KEY_MAX);
    /* ETC widths: at least the digits of records, at most 250, deterministic
     * per record, mean near the GEV's (about 35.5) */
    double sum = 0;
    unsigned lo = 1000;
    for (uint64_t i = 0; i < 100000; i++) {
        unsigned w = mcload_etc_key_width(i, 1000000);
        cr_assert(w >= 7 && w <= MCLOAD_KEY_MAX);
        cr_assert_eq(w, mcload_etc_key_width(i, 1000000));
        if (w < lo) lo = w;
        sum += w;
    }
    double gev_mean = MCLOAD_FB_KEY_LOC + MCLOAD_FB_KEY_SCALE *
                                              (tgamma(1 - MCLOAD_FB_KEY_SHAPE) - 1) /
                                              MCLOAD_FB_KEY_SHAPE;
    cr_assert(fabs(sum / 100000 - gev_mean) < 0.5, "ETC key mean %f, GEV %f", sum / 100000,
              gev_mean);
    cr_assert_lt(lo, 20);
}

Test(mcload_dist, etc_values) {
    /* the table: the mass of each size 0..14 */
    static const double p[15] = {0.00536, 0.00047, 0.17820, 0.09239, 0.00018,
                                 0.02740, 0.00065, 0.00606, 0.00023, 0.00837,
                                 0.00837, 0.08989, 0.00092, 0.00326, 0.01980};
    uint64_t s = 7, count[15] = {0}, tail = 0;
    double tail_sum = 0;
    const int n = 1000000;
    for (int i = 0; i < n; i++) {
        double u = mcload_unit(&s), u2 = mcload_unit(&s);
        uint32_t v = mcload_etc_value(u, u2, 1000000);
        if (v < 15 && u < 0.44155) {
            count[v]++;
        } else {
            cr_assert_geq(v, 15);
            tail++;
            tail_sum += v;
        }
    }
    for (int i = 0; i < 15; i++)
        cr_assert(fabs((double)count[i] / n - p[i]) < 0.002, "size %d: %f want %f", i,
                  (double)count[i] / n, p[i]);
    cr_assert(fabs((double)tail / n - (1 - 0.44155)) < 0.003);
    /* the tail's mean: 15 + 214.476 / (1 - 0.348238) = 344.1, less the
     * truncation to an integer (about 0.5) */
    cr_assert(fabs(tail_sum / (double)tail - 343.6) < 8, "tail mean %f", tail_sum / (double)tail);
    cr_assert_eq(mcload_etc_value(0.99, 0.999999999, 100), 100); /* the cap */
}

/* ---- The parser ---- */

struct pcase {
    const char *s;
    int rc;
    enum mcload_kind kind;
};

static const struct pcase CASES[] = {
    {"VALUE 0000000000000000042 0 2\r\nab\r\nEND\r\n", MCLOAD_REPLY_DONE, MCLOAD_R_HIT},
    {"VALUE k 5 4 99\r\na\r\nb\r\nEND\r\n", MCLOAD_REPLY_DONE, MCLOAD_R_HIT},
    {"VALUE k 0 0\r\n\r\nEND\r\n", MCLOAD_REPLY_DONE, MCLOAD_R_HIT},
    {"END\r\n", MCLOAD_REPLY_DONE, MCLOAD_R_MISS},
    {"STORED\r\n", MCLOAD_REPLY_DONE, MCLOAD_R_STORED},
    {"NOT_STORED\r\n", MCLOAD_REPLY_DONE, MCLOAD_R_NOT_STORED},
    {"EXISTS\r\n", MCLOAD_REPLY_DONE, MCLOAD_R_NOT_STORED},
    {"NOT_FOUND\r\n", MCLOAD_REPLY_DONE, MCLOAD_R_NOT_STORED},
    {"ERROR\r\n", MCLOAD_REPLY_DONE, MCLOAD_R_ERROR},
    {"CLIENT_ERROR bad data chunk\r\n", MCLOAD_REPLY_DONE, MCLOAD_R_ERROR},
    {"SERVER_ERROR out of memory storing object\r\n", MCLOAD_REPLY_DONE, MCLOAD_R_ERROR},
    {"BOGUS\r\n", MCLOAD_REPLY_ERR, MCLOAD_R_NONE},
    {"END\n", MCLOAD_REPLY_ERR, MCLOAD_R_NONE},
    {"VALUE k 0 2\r\nabc\r\nEND\r\n", MCLOAD_REPLY_ERR, MCLOAD_R_NONE},
    {"VALUE k 0 x\r\n", MCLOAD_REPLY_ERR, MCLOAD_R_NONE},
    {"VALUE k 0\r\n", MCLOAD_REPLY_ERR, MCLOAD_R_NONE},
    {"VALUE k 0 1\r\na\r\nSTORED\r\n", MCLOAD_REPLY_ERR, MCLOAD_R_NONE},
    {"SERVER_ERRORS\r\n", MCLOAD_REPLY_ERR, MCLOAD_R_NONE},
};

/* Every case cut at every pair of places: the same result, and the bytes
 * past a complete reply left alone. */
Test(mcload_parser, any_segmentation) {
    for (size_t ci = 0; ci < sizeof CASES / sizeof *CASES; ci++) {
        char buf[256];
        int len = snprintf(buf, sizeof buf, "%sEND\r\n", CASES[ci].s); /* a next reply */
        size_t n = strlen(CASES[ci].s);
        for (size_t i = 0; i <= n; i++)
            for (size_t j = i; j <= n; j++) {
                struct mcload_reply r;
                mcload_reply_init(&r);
                size_t cuts[3] = {i, j, (size_t)len}, at = 0, total = 0;
                int rc = MCLOAD_REPLY_MORE;
                for (int c = 0; c < 3 && rc == MCLOAD_REPLY_MORE; c++) {
                    size_t u;
                    rc = mcload_reply_feed(&r, buf + at, cuts[c] - at, &u);
                    cr_assert_leq(u, cuts[c] - at);
                    total += u;
                    at += u;
                    if (rc == MCLOAD_REPLY_MORE) cr_assert_eq(at, cuts[c]);
                }
                cr_assert_eq(rc, CASES[ci].rc, "case %zu cut %zu,%zu", ci, i, j);
                if (rc == MCLOAD_REPLY_DONE) {
                    cr_assert_eq(total, n, "case %zu cut %zu,%zu", ci, i, j);
                    cr_assert_eq(r.kind, CASES[ci].kind, "case %zu", ci);
                    size_t u;
                    cr_assert_eq(mcload_reply_feed(&r, buf + at, 3, &u), MCLOAD_REPLY_DONE);
                    cr_assert_eq(u, 0);
                }
            }
    }
    struct mcload_reply r;
    mcload_reply_init(&r);
    size_t u;
    const char *v = "VALUE k 0 10\r\n0123456789\r\nEND\r\n";
    cr_assert_eq(mcload_reply_feed(&r, v, strlen(v), &u), MCLOAD_REPLY_DONE);
    cr_assert_eq(r.values, 1);
    cr_assert_eq(r.value_bytes, 10);
    cr_assert_eq(r.bytes, strlen(v));
}

/* ---- The client against a fake server ---- */

enum fmode { F_ANSWER, F_SERVER_ERROR, F_GARBAGE };

#define FMAX 64
struct fconn {
    char line[400];
    size_t ll;
    uint64_t skip; /* a SET's data block and its end still to come */
    uint64_t reqs; /* received */
};

struct fake {
    struct sock *k;
    enum fmode mode;
    struct fconn c[FMAX];
    uint64_t gets, sets;
    uint64_t keys_bad;                /* a key not of the expected width */
    unsigned key_width;               /* 0: any */
    uint64_t first_at, last_at, n_at; /* request arrival times */
    stk_time_t (*now)(void *);
    void *nctx;
};

static const char R_VALUE[] = "VALUE k 0 2\r\nxx\r\nEND\r\n", R_STORED[] = "STORED\r\n",
                  R_SERR[] = "SERVER_ERROR out of memory\r\n", R_BAD[] = "BOGUS\r\n";

static void f_answer(struct fake *f, struct sock_id id, bool set) {
    const char *s = f->mode == F_SERVER_ERROR ? R_SERR
                    : f->mode == F_GARBAGE    ? R_BAD
                    : set                     ? R_STORED
                                              : R_VALUE;
    struct sock_sendbuf v = {s, strlen(s), 0};
    sock_send(f->k, id, &v, 1);
}

static void f_line(struct fake *f, struct sock_id id, struct fconn *c) {
    bool set = !strncmp(c->line, "set ", 4);
    const char *key = c->line + 4, *sp = strchr(key, ' ');
    size_t kl = set && sp ? (size_t)(sp - key) : strlen(key);
    if (f->key_width && kl != f->key_width) f->keys_bad++;
    if (set) {
        unsigned long n = 0;
        cr_assert_eq(sscanf(sp, " 0 0 %lu", &n), 1, "line %s", c->line);
        c->skip = n + 2;
        f->sets++;
    } else {
        f->gets++;
    }
    c->reqs++;
    uint64_t now = f->now(f->nctx);
    if (!f->n_at++) f->first_at = now;
    f->last_at = now;
    f_answer(f, id, set);
}

static void f_new_conn(void *ctx, struct sock_id id, uint64_t lid, bool active, int status) {
    struct fake *f = ctx;
    (void)lid;
    (void)status;
    if (active) return;
    cr_assert_lt(id.idx, FMAX);
    memset(&f->c[id.idx], 0, sizeof f->c[id.idx]);
    sock_accept(f->k, id, 1);
}

static void f_new_data(void *ctx, struct sock_id id, const struct sock_buf *b, unsigned n) {
    struct fake *f = ctx;
    struct fconn *c = &f->c[id.idx];
    size_t total = 0;
    for (unsigned i = 0; i < n; i++) {
        const char *p = b[i].ptr;
        for (size_t j = 0; j < b[i].len; j++) {
            if (c->skip) {
                c->skip--;
                continue;
            }
            if (p[j] == '\n') {
                cr_assert(c->ll && c->line[c->ll - 1] == '\r');
                c->line[c->ll - 1] = 0;
                f_line(f, id, c);
                c->ll = 0;
            } else {
                cr_assert_lt(c->ll, sizeof c->line - 1);
                c->line[c->ll++] = p[j];
            }
        }
        total += b[i].len;
    }
    sock_recv_done(f->k, id, total);
}

static void f_acked(void *ctx, struct sock_id id, uint64_t n) {
    (void)ctx;
    (void)id;
    (void)n;
}
static void f_closed(void *ctx, struct sock_id id) { sock_close(((struct fake *)ctx)->k, id); }
static void f_cleanup(void *ctx, struct sock_id id) {
    (void)ctx;
    (void)id;
}

struct tm {
    struct wire_pair p;
    struct fake f;
    struct mcload *m;
    stk_time_t clock; /* the test's clock: the wire's, moved on to due times */
};

static uint64_t tm_now(void *ctx) {
    struct tm *t = ctx;
    stk_time_t w = wire_now(t->p.w);
    return w > t->clock ? w : t->clock;
}

static struct mcload_config tm_config(struct tm *t, const struct mcload_server *srv) {
    return (struct mcload_config){.servers = srv,
                                  .nservers = 1,
                                  .conns = 4,
                                  .depth = 1,
                                  .qps = 20000,
                                  .ia = MCLOAD_IA_EXP,
                                  .dist = MCLOAD_USR,
                                  .records = 1000,
                                  .update = 0.1,
                                  .seed = 1,
                                  .warmup = 10 * STK_MS,
                                  .duration = 500 * STK_MS,
                                  .now = tm_now,
                                  .ctx = t};
}

static void tm_init(struct tm *t, const struct mcload_config *cfg, enum fmode mode) {
    memset(t, 0, sizeof *t);
    t->f.mode = mode;
    t->f.now = (stk_time_t(*)(void *))tm_now;
    t->f.nctx = t;
    struct mcload_config c = *cfg;
    c.ctx = t;
    t->m = mcload_create(&c, NULL);
    cr_assert(t->m);
    struct sock_events cev = mcload_events();
    struct sock_events sev = {f_new_conn, f_new_data, f_acked, f_closed, f_cleanup};
    struct wire_side sides[2] = {{.ev = &cev, .ctx = t->m}, {.ev = &sev, .ctx = &t->f}};
    wire_pair_init(&t->p, 10 * STK_US, sides);
    t->f.k = wire_pair_sock(&t->p, 1);
    cr_assert_eq(sock_listen(t->f.k, 1, 11211, 64), 0);
    cr_assert_eq(mcload_start(t->m, wire_pair_sock(&t->p, 0)), 0);
}

/* Runs the wire and the client's schedule until `until` (absolute). */
static void tm_run(struct tm *t, stk_time_t until) {
    while (t->clock < until) {
        stk_time_t due = mcload_next_due(t->m), step = t->clock + 1 * STK_MS;
        stk_time_t to = due < step ? due : step;
        if (to > until) to = until;
        if (to < t->clock) to = t->clock;
        wire_run(t->p.w, to);
        t->clock = to;
        mcload_poll(t->m);
        if (to == until) break;
    }
}

static void tm_fini(struct tm *t) {
    mcload_close(t->m);
    tm_run(t, t->clock + 100 * STK_MS);
    cr_assert(mcload_quiet(t->m));
    wire_pair_fini(&t->p);
    mcload_destroy(t->m);
}

static const struct mcload_server SRV = {WIRE_PAIR_SERVER_IP, 11211};

/* ---- The client on a fake transport with an exact clock ---- */

/* A socket layer that answers every request after `delay` (GET: a hit,
 * SET: STORED), or holds the answers (mute); the clock is the test's and
 * only moves to the next event. Handlers run from ft_run, never inside a
 * command. */
#define FT_CONNS 16
#define FT_Q 65536
struct ftev {
    uint64_t at;
    int kind; /* 0 new_conn, 1 data_acked, 2 cleanup, 3 reply */
    uint32_t idx;
    uint64_t n;
    bool set;
};
struct ft {
    struct sock k;
    struct mcload *m;
    struct sock_events ev;
    uint64_t now, delay;
    bool mute;
    struct ftev imm[FT_Q], rep[FT_Q];
    unsigned ih, in, rh, rn;
    unsigned out[FT_CONNS]; /* requests outstanding per connection */
    unsigned maxout[FT_CONNS];
    unsigned owed_set[FT_CONNS][64], owed[FT_CONNS];
    uint64_t sends, first_send, last_send, keys_bad;
    unsigned nconn;
};

static void ft_imm(struct ft *f, int kind, uint32_t idx, uint64_t n) {
    cr_assert_lt(f->in, FT_Q);
    f->imm[(f->ih + f->in++) % FT_Q] = (struct ftev){f->now, kind, idx, n, false};
}
static void ft_reply(struct ft *f, uint32_t idx, bool set) {
    cr_assert_lt(f->rn, FT_Q);
    f->rep[(f->rh + f->rn++) % FT_Q] = (struct ftev){f->now + f->delay, 3, idx, 0, set};
}
static int ft_listen(void *t, uint64_t l, uint16_t p, unsigned b) {
    (void)t, (void)l, (void)p, (void)b;
    return -1;
}
static int ft_accept(void *t, struct sock_id id, uint64_t l) {
    (void)t, (void)id, (void)l;
    return -1;
}
static int ft_connect(void *t, uint64_t cookie, uint32_t ip, uint16_t port) {
    struct ft *f = t;
    (void)ip, (void)port;
    cr_assert_lt(f->nconn, FT_CONNS);
    ft_imm(f, 0, f->nconn++, cookie);
    return 0;
}
static int ft_recv_done(void *t, struct sock_id id, size_t n) {
    (void)t, (void)id, (void)n;
    return 0;
}
static int ft_send(void *t, struct sock_id id, const struct sock_sendbuf *v, unsigned n) {
    struct ft *f = t;
    uint64_t total = 0;
    for (unsigned i = 0; i < n; i++) total += v[i].len;
    const char *p = v[0].ptr;
    bool set = p[0] == 's';
    const char *key = p + 4, *end = memchr(key, set ? ' ' : '\r', v[0].len - 4);
    cr_assert(end);
    if (end - key != 19) f->keys_bad++;
    if (!f->sends++) f->first_send = f->now;
    f->last_send = f->now;
    if (++f->out[id.idx] > f->maxout[id.idx]) f->maxout[id.idx] = f->out[id.idx];
    ft_imm(f, 1, id.idx, total);
    if (f->mute) {
        cr_assert_lt(f->owed[id.idx], 64);
        f->owed_set[id.idx][f->owed[id.idx]++] = set;
    } else {
        ft_reply(f, id.idx, set);
    }
    return 0;
}
static int ft_shutdown(void *t, struct sock_id id, int fl) {
    (void)t, (void)id, (void)fl;
    return 0;
}
static int ft_close(void *t, struct sock_id id) {
    ft_imm(t, 2, id.idx, 0);
    return 0;
}
static const struct sock_ops FT_OPS = {ft_listen, ft_accept,   ft_connect, ft_recv_done,
                                       ft_send,   ft_shutdown, ft_close};

static uint64_t ft_now(void *ctx) { return ((struct ft *)ctx)->now; }

static const char FT_HIT[] = "VALUE k 0 2\r\nxx\r\nEND\r\n", FT_STORED[] = "STORED\r\n";

static void ft_deliver(struct ft *f, const struct ftev *e) {
    struct sock_id id = {0, e->idx};
    if (e->kind == 0) {
        f->ev.new_conn(f->m, id, e->n, true, 0);
    } else if (e->kind == 1) {
        f->ev.data_acked(f->m, id, e->n);
    } else if (e->kind == 2) {
        f->ev.cleanup(f->m, id);
    } else {
        f->out[e->idx]--;
        struct sock_buf b = {e->set ? FT_STORED : FT_HIT, e->set ? 8 : sizeof FT_HIT - 1};
        f->ev.new_data(f->m, id, &b, 1);
    }
}

/* Runs events and the client's schedule until `until`. */
static void ft_run(struct ft *f, uint64_t until) {
    for (;;) {
        while (f->in) {
            struct ftev e = f->imm[f->ih];
            f->ih = (f->ih + 1) % FT_Q;
            f->in--;
            ft_deliver(f, &e);
        }
        uint64_t due = mcload_next_due(f->m), rep = f->rn ? f->rep[f->rh].at : UINT64_MAX;
        uint64_t next = due < rep ? due : rep;
        if (next > until) {
            f->now = until;
            return;
        }
        if (next > f->now) f->now = next;
        if (rep <= due) {
            struct ftev e = f->rep[f->rh];
            f->rh = (f->rh + 1) % FT_Q;
            f->rn--;
            ft_deliver(f, &e);
        } else {
            mcload_poll(f->m);
        }
    }
}

static void ft_release(struct ft *f) {
    f->mute = false;
    for (unsigned i = 0; i < FT_CONNS; i++)
        for (unsigned j = 0; j < f->owed[i]; j++) ft_reply(f, i, f->owed_set[i][j]);
    memset(f->owed, 0, sizeof f->owed);
}

static struct ft *ft_new(const struct mcload_config *cfg, uint64_t delay, bool mute) {
    struct ft *f = calloc(1, sizeof *f);
    cr_assert(f);
    f->k = (struct sock){&FT_OPS, f};
    f->ev = mcload_events();
    f->delay = delay;
    f->mute = mute;
    f->now = 1 * STK_SEC;
    struct mcload_config c = *cfg;
    c.now = ft_now;
    c.ctx = f;
    f->m = mcload_create(&c, NULL);
    cr_assert(f->m);
    cr_assert_eq(mcload_start(f->m, &f->k), 0);
    cr_assert_eq(mcload_start(f->m, &f->k), -1);
    return f;
}

static void ft_free(struct ft *f) {
    mcload_close(f->m);
    ft_run(f, f->now);
    cr_assert(mcload_quiet(f->m));
    mcload_destroy(f->m);
    free(f);
}

/* The open loop's offered rate: the intended times follow the configured
 * rate (counted by the client, and seen as send times by the transport),
 * for exponential and generalized Pareto inter-arrival times; every
 * request is answered and measured, its latency exactly the server's
 * delay. */
static void offered(enum mcload_ia ia) {
    const struct mcload_server srv = {1, 11211};
    struct mcload_config c = {.servers = &srv,
                              .nservers = 1,
                              .conns = 8,
                              .depth = 4,
                              .qps = 100000,
                              .ia = ia,
                              .records = 1000000,
                              .update = 0.1,
                              .seed = 3,
                              .warmup = 10 * STK_MS,
                              .duration = 1 * STK_SEC};
    struct ft *f = ft_new(&c, 20 * STK_US, false);
    ft_run(f, f->now + 2 * STK_SEC);
    cr_assert(mcload_done(f->m));
    const struct mcload_stats *s = mcload_stats(f->m, MCLOAD_LOAD);
    struct mcload_result r;
    mcload_result(f->m, MCLOAD_LOAD, &r);
    /* 100,000 arrivals: the count's relative sd is 0.3% (Poisson); the
     * GPareto's inter-arrival cv is about 1.2 */
    cr_assert(fabs(r.offered_qps / 100000 - 1) < 0.015, "offered %f", r.offered_qps);
    cr_assert(fabs(r.qps / 100000 - 1) < 0.015, "achieved %f", r.qps);
    double gap = (double)(f->last_send - f->first_send) / (double)(f->sends - 1) / 1e6;
    cr_assert(fabs(gap / 10.0 - 1) < 0.015, "mean inter-arrival %f us, want 10", gap);
    cr_assert_eq(r.incomplete, 0);
    cr_assert_eq(r.measured, s->win_intended);
    /* 4 places per connection, 20 us service: a request waits only when 4
     * arrive within 20 us on one connection (P ~ 0.25^4 / 4!, Poisson)... */
    cr_assert_lt(s->waited, 100, "waited %llu", (unsigned long long)s->waited);
    cr_assert_eq(s->protocol_errors + s->server_errors, 0);
    cr_assert_eq(s->hits + s->stored, s->gets + s->sets);
    cr_assert_eq(f->keys_bad, 0);
    double frac = (double)s->sets / (double)(s->gets + s->sets);
    cr_assert(fabs(frac - 0.1) < 0.005, "update fraction %f", frac);
    /* ...so but for those, every latency is the delay (the histogram's
     * midpoint) */
    cr_assert(r.p50 >= 19900 * STK_NS && r.p999 <= 20100 * STK_NS, "p50 %llu p999 %llu",
              (unsigned long long)r.p50, (unsigned long long)r.p999);
    ft_free(f);
}

Test(mcload_client, offered_rate_exponential) { offered(MCLOAD_IA_EXP); }
Test(mcload_client, offered_rate_gpareto) { offered(MCLOAD_IA_GPARETO); }

/* A server that holds its answers: each connection has exactly depth
 * requests outstanding; the due ones wait, and once answered are sent back
 * to back, the wait in their latency (from the intended time) but not in
 * the service time (from the send, mutilate's). */
Test(mcload_client, depth_respected) {
    const struct mcload_server srv = {1, 11211};
    struct mcload_config c = {.servers = &srv,
                              .nservers = 1,
                              .conns = 3,
                              .depth = 4,
                              .qps = 30000,
                              .records = 100,
                              .seed = 5,
                              .duration = 100 * STK_MS};
    struct ft *f = ft_new(&c, 10 * STK_US, true);
    uint64_t t0 = f->now;
    ft_run(f, t0 + 20 * STK_MS);
    const struct mcload_stats *s = mcload_stats(f->m, 0);
    for (unsigned i = 0; i < 3; i++) cr_assert_eq(f->maxout[i], 4);
    cr_assert_eq(f->sends, 12);
    cr_assert_eq(s->waited, 3);
    ft_release(f);
    ft_run(f, t0 + 21 * STK_MS);
    /* 20 ms at 30k/s: about 600 due, answered within the millisecond */
    cr_assert_gt(s->hits, 500);
    for (unsigned i = 0; i < 3; i++) cr_assert_eq(f->maxout[i], 4);
    const struct lathist *h = mcload_hist(f->m, 0, false), *sv = mcload_hist(f->m, 0, true);
    cr_assert_gt(h->max, 19 * STK_MS, "%llu", (unsigned long long)h->max);
    cr_assert_leq(sv->max, 20 * STK_MS + 10 * STK_US);
    cr_assert_gt(lathist_quantile(h, 0.5), 5 * STK_MS);
    ft_run(f, t0 + 200 * STK_MS);
    cr_assert(mcload_done(f->m));
    struct mcload_result r;
    mcload_result(f->m, 0, &r);
    cr_assert_eq(r.incomplete, 0);
    cr_assert(fabs(r.offered_qps / 30000 - 1) < 0.1, "offered %f", r.offered_qps);
    ft_free(f);
}

/* Closed before the window's end: the arrivals it would have had count as
 * intended and incomplete. */
Test(mcload_client, closed_early_counts_incomplete) {
    const struct mcload_server srv = {1, 11211};
    struct mcload_config c = {.servers = &srv,
                              .nservers = 1,
                              .conns = 2,
                              .depth = 1,
                              .qps = 10000,
                              .records = 100,
                              .seed = 9,
                              .duration = 1 * STK_SEC};
    struct ft *f = ft_new(&c, 10 * STK_US, true);
    ft_run(f, f->now + 100 * STK_MS);
    mcload_close(f->m);
    struct mcload_result r;
    mcload_result(f->m, 0, &r);
    cr_assert_eq(r.measured, 0);
    cr_assert(r.incomplete > 900 && r.incomplete < 1100, "incomplete %llu",
              (unsigned long long)r.incomplete);
    ft_free(f);
}

/* The same seed, the same schedule: the requests the server sees. */
Test(mcload_client, deterministic) {
    uint64_t n[2], g[2];
    for (int i = 0; i < 2; i++) {
        struct tm t;
        struct mcload_config c = tm_config(&t, &SRV);
        tm_init(&t, &c, F_ANSWER);
        tm_run(&t, 200 * STK_MS);
        n[i] = t.f.n_at;
        g[i] = mcload_stats(t.m, 0)->gets;
        tm_fini(&t);
    }
    cr_assert_eq(n[0], n[1]);
    cr_assert_eq(g[0], g[1]);
}

/* Error replies are counted and complete their requests; garbage is a
 * protocol error that closes the connection. */
Test(mcload_client, errors_counted) {
    struct tm t;
    struct mcload_config c = tm_config(&t, &SRV);
    tm_init(&t, &c, F_SERVER_ERROR);
    tm_run(&t, 100 * STK_MS);
    const struct mcload_stats *s = mcload_stats(t.m, 0);
    cr_assert_gt(s->server_errors, 100);
    cr_assert_eq(s->protocol_errors, 0);
    cr_assert_leq(s->gets + s->sets - s->server_errors, 4); /* (at most one outstanding each) */
    cr_assert_eq(s->conns_open, 4);
    tm_fini(&t);

    tm_init(&t, &c, F_GARBAGE);
    tm_run(&t, 100 * STK_MS);
    s = mcload_stats(t.m, 0);
    cr_assert_eq(s->protocol_errors, 4);
    cr_assert_eq(s->conns_open, 0);
    cr_assert_eq(s->hits + s->misses + s->stored, 0);
    tm_fini(&t);
}

/* Preload: every record SET once, in order, before the open loop; ETC's
 * keys at least the digits of the record count; the observer group runs
 * at its own rate at depth 1. */
Test(mcload_client, preload_etc_and_observer) {
    struct tm t;
    struct mcload_config c = tm_config(&t, &SRV);
    c.preload = true;
    c.dist = MCLOAD_ETC;
    c.records = 500;
    c.update = 0.033;
    c.ia = MCLOAD_IA_GPARETO;
    c.obs_conns = 2;
    c.obs_qps = 1000;
    c.depth = 2;
    tm_init(&t, &c, F_ANSWER);
    tm_run(&t, 300 * STK_MS);
    uint64_t t0;
    cr_assert(mcload_running(t.m, &t0));
    tm_run(&t, t0 + 520 * STK_MS);
    cr_assert(mcload_done(t.m));
    cr_assert(mcload_running(t.m, &t0));
    cr_assert_geq(t.f.sets, 500);
    const struct mcload_stats *o = mcload_stats(t.m, MCLOAD_OBS);
    struct mcload_result r;
    mcload_result(t.m, MCLOAD_OBS, &r);
    cr_assert_gt(o->gets + o->sets, 100);
    cr_assert(fabs(r.offered_qps / 1000 - 1) < 0.3, "observer offered %f", r.offered_qps);
    cr_assert_eq(o->protocol_errors + mcload_stats(t.m, 0)->protocol_errors, 0);
    tm_fini(&t);
}

Test(mcload_client, bad_configs) {
    struct tm t;
    struct mcload_config c = tm_config(&t, &SRV);
    c.depth = 0;
    cr_assert_null(mcload_create(&c, NULL));
    c = tm_config(&t, &SRV);
    c.qps = 0;
    cr_assert_null(mcload_create(&c, NULL));
    c = tm_config(&t, &SRV);
    c.obs_conns = 1;
    cr_assert_null(mcload_create(&c, NULL));
}
