#include "workloads/wrkload.h"

#include "stack/stk_alloc.h"

#include <string.h>

struct wrkload {
    struct wrkload_config cfg;
    struct httpc *c;
    bool started;
    uint64_t win_start, win_end;
    uint64_t responses, non2xx, bytes;
    struct lathist lat;
    struct stk_alloc alloc;
};

static uint64_t w_now(void *ctx) {
    const struct wrkload *w = ctx;
    return w->cfg.http.now(w->cfg.http.ctx);
}

static void w_record(void *ctx, const struct httpc_record *r) {
    struct wrkload *w = ctx;
    uint64_t now = w_now(w);
    if (!w->started || now < w->win_start || now >= w->win_end) return;
    w->responses++;
    if (r->status / 100 != 2) w->non2xx++;
    w->bytes += r->head_bytes + r->body_bytes;
    lathist_record(&w->lat, r->latency_ps);
}

struct wrkload *wrkload_create(const struct wrkload_config *cfg, const struct stk_alloc *alloc) {
    if (!cfg || !cfg->http.now || cfg->http.record) return NULL;
    struct stk_alloc a = stk_alloc_or_default(alloc);
    if (!stk_alloc_ok(&a)) return NULL;
    struct wrkload *w = stk_mem_alloc(&a, sizeof *w);
    if (!w) return NULL;
    w->alloc = a;
    w->cfg = *cfg;
    w->win_start = w->win_end = UINT64_MAX;
    struct httpc_config hc = cfg->http;
    hc.now = w_now;
    hc.record = w_record;
    hc.ctx = w;
    bool ok = lathist_init(&w->lat, LATHIST_SUB_BITS, &a);
    w->c = ok ? httpc_create(&hc, &a) : NULL;
    if (!w->c) {
        wrkload_destroy(w);
        return NULL;
    }
    return w;
}

void wrkload_destroy(struct wrkload *w) {
    if (!w) return;
    httpc_destroy(w->c);
    lathist_fini(&w->lat);
    struct stk_alloc a = w->alloc;
    stk_mem_free(&a, w);
}

struct httpc *wrkload_httpc(struct wrkload *w) {
    return w->c;
}

int wrkload_start(struct wrkload *w, struct sock *k) {
    if (w->started) return -1;
    uint64_t now = w_now(w);
    w->win_start = now + w->cfg.warmup;
    w->win_end = w->win_start + w->cfg.duration;
    if (w->win_end < w->win_start) w->win_end = UINT64_MAX;
    w->started = true;
    return httpc_start(w->c, k);
}

uint64_t wrkload_end(const struct wrkload *w) { return w->win_end; }

void wrkload_stop(struct wrkload *w) { httpc_stop(w->c); }

const struct lathist *wrkload_hist(const struct wrkload *w) { return &w->lat; }

void wrkload_result(const struct wrkload *w, struct wrkload_result *r) {
    memset(r, 0, sizeof *r);
    double s = (double)w->cfg.duration / 1e12;
    r->responses = w->responses;
    r->non2xx = w->non2xx;
    if (s > 0) {
        r->rps = (double)w->responses / s;
        r->bytes_per_s = (double)w->bytes / s;
    }
    r->p50 = lathist_quantile(&w->lat, 0.50);
    r->p90 = lathist_quantile(&w->lat, 0.90);
    r->p99 = lathist_quantile(&w->lat, 0.99);
    r->p999 = lathist_quantile(&w->lat, 0.999);
    r->max = w->lat.count ? w->lat.max : 0;
    r->mean = lathist_mean(&w->lat);
}
