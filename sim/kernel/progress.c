#include "sim/kernel/progress.h"

#include <stdbool.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

struct sim_progress {
    enum sim_progress_mode mode;
    FILE *out;
    bool tty;
    sim_time_t end_time;
    uint64_t end_events;
    double start, last_draw;
    bool drawn;
    /* the engine's tick: every `every` events, adapted so that the clock is
     * read about every TICK_TARGET_S of wall time whatever the event rate */
    uint64_t every;
    double last_tick;
};

#define TICK_TARGET_S 0.1
#define TICK_MIN_EVENTS 64
#define TICK_MAX_EVENTS (UINT64_C(1) << 30)

static double wall_now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

struct sim_progress *sim_progress_create(enum sim_progress_mode mode, FILE *out,
                                         sim_time_t end_time, uint64_t end_events) {
    struct sim_progress *p = calloc(1, sizeof *p);
    if (!p) return NULL;
    p->mode = mode;
    p->out = out;
    p->tty = isatty(fileno(out));
    p->end_time = end_time;
    p->end_events = end_events;
    p->start = p->last_draw = p->last_tick = wall_now();
    return p;
}

void sim_progress_destroy(struct sim_progress *p) { free(p); }

void sim_progress_set_end(struct sim_progress *p, sim_time_t end_time, uint64_t end_events) {
    if (!p) return;
    p->end_time = end_time;
    p->end_events = end_events;
}

double sim_progress_elapsed(const struct sim_progress *p) { return wall_now() - p->start; }

static void fmt_time(char *buf, size_t n, sim_time_t ps) {
    if (ps >= SIM_MS(1))
        snprintf(buf, n, "%.3f ms", (double)ps / 1e9);
    else if (ps >= SIM_US(1))
        snprintf(buf, n, "%.3f us", (double)ps / 1e6);
    else
        snprintf(buf, n, "%.3f ns", (double)ps / 1e3);
}

static void draw(struct sim_progress *p, double t, sim_time_t now, uint64_t events) {
    double elapsed = t - p->start;
    p->last_draw = t;
    char simt[32];
    fmt_time(simt, sizeof simt, now);
    double frac = -1;
    if (p->end_time) frac = (double)now / (double)p->end_time;
    if (p->end_events) {
        double f = (double)events / (double)p->end_events;
        if (f > frac) frac = f;
    }
    char eta[48] = "";
    if (frac > 0 && frac <= 1)
        snprintf(eta, sizeof eta, "  %3.0f%%  ~%.0f s left", frac * 100,
                 elapsed * (1 - frac) / frac);
    fprintf(p->out, "%ssim %s  %.2f M events/s%s%s", p->tty ? "\r\033[K" : "", simt,
            elapsed > 0 ? (double)events / elapsed / 1e6 : 0.0, eta, p->tty ? "" : "\n");
    fflush(p->out);
    p->drawn = true;
}

void sim_progress_update(struct sim_progress *p, sim_time_t now, uint64_t events) {
    if (!p || p->mode == SIM_PROGRESS_QUIET) return;
    if (p->mode == SIM_PROGRESS_AUTO && !p->tty) return;
    double t = wall_now();
    if (p->mode == SIM_PROGRESS_AUTO && t - p->start < 1.0) return;
    if (t - p->last_draw < 0.5 && p->drawn) return;
    draw(p, t, now, events);
}

void sim_progress_finish(struct sim_progress *p, sim_time_t now, uint64_t events) {
    if (!p) return;
    if (p->mode == SIM_PROGRESS_FORCE) { /* the final state, on a line of its own */
        draw(p, wall_now(), now, events);
        if (p->tty) fputc('\n', p->out);
    } else if (p->drawn && p->tty) {
        fputs("\r\033[K", p->out);
    }
    fflush(p->out);
}

void sim_progress_tick(void *ctx, struct sim_engine *e) {
    struct sim_progress *p = ctx;
    sim_progress_update(p, sim_engine_now(e), sim_engine_events_run(e));
    if (!p || !p->every) return;
    /* adapt the interval to the event rate: aim at TICK_TARGET_S between
     * looks at the clock (never more than 4x, never less than a quarter at
     * once, so one slow event does not swing it) */
    double t = wall_now(), dt = t - p->last_tick;
    p->last_tick = t;
    double f = dt > 0 ? TICK_TARGET_S / dt : 4.0;
    if (f > 4.0) f = 4.0;
    if (f < 0.25) f = 0.25;
    double next = (double)p->every * f;
    uint64_t every = next < TICK_MIN_EVENTS   ? TICK_MIN_EVENTS
                     : next > TICK_MAX_EVENTS ? TICK_MAX_EVENTS
                                              : (uint64_t)next;
    if (every != p->every) {
        p->every = every;
        sim_engine_set_tick(e, every, sim_progress_tick, p);
    }
}

void sim_progress_attach(struct sim_progress *p, struct sim_engine *e, uint64_t first_every) {
    if (!p) return;
    p->every = first_every ? first_every : 1;
    p->last_tick = wall_now();
    sim_engine_set_tick(e, p->every, sim_progress_tick, p);
}
