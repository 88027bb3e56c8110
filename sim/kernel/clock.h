/* sim/kernel/clock.h: clock domains and exact cycle <-> picosecond conversion.
 *
 * A clock domain is given by its frequency in Hz. Its period in picoseconds is
 * kept as the reduced fraction 10^12 / f, so a 1.2 GHz clock (833.33.. ps) has
 * edges at floor(k * 2500 / 3) ps and never drifts: cycle k of any domain is at
 * the same picosecond however it is reached. No floating point is involved.
 *
 * Cost: a 128-bit multiply and divide per conversion. Memory: value type.
 */
#ifndef TESSERA_SIM_KERNEL_CLOCK_H
#define TESSERA_SIM_KERNEL_CLOCK_H

#include <stdint.h>

#include "sim/kernel/engine.h"

struct sim_clock {
    uint64_t freq_hz;
    uint64_t num, den; /* period = num / den picoseconds, reduced */
};

/* freq_hz must be in 1 .. 10^12 (asserted; configs check it before). */
void sim_clock_init(struct sim_clock *c, uint64_t freq_hz);

/* Time of edge `cycles` (edge 0 at t = 0). */
sim_time_t sim_clock_cycles_to_ps(const struct sim_clock *c, uint64_t cycles);
/* Whole cycles elapsed by time t (floor). */
uint64_t sim_clock_ps_to_cycles(const struct sim_clock *c, sim_time_t t);
/* Smallest edge index whose time is >= t. */
uint64_t sim_clock_cycle_at_or_after(const struct sim_clock *c, sim_time_t t);
/* Time of the first edge at or after t. */
sim_time_t sim_clock_next_edge(const struct sim_clock *c, sim_time_t t);

#endif
