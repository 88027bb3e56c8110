#include "nic/host/impair.h"

#include "sim/kernel/rng.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define MS 1000000ull

struct held {
    uint64_t due;   /* release time */
    uint64_t order; /* tie-break: the order the copy was queued */
    uint64_t seq;   /* the submission it belongs to (copies share it) */
    size_t len;
    uint8_t data[];
};

struct impair {
    struct impair_spec sp;
    struct sim_rng rng;
    uint64_t last_due;    /* release time of the last frame not held back */
    uint64_t next_order;  /* of the next queued copy */
    uint64_t next_seq;    /* of the next submission */
    uint64_t max_seq_out; /* highest submission delivered + 1 (0: none) */
    struct held **heap;
    size_t n, cap;
    struct impair_counters ctr;
};

/* True with probability p (p <= 0: never; p >= 1: always), from one draw r
 * (as sim_rng_bernoulli). */
static bool chance(uint64_t r, double p) { return (double)(r >> 11) * 0x1.0p-53 < p; }

/* ---- the queue: a binary min-heap on (due, order) ---- */

static bool before(const struct held *a, const struct held *b) {
    return a->due != b->due ? a->due < b->due : a->order < b->order;
}

static void heap_push(struct impair *q, struct held *h) {
    size_t i = q->n++;
    while (i > 0) {
        size_t p = (i - 1) / 2;
        if (!before(h, q->heap[p])) break;
        q->heap[i] = q->heap[p];
        i = p;
    }
    q->heap[i] = h;
}

static struct held *heap_pop(struct impair *q) {
    struct held *top = q->heap[0], *last = q->heap[--q->n];
    size_t i = 0;
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= q->n) break;
        if (c + 1 < q->n && before(q->heap[c + 1], q->heap[c])) c++;
        if (!before(q->heap[c], last)) break;
        q->heap[i] = q->heap[c];
        i = c;
    }
    if (q->n) q->heap[i] = last;
    return top;
}

struct impair *impair_create(const struct impair_spec *sp, uint64_t seed, uint64_t stream) {
    struct impair *q = calloc(1, sizeof *q);
    if (!q) return NULL;
    q->sp = *sp;
    if (!q->sp.limit) q->sp.limit = IMPAIR_DEFAULT_LIMIT;
    if (!q->sp.reorder_delay_ns) q->sp.reorder_delay_ns = sp->delay_ns > MS ? sp->delay_ns : MS;
    sim_rng_init(&q->rng, seed, stream);
    return q;
}

void impair_destroy(struct impair *q) {
    if (!q) return;
    for (size_t i = 0; i < q->n; i++) free(q->heap[i]);
    free(q->heap);
    free(q);
}

/* Queues one copy; false when the queue is full or memory ran out. */
static bool hold(struct impair *q, uint64_t due, uint64_t seq, const struct iovec *iov, int n,
                 size_t len) {
    if (q->n >= q->sp.limit) return false;
    if (q->n == q->cap) {
        size_t cap = q->cap ? 2 * q->cap : 64;
        struct held **h = realloc(q->heap, cap * sizeof *h);
        if (!h) return false;
        q->heap = h;
        q->cap = cap;
    }
    struct held *h = malloc(sizeof *h + (len ? len : 1));
    if (!h) return false;
    h->due = due;
    h->order = q->next_order++;
    h->seq = seq;
    h->len = len;
    size_t off = 0;
    for (int i = 0; i < n && off < len; i++) {
        size_t k = iov[i].iov_len < len - off ? iov[i].iov_len : len - off;
        memcpy(h->data + off, iov[i].iov_base, k);
        off += k;
    }
    heap_push(q, h);
    if (q->n > q->ctr.max_queued) q->ctr.max_queued = q->n;
    return true;
}

void impair_submitv(struct impair *q, uint64_t now, const struct iovec *iov, int n, size_t len) {
    /* Four draws per frame, always, in this order (the jitter's by modulo,
     * not sim_rng_below, whose rejections would draw more). */
    struct sim_rng *g = &q->rng;
    uint64_t r_loss = sim_rng_u64(g), r_jit = sim_rng_u64(g), r_reo = sim_rng_u64(g),
             r_dup = sim_rng_u64(g);
    uint64_t seq = q->next_seq++;
    q->ctr.submitted++;
    if (chance(r_loss, q->sp.loss)) {
        q->ctr.lost++;
        return;
    }
    uint64_t due = now + q->sp.delay_ns;
    if (q->sp.jitter_ns) {
        uint64_t j = q->sp.jitter_ns, span = 2 * j + 1;
        uint64_t off = r_jit % span; /* 0..2j: -j..+j */
        if (off >= j)
            due += off - j;
        else /* early, but never before now */
            due = q->sp.delay_ns >= j - off ? due - (j - off) : now;
    }
    if (due < q->last_due) due = q->last_due; /* jitter never reorders */
    if (chance(r_reo, q->sp.reorder)) {
        due += q->sp.reorder_delay_ns;
        q->ctr.reordered++;
    } else {
        q->last_due = due;
    }
    if (due > now) q->ctr.delayed++;
    if (!hold(q, due, seq, iov, n, len)) {
        q->ctr.overflow++;
        return;
    }
    if (chance(r_dup, q->sp.dup)) {
        if (hold(q, due, seq, iov, n, len))
            q->ctr.duplicated++;
        else
            q->ctr.overflow++;
    }
}

void impair_submit(struct impair *q, uint64_t now, const void *frame, size_t len) {
    struct iovec v = {(void *)frame, len};
    impair_submitv(q, now, &v, 1, len);
}

uint64_t impair_next_due(const struct impair *q) { return q->n ? q->heap[0]->due : IMPAIR_NEVER; }
size_t impair_queued(const struct impair *q) { return q->n; }
const struct impair_counters *impair_counters(const struct impair *q) { return &q->ctr; }

unsigned impair_pop_due(struct impair *q, uint64_t now,
                        void (*cb)(void *ctx, const uint8_t *frame, size_t len), void *ctx) {
    unsigned got = 0;
    while (q->n && q->heap[0]->due <= now) {
        struct held *h = heap_pop(q);
        if (h->seq + 1 < q->max_seq_out)
            q->ctr.overtaken++;
        else
            q->max_seq_out = h->seq + 1;
        q->ctr.delivered++;
        cb(ctx, h->data, h->len);
        free(h);
        got++;
    }
    return got;
}

void impair_print_counters(const struct impair *q, FILE *f, const char *prefix) {
    const struct impair_counters *c = &q->ctr;
    const char *names[] = {"submitted", "delivered", "lost",     "duplicated", "reordered",
                           "delayed",   "overtaken", "overflow", "max_queued"};
    const uint64_t vals[] = {c->submitted, c->delivered, c->lost,     c->duplicated, c->reordered,
                             c->delayed,   c->overtaken, c->overflow, c->max_queued};
    for (size_t i = 0; i < sizeof vals / sizeof vals[0]; i++)
        fprintf(f, "%s.%s %llu\n", prefix, names[i], (unsigned long long)vals[i]);
}

/* ---- the spec ---- */

bool impair_active(const struct impair_spec *sp) {
    return sp->loss > 0 || sp->reorder > 0 || sp->dup > 0 || sp->delay_ns || sp->jitter_ns;
}

static bool parse_prob(const char *v, double *out) {
    char *end;
    double p = strtod(v, &end);
    if (end == v) return false;
    if (*end == '%') {
        p /= 100;
        end++;
    }
    if (*end || !(p >= 0 && p <= 1)) return false;
    *out = p;
    return true;
}

static bool parse_duration(const char *v, uint64_t *out) {
    char *end;
    double d = strtod(v, &end);
    if (end == v || !(d >= 0) || !isfinite(d)) return false;
    double unit;
    if (!strcmp(end, "ns"))
        unit = 1;
    else if (!strcmp(end, "us"))
        unit = 1e3;
    else if (!strcmp(end, "ms"))
        unit = 1e6;
    else if (!strcmp(end, "s"))
        unit = 1e9;
    else if (!*end && d == 0)
        unit = 1;
    else
        return false;
    double ns = d * unit;
    if (ns > 3600e9) return false; /* an hour: surely a mistake */
    *out = (uint64_t)llround(ns);
    return true;
}

bool impair_parse(const char *s, struct impair_spec *out, char *err, size_t errlen) {
    struct impair_spec sp = {0};
    if (!s) s = "";
    if (!strcmp(s, "none")) s = "";
    const char *p = s;
    while (*p) {
        const char *comma = strchr(p, ',');
        size_t n = comma ? (size_t)(comma - p) : strlen(p);
        char item[128];
        if (n >= sizeof item) {
            snprintf(err, errlen, "impair: \"%.40s...\": item too long", p);
            return false;
        }
        memcpy(item, p, n);
        item[n] = 0;
        p += n + (comma ? 1 : 0);
        if (!n) {
            if (comma && !*p) break; /* a trailing comma */
            snprintf(err, errlen, "impair: \"%s\": empty item (expected FIELD=VALUE,...)", s);
            return false;
        }
        char *eq = strchr(item, '=');
        if (!eq) {
            snprintf(err, errlen, "impair: \"%s\": expected FIELD=VALUE", item);
            return false;
        }
        *eq = 0;
        const char *k = item, *v = eq + 1;
        bool ok;
        const char *want;
        if (!strcmp(k, "loss")) {
            ok = parse_prob(v, &sp.loss);
            want = "a probability 0..1";
        } else if (!strcmp(k, "reorder")) {
            ok = parse_prob(v, &sp.reorder);
            want = "a probability 0..1";
        } else if (!strcmp(k, "dup")) {
            ok = parse_prob(v, &sp.dup);
            want = "a probability 0..1";
        } else if (!strcmp(k, "delay")) {
            ok = parse_duration(v, &sp.delay_ns);
            want = "a duration like 10ms (ns, us, ms or s; at most 3600s)";
        } else if (!strcmp(k, "jitter")) {
            ok = parse_duration(v, &sp.jitter_ns);
            want = "a duration like 3ms (ns, us, ms or s; at most 3600s)";
        } else if (!strcmp(k, "reorder_delay")) {
            ok = parse_duration(v, &sp.reorder_delay_ns);
            want = "a duration like 1ms (ns, us, ms or s; at most 3600s)";
        } else if (!strcmp(k, "limit")) {
            char *end;
            unsigned long long l = strtoull(v, &end, 10);
            ok = end != v && !*end && *v != '-' && l >= 1 && l <= 10000000;
            sp.limit = (uint32_t)l;
            want = "a whole number of frames 1..10000000";
        } else {
            *eq = '=';
            snprintf(err, errlen,
                     "impair: \"%s\": unknown field (expected loss, delay, jitter, reorder, "
                     "reorder_delay, dup or limit)",
                     item);
            return false;
        }
        if (!ok) {
            *eq = '=';
            snprintf(err, errlen, "impair: \"%s\": expected %s", item, want);
            return false;
        }
    }
    *out = sp;
    return true;
}

static void fmt_duration(uint64_t ns, char *buf, size_t len) {
    if (ns % 1000000000 == 0 && ns)
        snprintf(buf, len, "%llus", (unsigned long long)(ns / 1000000000));
    else if (ns % 1000000 == 0)
        snprintf(buf, len, "%llums", (unsigned long long)(ns / 1000000));
    else if (ns % 1000 == 0)
        snprintf(buf, len, "%lluus", (unsigned long long)(ns / 1000));
    else
        snprintf(buf, len, "%lluns", (unsigned long long)ns);
}

void impair_format(const struct impair_spec *sp, char *buf, size_t len) {
    char d[32], j[32], r[32];
    fmt_duration(sp->delay_ns, d, sizeof d);
    fmt_duration(sp->jitter_ns, j, sizeof j);
    uint64_t rd = sp->reorder_delay_ns ? sp->reorder_delay_ns
                  : sp->delay_ns > MS  ? sp->delay_ns
                                       : MS;
    fmt_duration(rd, r, sizeof r);
    if (!impair_active(sp)) {
        snprintf(buf, len, "none");
        return;
    }
    snprintf(buf, len, "loss=%g,delay=%s,jitter=%s,reorder=%g,reorder_delay=%s,dup=%g,limit=%u",
             sp->loss, d, j, sp->reorder, r, sp->dup, sp->limit ? sp->limit : IMPAIR_DEFAULT_LIMIT);
}

/* ---- the programs' flags ---- */

void impair_opts_init(struct impair_opts *o) { *o = (struct impair_opts){.seed = 1}; }

struct impair_spec impair_opts_spec(const struct impair_opts *o, int k) {
    return o->has_dir[k] ? o->dir[k] : o->both;
}

int impair_option(int argc, char **argv, int *i, const char *const n[2], struct impair_opts *o,
                  char *err, size_t errlen) {
    const char *a = argv[*i];
    if (strncmp(a, "--impair", 8)) return 0;
    int which; /* 0, 1: a direction; 2: both; 3: the seed */
    if (!strcmp(a, "--impair"))
        which = 2;
    else if (!strcmp(a, "--impair-seed"))
        which = 3;
    else if (!strncmp(a, "--impair-", 9) && !strcmp(a + 9, n[0]))
        which = 0;
    else if (!strncmp(a, "--impair-", 9) && !strcmp(a + 9, n[1]))
        which = 1;
    else
        return 0;
    if (*i + 1 >= argc) {
        snprintf(err, errlen, "%s: expected a value", a);
        return -1;
    }
    const char *v = argv[++*i];
    if (which == 3) {
        char *end;
        unsigned long long s = strtoull(v, &end, 0);
        if (end == v || *end || *v == '-') {
            snprintf(err, errlen, "%s %s: expected a whole number", a, v);
            return -1;
        }
        o->seed = s;
        return 1;
    }
    struct impair_spec sp;
    char e[200];
    if (!impair_parse(v, &sp, e, sizeof e)) {
        snprintf(err, errlen, "%s: %s", a, e);
        return -1;
    }
    if (which == 2) {
        o->both = sp;
        o->has_both = true;
    } else {
        o->dir[which] = sp;
        o->has_dir[which] = true;
    }
    return 1;
}
