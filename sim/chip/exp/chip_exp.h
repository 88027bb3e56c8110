/* sim/chip/exp/chip_exp.h: the whole-chip experiment kind `chip`: DLibOS
 * (or RTC) on the simulated chip serving client hosts through the switch.
 *
 * What it builds (docs/chip.md): the chip from `chip` and its mesh and UDN
 * from `noc` (sim/chip/chip_udn.h); the NIC from `nic` with its ports bonded
 * at the switch (L3+L4 hash) and `clients.hosts` client hosts on their own
 * ports (nic/switch_topology.h, nic/host/client_host.h); the layout
 * (`dlibos.layout`): device ring i goes to the i-th stack tile (net or rtc)
 * in tile order, eDMA ring i mod nic.mpipe.edma_rings (shared rings are
 * taken under a spin lock); network tiles run workloads/tile/net_tile.h,
 * application tiles workloads/tile/app_tile.h, RTC tiles
 * workloads/tile/rtc_tile.h, with the server of `workload` (its files
 * preloaded into each process's heap, which is registered with the NIC);
 * the client hosts run the closed-loop HTTP client (workloads/httpc.h)
 * over their native stacks (workload.app http-client: the other way round,
 * the tiles run the clients and the hosts httpd; netpipe: NetPIPE's
 * receiver on the tiles, its transmitter on client host 0 or, with
 * nic.topology direct, on a second chip cabled to port 0, built like the
 * first, whose first application or RTC tile runs it as tile code; the
 * run's chips are `struct chip_side`s; with clients.tap, no client hosts
 * and no switch: port 0 is bridged to a Linux TAP device and the run is
 * paced to the wall clock, sim/chip/exp/tap_bridge.h). The clients start
 * clients.start_us after every tile program's set-up; warm-up and duration
 * count from there (duration 0: until the clients are done, failing after
 * 10 s simulated without progress). The mesh's deadlock detector stops a
 * run (exit 4). Addresses: the chip is 10.0.0.1 (MAC
 * 02:00:00:00:00:01), the peer chip 10.0.0.2 (02:00:00:00:00:02), client
 * i is 10.0.0.(11 + i); every stack knows the others' MACs (static
 * neighbours).
 *
 * Outputs: summary.json stats (requests, rates, latency percentiles, client
 * errors, ACK delays, per-tile cycles by label, stack counters per stack
 * tile, UDN traffic, NIC drops by cause, the chip's stats, a deadlock's
 * wait-for cycle; netpipe's sizes and errors), tile_profile.csv,
 * udn_pairs.csv, links.csv, netpipe.csv, and the pcap files nic.pcap_ports
 * names (the chip under test's and the peer's stats only: the peer's tiles
 * are not reported).
 *
 * Memory: everything is built and freed inside chip_exp_run. Cost: the
 * tiles' handlers, the mesh's cycles while messages are in flight, the
 * NIC's and the hosts' events.
 */
#ifndef TESSERA_SIM_CHIP_EXP_CHIP_EXP_H
#define TESSERA_SIM_CHIP_EXP_CHIP_EXP_H

#include "sim/kernel/exp.h"

extern const struct exp_kind chip_kind;

#endif
