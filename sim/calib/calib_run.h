/* sim/calib/calib_run.h: the "tile-calib" experiment kind.
 *
 * Simulator-side harness (not tile code, not instrumented): builds chips from
 * the experiment's chip: and noc: sections and runs the calibration tile
 * programs of calib.h: pointer chases sized for L1, L2, remote L3 and DRAM
 * (from tile 0 and from the tile nearest the centre) and the coherence
 * ping-pong between tile 0 and tiles at growing distances. Writes the
 * measured cycles into the run's stats, the ping-pong table to
 * pingpong.csv, and the last ping-pong chip's per-tile profile to
 * tile_profile.csv and its stats under "chip".
 */
#ifndef TESSERA_SIM_CALIB_CALIB_RUN_H
#define TESSERA_SIM_CALIB_CALIB_RUN_H

#include "sim/kernel/exp.h"

int calib_run(struct exp_run *run);

/* The kind "tile-calib": reads chip and noc (the mesh's size, the UDN's
 * demux queues). */
extern const struct exp_kind calib_kind;

#endif
