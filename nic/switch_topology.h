/* nic/switch_topology.h: the network outside the chips, built from
 * nic.topology: `switch` joins every chip's ports and the client hosts'
 * ports at one switch, each chip's ports bonded (L3+L4 hash, DLibOS §5);
 * `direct` joins port 0 of two chips with a cable (NetPIPE, §5) and has no
 * clients.
 *
 * Memory: the topology owns the switch; chips belong to the caller and must
 * outlive it. The client ports are switch ports: cable each client host's
 * port to one (eth_cable_connect). Cost: creation only.
 */
#ifndef TESSERA_NIC_SWITCH_TOPOLOGY_H
#define TESSERA_NIC_SWITCH_TOPOLOGY_H

#include <stddef.h>

#include "nic/mpipe.h"
#include "nic/switch.h"

struct switch_topology {
    int kind; /* enum nic_topology */
    struct nic_switch *sw;
    unsigned nchips, nclients, client_base;
};

/* NULL and a message naming nic.topology on an impossible combination
 * (direct with other than 2 chips or with clients; no chips). */
struct switch_topology *switch_topology_build(struct sim_engine *e, const struct nic_config *cfg,
                                              struct mpipe *const *chips, unsigned nchips,
                                              unsigned nclients, char *err, size_t errlen);
/* The switch port for client i (NULL if out of range or direct). */
struct eth_port *switch_topology_client_port(struct switch_topology *t, unsigned i);
void switch_topology_destroy(struct switch_topology *t);
/* {"kind", "switch":{...} or null} */
void switch_topology_write_stats(const struct switch_topology *t, struct json_writer *w);

#endif
