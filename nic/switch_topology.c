/* nic/switch_topology.c: building the outside network. See switch_topology.h. */
#include "nic/switch_topology.h"

#include <stdio.h>
#include <stdlib.h>

#include "sim/kernel/json.h"

struct switch_topology *switch_topology_build(struct sim_engine *e, const struct nic_config *cfg,
                                              struct mpipe *const *chips, unsigned nchips,
                                              unsigned nclients, char *err, size_t errlen) {
    if (nchips == 0) {
        snprintf(err, errlen, "nic.topology: needs at least one chip");
        return NULL;
    }
    struct switch_topology *t = calloc(1, sizeof *t);
    if (!t) {
        snprintf(err, errlen, "nic.topology: out of memory");
        return NULL;
    }
    t->kind = cfg->topology;
    t->nchips = nchips;
    t->nclients = nclients;
    if (cfg->topology == NIC_TOPO_DIRECT) {
        if (nchips != 2 || nclients != 0) {
            snprintf(err, errlen,
                     "nic.topology: direct joins exactly 2 chips and no clients, given %u chips "
                     "and %u clients",
                     nchips, nclients);
            free(t);
            return NULL;
        }
        eth_cable_connect(mpipe_port(chips[0], 0), mpipe_port(chips[1], 0));
        return t;
    }
    unsigned per_chip = (unsigned)cfg->mpipe.ports;
    t->client_base = nchips * per_chip;
    t->sw = switch_create(e, cfg, t->client_base + nclients, "switch");
    if (!t->sw) {
        snprintf(err, errlen, "nic.topology: cannot create a switch of %u ports",
                 t->client_base + nclients);
        free(t);
        return NULL;
    }
    for (unsigned c = 0; c < nchips; c++) {
        unsigned members[16];
        for (unsigned p = 0; p < per_chip; p++) {
            eth_cable_connect(mpipe_port(chips[c], p), switch_port(t->sw, c * per_chip + p));
            if (p < 16) members[p] = c * per_chip + p;
        }
        if (per_chip >= 2 && per_chip <= 16 &&
            switch_bond(t->sw, members, per_chip, err, errlen) < 0) {
            switch_topology_destroy(t);
            return NULL;
        }
    }
    return t;
}

struct eth_port *switch_topology_client_port(struct switch_topology *t, unsigned i) {
    if (!t->sw || i >= t->nclients) return NULL;
    return switch_port(t->sw, t->client_base + i);
}

void switch_topology_destroy(struct switch_topology *t) {
    if (!t) return;
    switch_destroy(t->sw);
    free(t);
}

void switch_topology_write_stats(const struct switch_topology *t, struct json_writer *w) {
    json_object_begin(w);
    json_kv_string(w, "kind", nic_topology_names[t->kind]);
    json_key(w, "switch");
    if (t->sw)
        switch_write_stats(t->sw, w);
    else
        json_null(w);
    json_object_end(w);
}
