#include "workloads/sla.h"

#include <string.h>

bool sla_ok(const struct sla_config *cfg, double qps, double p99, double achieved) {
    if (p99 > cfg->p99_max) return false;
    return cfg->min_achieved <= 0 || achieved >= cfg->min_achieved * qps;
}

/* One run, recorded; the best so far updated. */
static int one(const struct sla_config *cfg, sla_run_fn run, void *ctx, double q,
               struct sla_result *out, bool *ok) {
    double p99 = 0, got = 0;
    int rc = run(ctx, q, &p99, &got);
    if (rc) return rc;
    *ok = sla_ok(cfg, q, p99, got);
    out->trace[out->runs++] = (struct sla_point){q, p99, got, *ok};
    if (*ok && (!out->found || q > out->qps)) {
        out->found = true;
        out->qps = q;
        out->p99 = p99;
        out->achieved = got;
    }
    return 0;
}

int sla_search(const struct sla_config *cfg, sla_run_fn run, void *ctx, struct sla_result *out) {
    memset(out, 0, sizeof *out);
    unsigned max = cfg->max_runs ? cfg->max_runs : SLA_MAX_RUNS;
    if (!run || !(cfg->lo > 0) || !(cfg->hi > cfg->lo) || max < 2 || max > SLA_MAX_RUNS ||
        cfg->rel_tol < 0)
        return -1;
    bool ok;
    int rc = one(cfg, run, ctx, cfg->lo, out, &ok);
    if (rc || !ok) return rc;
    rc = one(cfg, run, ctx, cfg->hi, out, &ok);
    if (rc || ok) return rc;
    double lo = cfg->lo, hi = cfg->hi;
    while (out->runs < max && hi - lo > cfg->rel_tol * lo) {
        double mid = lo + (hi - lo) / 2;
        rc = one(cfg, run, ctx, mid, out, &ok);
        if (rc) return rc;
        if (ok)
            lo = mid;
        else
            hi = mid;
    }
    return 0;
}
