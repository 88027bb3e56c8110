/* nic/exp/nic_echo_exp.h: the "nic-echo" experiment kind: tiles, caches, the
 * NIC and its DMA together, from a YAML file (configs/experiments/nic-echo.yaml).
 *
 * What it does: builds the chip (chip:, mesh size from noc.width/height),
 * the mPIPE-like device on it (nic:, nic/chip_nic.h: DMA through the chip's
 * regions and cache model), and starts the echo tile program
 * (workloads/tile/echo_tile.h, instrumented tile code) on nic.echo.echo_tiles
 * network tiles first_tile, first_tile + 1, ...: echo tile i listens to
 * notification ring i on its tile ring 0 and sends on eDMA ring i, bound to
 * port 0. A frame generator (nic/eth_gen.h) cabled to port 0 sends
 * nic.echo.frames UDP frames of nic.echo.frame_bytes (with FCS) over
 * nic.echo.flows flows at nic.echo.rate of the line rate and receives the
 * echoes. The engine runs until every event is done (or
 * experiment.duration_ns).
 *
 * Results (summary.json "stats"): frames generated / echoed / dropped by
 * cause (device, port, echo tile) and unaccounted; offered and achieved rate
 * (Mpps, Gb/s of frame bits with FCS, fraction of line rate); the round-trip
 * latency of the echoed frames (ns, stat_hist: from the generator handing the
 * frame to its port to the echo's last bit arriving back, matched by the
 * sequence number the generator writes into the payload; frames sent before
 * experiment.warmup_ns are left out); the device and DMA counters
 * (chip_nic_write_stats, with mpipe_write_stats); both ports; per echo tile
 * its counters, busy fraction and driver share; the chip's counters; the
 * pcap files written (pcap_files). CSV: tile_profile.csv (tile,role,label,
 * cycles of every tile). run->summary: 4 lines, a fifth listing pcap files.
 *
 * Captures: nic.pcap_ports names ports among gen (the generator's) and
 * chip0.p0 .. (nic_echo_port_name); each writes <out_dir>/<port>.pcap
 * (nic/capture.h), closed after the run.
 *
 * Memory: everything is created and freed inside nic_echo_run; the
 * send-time table holds min(frames, 2^20) slots of 16 B.
 * Cost: the benchmark bench/nic_tile_echo.c measures the same setup.
 * Left out: echoing on other ports, TCP frames, reading the payload in the
 * echo tile (it returns each buffer untouched).
 */
#ifndef TESSERA_NIC_EXP_NIC_ECHO_EXP_H
#define TESSERA_NIC_EXP_NIC_ECHO_EXP_H

#include "sim/kernel/exp.h"

/* TSR_EXIT_OK; TSR_EXIT_BAD_INPUT (stop_reason names the key) when nic.echo
 * does not fit the chip or the device, or nic_config_check refuses nic:;
 * TSR_EXIT_RUN_FAILED on a tile fault or a file (table, pcap) that cannot be
 * written. */
int nic_echo_run(struct exp_run *run);

/* The kind "nic-echo": reads chip, noc, nic. */
extern const struct exp_kind nic_echo_kind;

#endif
