/* sim/kernel/hold.c: the hold-model experiment. See hold.h. */
#include "sim/kernel/hold.h"

#include <stdlib.h>

#include "sim/kernel/json.h"
#include "sim/kernel/progress.h"
#include "sim/kernel/rng.h"
#include "sim/kernel/stats.h"

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
    const struct hold_config *c = exp_run_section(run, "hold");
    struct hold h = {
        .engine = run->engine,
        .mean = (double)c->mean_delay_ps,
        .limit = c->events,
        .warmup = SIM_NS(run->warmup_ns),
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
    uint64_t dur = run->duration_ns;
    sim_progress_set_end(run->progress, dur ? SIM_NS(dur) : 0, c->events);
    sim_engine_run_until(run->engine, dur ? SIM_NS(dur) : SIM_TIME_MAX);

    char drawn[160];
    if (h.delays.count)
        snprintf(drawn, sizeof drawn, "mean %.0f ps", stat_hist_mean(&h.delays));
    else /* nothing measured is not a mean of 0 */
        snprintf(drawn, sizeof drawn,
                 "none (0 after the warm-up: experiment.warmup_ns %llu outlasts the run)",
                 (unsigned long long)run->warmup_ns);
    snprintf(run->summary, sizeof run->summary,
             "  %llu events with %llu pending; delays drawn: %s (configured %llu)\n",
             (unsigned long long)h.ran, (unsigned long long)c->pending, drawn,
             (unsigned long long)c->mean_delay_ps);
    json_kv_uint(run->stats, "events", h.ran);
    json_kv_uint(run->stats, "sim_time_ps", sim_engine_now(run->engine));
    json_kv_uint(run->stats, "pending_at_end", sim_engine_pending_count(run->engine));
    json_key(run->stats, "delay_ps");
    stat_hist_write_json(&h.delays, run->stats, 1, "ps");
    stat_hist_fini(&h.delays);
    return TSR_EXIT_OK;
}

static const struct cfg_key hold_keys[] = {
    CFG_UINT_KEY(struct hold_config, pending, "1000", 1, 1e7, "events",
                 "Events kept pending in the queue (N of the classic hold model)."),
    CFG_UINT_KEY(struct hold_config, mean_delay_ps, "1000000", 1, 1e15, "ps",
                 "Mean of the exponentially distributed delay of each new event."),
    CFG_UINT_KEY(struct hold_config, events, "10000000", 0, 1e15, "events",
                 "Stop after this many events (0: run until experiment.duration_ns)."),
};
CFG_SECTION_DEF(hold_config_section, "hold",
                "The hold model: N pending events; each one run schedules one more at "
                "now + an exponential delay. Measures the engine.",
                hold_keys);

/* A run must end: after hold.events, or at experiment.duration_ns. */
bool hold_check(const struct exp_run *run, char *msg, size_t len) {
    const struct hold_config *c = exp_run_section(run, "hold");
    if (c->events || run->duration_ns) return true;
    snprintf(msg, len,
             "hold.events: 0 runs until experiment.duration_ns, which is 0 (no end): set one of "
             "them");
    return false;
}

static const char *const hold_sections[] = {"hold", NULL};
const struct exp_kind hold_kind = {"hold", hold_sections, hold_run, hold_check};
