/* sim/chip/exp/tap_bridge.h: a simulated Ethernet port bridged to a Linux
 * TAP device, with the simulation paced to the wall clock, so that real
 * programs (curl, memccapable) talk to the simulated chip.
 *
 * What it does: frames the port receives from its cable are written to the
 * TAP device at once; frames the device delivers are read at pacing events
 * every pace_ps of simulated time and sent into the port at that time, as
 * many as the port's FIFO takes (the rest wait in the device's queue until
 * it has room). A
 * pacing event first waits (in ppoll on the device, so arriving frames cut
 * the wait short) until the wall clock has reached its simulated time
 * (measured from the first pacing event): the simulation never runs ahead
 * of the wall clock by more than one pacing period. When it falls behind
 * (the simulation is slower than real time), it does not wait, and the
 * lag is measured and reported (max_lag_ps, late_paces): time is never
 * distorted silently. Real-time runs are not deterministic.
 *
 * Memory: owns the device and its port; frames in flight are the port's.
 * Cost: one engine event per pacing period, one syscall per frame.
 */
#ifndef TESSERA_SIM_CHIP_EXP_TAP_BRIDGE_H
#define TESSERA_SIM_CHIP_EXP_TAP_BRIDGE_H

#include <stddef.h>
#include <stdint.h>

#include "nic/eth.h"
#include "sim/kernel/engine.h"

struct json_writer;

struct tap_bridge_stats {
    uint64_t rx_frames, tx_frames; /* read from / written to the device */
    uint64_t rx_refused;           /* read but not sent: no memory for a copy */
    uint64_t tx_errors, paces, late_paces;
    sim_time_t max_lag_ps; /* the most the simulation was behind the wall clock */
};

struct tap_bridge;

/* NULL with a message when the device cannot be opened. */
struct tap_bridge *tap_bridge_create(struct sim_engine *e, const struct nic_eth_config *eth,
                                     const char *ifname, sim_time_t pace_ps, char *err,
                                     size_t errlen);
void tap_bridge_destroy(struct tap_bridge *b);
struct eth_port *tap_bridge_port(struct tap_bridge *b);
/* Starts pacing (and reading the device) at simulated time t. */
void tap_bridge_start(struct tap_bridge *b, sim_time_t t);
const struct tap_bridge_stats *tap_bridge_stats(const struct tap_bridge *b);

#endif
