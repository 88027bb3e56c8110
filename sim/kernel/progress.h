/* sim/kernel/progress.h: the progress line on stderr for long runs.
 *
 * Shows simulated time reached, events per host second and the estimated
 * time left, redrawn in place about twice a second. Shown when stderr is a
 * terminal and the run has lasted more than a second (mode AUTO), always
 * (FORCE, --progress) or never (QUIET, --quiet). It reads the wall clock, but
 * only to draw this line: nothing it sees reaches results.
 *
 * Memory: heap object (_create/_destroy). Cost: one clock read per call;
 * attached to an engine (sim_progress_attach) it is called every
 * experiment.progress_every events at first, then at an interval adapted to
 * the event rate.
 */
#ifndef TESSERA_SIM_KERNEL_PROGRESS_H
#define TESSERA_SIM_KERNEL_PROGRESS_H

#include <stdint.h>
#include <stdio.h>

#include "sim/kernel/engine.h"

enum sim_progress_mode { SIM_PROGRESS_AUTO, SIM_PROGRESS_FORCE, SIM_PROGRESS_QUIET };

struct sim_progress;

/* end_time: simulated time at which the run ends (0 if unknown); end_events:
 * events after which it ends (0 if unknown). Either gives the estimate. */
struct sim_progress *sim_progress_create(enum sim_progress_mode mode, FILE *out,
                                         sim_time_t end_time, uint64_t end_events);
void sim_progress_destroy(struct sim_progress *p);
/* An experiment that knows better when it ends says so (either may be 0). */
void sim_progress_set_end(struct sim_progress *p, sim_time_t end_time, uint64_t end_events);
void sim_progress_update(struct sim_progress *p, sim_time_t now, uint64_t events);
/* End of the run: clears the line (AUTO), or draws the final state (FORCE). */
void sim_progress_finish(struct sim_progress *p, sim_time_t now, uint64_t events);
/* Host seconds since creation (for the host section of summary.json). */
double sim_progress_elapsed(const struct sim_progress *p);

/* Engine tick callback: ctx is a struct sim_progress. */
void sim_progress_tick(void *ctx, struct sim_engine *e);
/* Look at the clock every first_every events of e at first, then at an
 * interval that adapts to the event rate (about every 0.1 s of wall time),
 * so the line updates on time whether an event costs 50 ns or 50 us. */
void sim_progress_attach(struct sim_progress *p, struct sim_engine *e, uint64_t first_every);

#endif
