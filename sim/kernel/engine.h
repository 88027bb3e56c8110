/* sim/kernel/engine.h: the discrete-event engine.
 *
 * What it does: keeps one queue of pending events ordered by (time, insertion
 * sequence) and runs them in that order. Equal-time events run in the order
 * they were scheduled, so a run is a pure function of its inputs. Time is an
 * unsigned 64-bit count of picoseconds (sim_time_t); there is no floating point
 * in time anywhere in Tessera.
 *
 * Memory: the engine owns its event records (a pool that grows by doubling and
 * is never shrunk during a run). It never owns ctx/arg pointers: the scheduler
 * of an event keeps them alive until the event has run or been cancelled.
 *
 * Cost: schedule is O(1), pop amortised O(number of hex digits of the time
 * span) (a radix heap of 16-byte keys, see engine.c); cancellation is O(1)
 * (the record is marked dead and dropped when it reaches the front; the queue
 * is compacted when dead records outnumber live ones, so memory stays within
 * 2x of the live event count). Measured by bench/engine_hold (docs/engine.md).
 *
 * Left out: parallel execution. Links (sim/link.h) declare their latency, which
 * is the lookahead a conservative parallel engine would need.
 */
#ifndef TESSERA_SIM_KERNEL_ENGINE_H
#define TESSERA_SIM_KERNEL_ENGINE_H

#include <stdbool.h>
#include <stdint.h>

typedef uint64_t sim_time_t; /* picoseconds */
#define SIM_TIME_MAX UINT64_MAX

#define SIM_PS(x) ((sim_time_t)(x))
#define SIM_NS(x) ((sim_time_t)(x)*1000u)
#define SIM_US(x) ((sim_time_t)(x)*1000000u)
#define SIM_MS(x) ((sim_time_t)(x)*1000000000u)

/* An event callback. ctx is the component, arg is per-event data. */
typedef void (*sim_event_fn)(void *ctx, void *arg);

/* Handle of a scheduled event, for sim_engine_cancel(). 0 is never a valid id. */
typedef uint64_t sim_event_id;

struct sim_engine;

struct sim_engine *sim_engine_create(void);
/* Frees the engine. Events still pending are dropped; the args of those
 * whose function has a discard hook (below) are freed by it. */
void sim_engine_destroy(struct sim_engine *e);

/* A component whose events carry a payload they own (a frame on a wire, a
 * frame on a cable) registers how to free it: when the run stops with such
 * an event pending (experiment.duration_ns), sim_engine_destroy() calls
 * discard(arg) for it, so nothing leaks. Registering the same fn again does
 * nothing; at most SIM_ENGINE_MAX_DISCARD functions (asserted). */
#define SIM_ENGINE_MAX_DISCARD 16
void sim_engine_on_discard(struct sim_engine *e, sim_event_fn fn, void (*discard)(void *arg));

/* The engine's first member: the current time, which sim_engine_now()
 * reads inline (components ask for it on every step). Read it only through
 * sim_engine_now(). */
struct sim_engine_clock {
    sim_time_t now;
};

/* Current simulated time: the time of the event being run, or of the last one. */
static inline sim_time_t sim_engine_now(const struct sim_engine *e) {
    return ((const struct sim_engine_clock *)(const void *)e)->now;
}

/* Schedule fn(ctx, arg) at absolute time t (t >= now; asserted). */
sim_event_id sim_engine_schedule_at(struct sim_engine *e, sim_time_t t, sim_event_fn fn, void *ctx,
                                    void *arg);
/* Schedule fn(ctx, arg) at now + delay. */
sim_event_id sim_engine_schedule_in(struct sim_engine *e, sim_time_t delay, sim_event_fn fn,
                                    void *ctx, void *arg);

/* Cancel a pending event. Returns true if it was pending (it will not run),
 * false if it already ran, was already cancelled, or id is 0. */
bool sim_engine_cancel(struct sim_engine *e, sim_event_id id);

/* True if the event is still pending. */
bool sim_engine_pending(const struct sim_engine *e, sim_event_id id);

/* Run events with time <= limit, in order, until the queue is empty, the limit
 * is passed, or sim_engine_stop() is called from an event. Time is left at the
 * last event run (not advanced to limit). Returns the number of events run. */
uint64_t sim_engine_run_until(struct sim_engine *e, sim_time_t limit);

/* Run exactly one event if one is pending; returns false when the queue is empty. */
bool sim_engine_step(struct sim_engine *e);

/* Ask the running sim_engine_run_until() to return after the current event. */
void sim_engine_stop(struct sim_engine *e);

/* From inside an event run by sim_engine_run_until(): when an event scheduled
 * now at time t (>= now) would be the very next one to run (no live event at
 * or before t, t within the run's limit, no sim_engine_stop()), moves the
 * time to t, counts the event as run and returns true: the caller goes on as
 * that event instead of scheduling it and returning. Otherwise changes
 * nothing and returns false (always outside run_until, and in
 * sim_engine_step()). What runs, in which order and at which time, is the
 * same either way. Cost: a look at the queue's minimum (the first step of
 * taking it), against a scheduling and a taking saved. */
bool sim_engine_advance_to(struct sim_engine *e, sim_time_t t);

/* Time of the next pending event, or SIM_TIME_MAX if none. */
sim_time_t sim_engine_next_time(struct sim_engine *e);

/* Live pending events (cancelled ones excluded). */
uint64_t sim_engine_pending_count(const struct sim_engine *e);
/* Events run since creation. */
uint64_t sim_engine_events_run(const struct sim_engine *e);

/* Optional hook called by run_until every `every` events (for progress lines
 * and deadlock watchdogs that want wall-clock-free pacing). */
typedef void (*sim_engine_tick_fn)(void *ctx, struct sim_engine *e);
void sim_engine_set_tick(struct sim_engine *e, uint64_t every, sim_engine_tick_fn fn, void *ctx);

#endif
