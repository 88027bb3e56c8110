/* sim/hold.c: the classic hold-model experiment (kind "hold").
 *
 * N events are kept pending; running one schedules another at now + an
 * exponentially distributed delay (mean hold.mean_delay_ps, from the
 * component's own stream). It exercises the event queue at a steady size and
 * is the engine's benchmark (bench/engine_hold.c drives the same loop) and the
 * smallest complete experiment. Stats: events run, simulated time reached and
 * a histogram of the delays drawn (whose mean must match the configured mean:
 * a check of the RNG and the histogram together).
 */
#include <stdlib.h>

#include "sim/experiment.h"
#include "sim/progress.h"
#include "sim/rng.h"
#include "sim/stats.h"

struct hold {
    struct sim_engine *engine;
    struct sim_rng rng;
    double mean;
    uint64_t limit; /* events to run; 0 = no limit */
    uint64_t ran;
    sim_time_t warmup;
    struct stat_hist delays;
};

static void hold_event(void *ctx, void *arg) {
    struct hold *h = ctx;
    (void)arg;
    h->ran++;
    if (h->limit && h->ran >= h->limit) {
        sim_engine_stop(h->engine);
        return;
    }
    sim_time_t d = (sim_time_t)sim_rng_exponential(&h->rng, h->mean);
    if (sim_engine_now(h->engine) >= h->warmup) stat_hist_record(&h->delays, d);
    sim_engine_schedule_in(h->engine, d, hold_event, h, NULL);
}

int hold_run(struct exp_run *run) {
    const struct hold_config *c = &run->cfg->hold;
    struct hold h = {
        .engine = run->engine,
        .mean = (double)c->mean_delay_ps,
        .limit = c->events,
        .warmup = SIM_NS(run->cfg->experiment.warmup_ns),
    };
    if (!stat_hist_init(&h.delays, STAT_HIST_DEFAULT_SUB_BITS)) {
        snprintf(run->stop_reason, sizeof run->stop_reason, "out of memory");
        return TSR_EXIT_RUN_FAILED;
    }
    sim_rng_init_named(&h.rng, run->seed, "hold");
    for (uint64_t i = 0; i < c->pending; i++) {
        sim_time_t d = (sim_time_t)sim_rng_exponential(&h.rng, h.mean);
        sim_engine_schedule_in(run->engine, d, hold_event, &h, NULL);
    }
    uint64_t dur = run->cfg->experiment.duration_ns;
    sim_progress_set_end(run->progress, dur ? SIM_NS(dur) : 0, c->events);
    sim_engine_run_until(run->engine, dur ? SIM_NS(dur) : SIM_TIME_MAX);

    snprintf(run->summary, sizeof run->summary,
             "  %llu events with %llu pending; delays drawn: mean %.0f ps (configured %llu)\n",
             (unsigned long long)h.ran, (unsigned long long)c->pending, stat_hist_mean(&h.delays),
             (unsigned long long)c->mean_delay_ps);
    json_kv_uint(run->stats, "events", h.ran);
    json_kv_uint(run->stats, "sim_time_ps", sim_engine_now(run->engine));
    json_kv_uint(run->stats, "pending_at_end", sim_engine_pending_count(run->engine));
    json_key(run->stats, "delay_ps");
    stat_hist_write_json(&h.delays, run->stats, 1, "ps");
    stat_hist_fini(&h.delays);
    return TSR_EXIT_OK;
}
