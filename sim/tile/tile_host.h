/* sim/tile/tile_host.h: the CPU model of client hosts.
 *
 * Client hosts (nic/) run the uninstrumented build of the stack and the load
 * generators, so their cost cannot be measured by instrumentation. A handler
 * run on a host costs chip.host.handler_cycles + bytes x cycles_per_byte at
 * chip.host.freq_hz: enough to give a host a finite speed without claiming a
 * model of its microarchitecture (all [A]; sweep them).
 *
 * Memory: none. Cost: a multiply and a divide.
 */
#ifndef TESSERA_SIM_TILE_TILE_HOST_H
#define TESSERA_SIM_TILE_TILE_HOST_H

#include <stdint.h>

#include "sim/kernel/engine.h"
#include "sim/tile/chip_config.h"

/* Simulated time a host handler takes that touches `bytes` of payload. */
sim_time_t tile_host_cost(const struct chip_host_config *h, uint64_t bytes);

#endif
