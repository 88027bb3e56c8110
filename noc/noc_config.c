/* noc/noc_config.c: the `noc:` schema and the checks it cannot express.
 * See noc_config.h. */
#include "noc/noc_config.h"

#include <stdio.h>
#include <string.h>

#include "noc/noc_route.h"

const char *const noc_pattern_names[] = {
    "uniform", "uniform-noself", "transpose", "bit-complement", "hotspot", "neighbour", NULL,
};

const char *const noc_msgdep_mode_names[] = {"stall", "credit", NULL};

static const struct cfg_key traffic_keys[] = {
    CFG_ENUM_KEY(struct noc_traffic_config, pattern, "uniform", noc_pattern_names,
                 "Destination pattern: uniform (source included, as BookSim), uniform-noself, "
                 "transpose (x,y)->(y,x), bit-complement (x,y)->(W-1-x,H-1-y), hotspot, "
                 "neighbour (a random adjacent tile) [A]."),
    CFG_DOUBLE_KEY(struct noc_traffic_config, injection_rate, "0.1", 0, 1, "flits/node/cycle",
                   "Offered load; each node starts a packet in a cycle with probability "
                   "injection_rate / packet_flits (Bernoulli) [A]."),
    CFG_UINT_KEY(
        struct noc_traffic_config, packet_flits, "5", 1, 127, "flits",
        "Packet length including its header flit (BookSim reference: 5) [S noc-reference]."),
    CFG_UINT_KEY(struct noc_traffic_config, hotspot_tile, "0", 0, 65535, "tile",
                 "Hotspot destination (row-major tile id) of the hotspot pattern [A]."),
    CFG_DOUBLE_KEY(struct noc_traffic_config, hotspot_fraction, "0.2", 0, 1, "",
                   "Fraction of packets sent to the hotspot tile; the rest are uniform [A]."),
    CFG_UINT_KEY(struct noc_traffic_config, warmup_cycles, "10000", 0, 1e12, "cycles",
                 "Warm-up before measuring (BookSim reference: 10000) [S noc-reference]."),
    CFG_UINT_KEY(struct noc_traffic_config, measure_cycles, "100000", 1, 1e12, "cycles",
                 "Measurement window: packets created in it are the sample "
                 "(BookSim reference: 100000) [S noc-reference]."),
    CFG_UINT_KEY(struct noc_traffic_config, drain_max_cycles, "100000", 0, 1e12, "cycles",
                 "Longest drain after the window; a sample not delivered by then marks the "
                 "load as beyond saturation [A]."),
};
static CFG_SECTION_DEF(traffic_section, "traffic",
                       "Synthetic traffic (experiment kind noc-synthetic).", traffic_keys);

static const struct cfg_key deadlock_keys[] = {
    CFG_BOOL_KEY(struct noc_deadlock_config, detect, "true",
                 "Run the wait-for-graph deadlock detector when nothing moves for a window [D]."),
    CFG_UINT_KEY(struct noc_deadlock_config, window_cycles, "10000", 1, 1e12, "cycles",
                 "Cycles without any flit moving, while flits wait, before the wait-for graph "
                 "is built [A]."),
};
static CFG_SECTION_DEF(deadlock_section, "deadlock", "Run-time deadlock detection.", deadlock_keys);

static const struct cfg_key udn_keys[] = {
    CFG_UINT_KEY(struct noc_udn_config, injection_depth_words, "32", 1, 65536, "words",
                 "Per-tile injection buffer; a send into a full buffer stalls the tile; depth "
                 "not found [A]."),
    CFG_UINT_KEY(struct noc_udn_config, demux_depth_words, "32", 1, 65536, "words",
                 "Each of the 4 demux receive queues of a tile; depth not found, 32 a "
                 "starting point [S tilegx.md, A]."),
    CFG_UINT_KEY(struct noc_udn_config, ejection_depth_flits, "4", 1, 65536, "flits",
                 "Buffer between the router's local output and the demux queues [A]."),
};
static CFG_SECTION_DEF(udn_section, "udn", "UDN endpoints (noc/udn.h).", udn_keys);

static const struct cfg_key msgdep_keys[] = {
    CFG_ENUM_KEY(struct noc_msgdep_config, mode, "stall", noc_msgdep_mode_names,
                 "stall: pairs of tiles send to each other with stalling sends and never drain "
                 "(deadlocks, paper 4.3); credit: sends are credit-checked, queued in memory, "
                 "and receive queues are drained (completes) [P]."),
    CFG_UINT_KEY(struct noc_msgdep_config, message_words, "16", 1, NOC_UDN_MAX_WORDS, "words",
                 "Payload words per message (plus one header word) [A]."),
    CFG_UINT_KEY(struct noc_msgdep_config, messages, "64", 1, 1e9, "messages",
                 "Messages each tile sends to its partner [A]."),
};
static CFG_SECTION_DEF(msgdep_section, "msgdep",
                       "Message-dependent deadlock example (experiment kind noc-msgdep).",
                       msgdep_keys);

static const struct cfg_key noc_keys[] = {
    CFG_UINT_KEY(struct noc_config, width, "6", 1, 256, "tiles",
                 "Mesh width (tiles in X). TILE-Gx36: 6 [P]."),
    CFG_UINT_KEY(struct noc_config, height, "6", 1, 256, "tiles",
                 "Mesh height (tiles in Y). TILE-Gx36: 6 [P]."),
    CFG_UINT_KEY(struct noc_config, freq_hz, "1200000000", 1e6, 1e11, "Hz",
                 "Mesh clock; the mesh runs at the core clock on TILE-Gx, 1.2 GHz [P]."),
    CFG_STRING_KEY(struct noc_config, routing, "xy",
                   "Routing function by name: xy, yx, west-first, adaptive-unsafe (deadlocks; "
                   "for tests). X-first dimension order is assumed for TILE-Gx [S K-chip, A]."),
    CFG_UINT_KEY(struct noc_config, router_delay_cycles, "0", 0, 64, "cycles",
                 "Router pipeline cycles a flit spends in a router before it may cross the "
                 "switch; 0 + 1 link cycle gives the paper's 1 cycle per hop [P]."),
    CFG_UINT_KEY(struct noc_config, link_delay_cycles, "1", 1, 64, "cycles",
                 "Link traversal between adjacent routers (at least 1, which keeps each cycle's "
                 "evaluation independent of router order) [P]."),
    CFG_UINT_KEY(struct noc_config, credit_delay_cycles, "1", 1, 64, "cycles",
                 "Latency of the credit return link [A]."),
    CFG_UINT_KEY(struct noc_config, injection_delay_cycles, "1", 1, 64, "cycles",
                 "Endpoint to local router input [A]."),
    CFG_UINT_KEY(struct noc_config, ejection_delay_cycles, "1", 1, 64, "cycles",
                 "Local router output to endpoint [A]."),
    CFG_UINT_KEY(struct noc_config, buffer_depth_flits, "3", 1, 65536, "flits",
                 "Input buffer per router port; TILE-Gx's 2-bit FIFO fields suggest <= 3 "
                 "[I from S VT-spr]."),
    CFG_SECTION_KEY(struct noc_config, traffic, traffic_section),
    CFG_SECTION_KEY(struct noc_config, deadlock, deadlock_section),
    CFG_SECTION_KEY(struct noc_config, udn, udn_section),
    CFG_SECTION_KEY(struct noc_config, msgdep, msgdep_section),
};
CFG_SECTION_DEF(noc_config_section, "noc", "The on-chip network (UDN mesh).", noc_keys);

bool noc_config_check(const struct noc_config *c, char *err, size_t errlen) {
    if (c->width == 0 || c->height == 0) {
        snprintf(err, errlen,
                 "noc.width/noc.height: the mesh needs at least one tile (got %llux%llu)",
                 (unsigned long long)c->width, (unsigned long long)c->height);
        return false;
    }
    if (c->buffer_depth_flits == 0) {
        snprintf(err, errlen, "noc.buffer_depth_flits: must be at least 1 flit (got 0)");
        return false;
    }
    if (c->link_delay_cycles == 0 || c->credit_delay_cycles == 0 ||
        c->injection_delay_cycles == 0 || c->ejection_delay_cycles == 0) {
        snprintf(err, errlen,
                 "noc.*_delay_cycles: link, credit, injection and ejection delays must be at "
                 "least 1 cycle");
        return false;
    }
    if (c->udn.injection_depth_words == 0 || c->udn.demux_depth_words == 0 ||
        c->udn.ejection_depth_flits == 0) {
        snprintf(err, errlen, "noc.udn: buffer depths must be at least 1");
        return false;
    }
    const char *rname = c->routing ? c->routing : "";
    if (!noc_route_find(rname)) {
        char sugg[128], names[256];
        noc_route_suggest(rname, sugg, sizeof sugg);
        noc_route_names(names, sizeof names);
        snprintf(err, errlen, "noc.routing: unknown routing function '%s'%s (known: %s)", rname,
                 sugg, names);
        return false;
    }
    uint64_t tiles = c->width * c->height;
    if (c->traffic.pattern == NOC_PAT_HOTSPOT && c->traffic.hotspot_tile >= tiles) {
        snprintf(err, errlen,
                 "noc.traffic.hotspot_tile: tile %llu is outside the %llux%llu mesh "
                 "(0..%llu)",
                 (unsigned long long)c->traffic.hotspot_tile, (unsigned long long)c->width,
                 (unsigned long long)c->height, (unsigned long long)(tiles - 1));
        return false;
    }
    if (c->traffic.pattern == NOC_PAT_TRANSPOSE && c->width != c->height) {
        snprintf(err, errlen, "noc.traffic.pattern: transpose needs a square mesh (got %llux%llu)",
                 (unsigned long long)c->width, (unsigned long long)c->height);
        return false;
    }
    if (c->traffic.pattern == NOC_PAT_UNIFORM_NOSELF && tiles < 2) {
        snprintf(err, errlen, "noc.traffic.pattern: uniform-noself needs at least 2 tiles");
        return false;
    }
    return true;
}
