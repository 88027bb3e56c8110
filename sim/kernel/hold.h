/* sim/kernel/hold.h: the classic hold-model experiment (kind "hold"), the
 * engine's benchmark and the smallest complete experiment.
 *
 * N events are kept pending; running one schedules another at now + an
 * exponentially distributed delay (mean hold.mean_delay_ps, from the
 * component's own stream). It exercises the event queue at a steady size
 * (bench/engine_hold.c drives the same loop). Stats: events run, simulated
 * time reached and a histogram of the delays drawn (whose mean must match the
 * configured mean: a check of the RNG and the histogram together).
 * Memory: everything it allocates is freed before hold_run returns.
 */
#ifndef TESSERA_SIM_KERNEL_HOLD_H
#define TESSERA_SIM_KERNEL_HOLD_H

#include <stdint.h>

#include "sim/kernel/config.h"
#include "sim/kernel/exp.h"

/* hold: the section of the root configuration. */
struct hold_config {
    uint64_t pending;       /* events kept pending */
    uint64_t mean_delay_ps; /* mean of the exponential delay */
    uint64_t events;        /* stop after this many events (0 = until duration) */
};
extern const struct cfg_section hold_config_section;

int hold_run(struct exp_run *run);
/* A run must end: false (with "hold.events: ...") when hold.events and
 * experiment.duration_ns are both 0. Called before the run (experiment.c). */
bool hold_check(const struct exp_run *run, char *msg, size_t len);

/* The kind "hold": reads hold. */
extern const struct exp_kind hold_kind;

#endif
