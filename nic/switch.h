/* nic/switch.h: a store-and-forward Ethernet switch joining chip ports and
 * client hosts, with link aggregation (bonding) by an L3+L4 hash.
 *
 * What it does: the switch owns `nports` Ethernet ports (cable them to
 * chips, hosts or other switches with eth_cable_connect). A frame fully
 * received on a port is forwarded latency_ns later: it learns the source
 * MAC (on a bonded port it learns the bond), then sends to the learned port
 * of the destination MAC, or floods (broadcast, multicast, unknown) to
 * every other port. A bond (switch_bond) is a group of ports that act as one
 * link, as the 4 chip ports of the paper's server (DLibOS §5, "bonded at the
 * switch using an L3+L4 hash"): a frame for the bond leaves on member
 * hash % members, where the hash folds src/dst IPv4 addresses and TCP/UDP
 * ports (as Linux bonding's layer3+4 policy; MACs for non-IP frames), so
 * a flow always takes one member. A flood sends one copy per bond.
 * Each port has an output queue of port_queue_frames; a frame finding it
 * full is dropped and counted; frames for the port they came from are
 * filtered (counted).
 *
 * Memory: the switch owns its ports, queues and MAC table; frames waiting
 * for the forwarding latency are freed by the engine if the run stops
 * first (sim_engine_on_discard); frames in its
 * queues are freed by _destroy. Cost: one event per forwarded frame plus
 * the ports' events; a flood copies the frame once per output.
 * Left out: VLANs, spanning tree, MAC ageing, per-priority queues, shared
 * buffer accounting, cut-through forwarding.
 */
#ifndef TESSERA_NIC_SWITCH_H
#define TESSERA_NIC_SWITCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "nic/eth.h"
#include "nic/eth_pkt.h"
#include "nic/nic_config.h"

struct json_writer;

#define SWITCH_MAX_BONDS 64u

struct switch_port_stats {
    uint64_t forwarded, flooded, filtered, drop_queue_full;
};

struct switch_mac_entry {
    uint64_t mac;   /* 48 bits; 0 = empty slot */
    int32_t target; /* port, or -(bond + 1) */
};

struct nic_switch {
    struct sim_engine *engine;
    const struct nic_config *cfg;
    char name[48];
    unsigned nports;
    struct eth_port *port;
    int *bond_of;          /* bond of each port, -1 if none */
    struct eth_frame ***q; /* per port output queue */
    uint64_t *qhead, *qlen;
    struct switch_port_stats *pst;
    unsigned nbonds;
    unsigned bond_members[SWITCH_MAX_BONDS][16];
    unsigned bond_n[SWITCH_MAX_BONDS];
    struct switch_mac_entry *mac;
    uint64_t mac_cap, mac_used;
    uint64_t mac_table_full; /* learnings refused for a full table */
};

/* NULL if nports is 0 or memory runs out. */
struct nic_switch *switch_create(struct sim_engine *e, const struct nic_config *cfg,
                                 unsigned nports, const char *name);
void switch_destroy(struct nic_switch *s);
struct eth_port *switch_port(struct nic_switch *s, unsigned i);
/* Bond ports[0..n) (2..16 ports, none bonded yet). Returns the bond id, or
 * -1 (message in err) on bad arguments. */
int switch_bond(struct nic_switch *s, const unsigned *ports, unsigned n, char *err, size_t errlen);
/* The member index (0..n-1) the L3+L4 hash picks for this frame. */
unsigned switch_bond_hash(const uint8_t *frame, size_t len, unsigned n);
void switch_write_stats(const struct nic_switch *s, struct json_writer *w);

#endif
