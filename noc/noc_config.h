/* noc/noc_config.h: configuration of the on-chip network (the `noc:` section).
 *
 * Declared once here, with type, default, range, unit and source; the root
 * schema (sim/experiment.c) embeds it. See docs/config-reference.md and
 * docs/noc.md. Every key has a default, so a config that does not use the NoC
 * still binds. Names that the config cannot check by itself (the routing
 * function, the hotspot tile against the mesh size) are checked when the mesh
 * is built (noc_config_check()).
 */
#ifndef TESSERA_NOC_NOC_CONFIG_H
#define TESSERA_NOC_NOC_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sim/kernel/config.h"

/* noc.traffic: the synthetic-traffic experiment (kind noc-synthetic). */
enum noc_pattern {
    NOC_PAT_UNIFORM,        /* any tile, the source included (BookSim's uniform) */
    NOC_PAT_UNIFORM_NOSELF, /* any tile but the source */
    NOC_PAT_TRANSPOSE,      /* (x, y) -> (y, x); square meshes only */
    NOC_PAT_BITCOMP,        /* (x, y) -> (W-1-x, H-1-y) */
    NOC_PAT_HOTSPOT,        /* hotspot_tile with hotspot_fraction, else uniform */
    NOC_PAT_NEIGHBOUR,      /* one of the (up to 4) adjacent tiles, uniformly */
};
extern const char *const noc_pattern_names[];

struct noc_traffic_config {
    int pattern;           /* enum noc_pattern */
    double injection_rate; /* flits/node/cycle offered */
    uint64_t packet_flits;
    uint64_t hotspot_tile;
    double hotspot_fraction;
    uint64_t warmup_cycles;
    uint64_t measure_cycles;
    uint64_t drain_max_cycles;
};

/* noc.deadlock: the run-time detector. */
struct noc_deadlock_config {
    bool detect;
    uint64_t window_cycles;
};

/* noc.udn: the user dynamic network endpoints. */
struct noc_udn_config {
    uint64_t injection_depth_words;
    uint64_t demux_depth_words;
    uint64_t ejection_depth_flits;
};

/* noc.msgdep: the message-dependent deadlock example (kind noc-msgdep). */
enum noc_msgdep_mode {
    NOC_MSGDEP_STALL,  /* plain stalling sends, receive queues never drained */
    NOC_MSGDEP_CREDIT, /* credit-checked sends, queue in memory, keep draining */
};
extern const char *const noc_msgdep_mode_names[];

struct noc_msgdep_config {
    int mode; /* enum noc_msgdep_mode */
    uint64_t message_words;
    uint64_t messages;
};

struct noc_config {
    uint64_t width;  /* tiles in X */
    uint64_t height; /* tiles in Y */
    uint64_t freq_hz;
    char *routing; /* name in the routing registry (noc/noc_route.h) */
    uint64_t router_delay_cycles;
    uint64_t link_delay_cycles;
    uint64_t credit_delay_cycles;
    uint64_t injection_delay_cycles;
    uint64_t ejection_delay_cycles;
    uint64_t buffer_depth_flits;
    struct noc_traffic_config traffic;
    struct noc_deadlock_config deadlock;
    struct noc_udn_config udn;
    struct noc_msgdep_config msgdep;
};

extern const struct cfg_section noc_config_section;

/* Limits of the UDN message format [S TMC]. */
#define NOC_UDN_MAX_WORDS 126u
#define NOC_UDN_QUEUES 4u

/* Checks what the schema cannot: the routing name exists (with a did-you-mean
 * when it does not), the hotspot tile is inside the mesh, transpose gets a
 * square mesh. Writes one message naming the key into err and returns false
 * on the first problem. */
bool noc_config_check(const struct noc_config *c, char *err, size_t errlen);

#endif
