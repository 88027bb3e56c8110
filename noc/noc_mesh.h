/* noc/noc_mesh.h: a W x H mesh of wormhole routers with credit-based flow
 * control, and one network endpoint (NI) per tile.
 *
 * What it models (timing assumptions beside each, sources in docs/noc.md):
 * - Routers with 5 ports (E, W, N, S, local). Each input port has a FIFO of
 *   buffer_depth_flits flits; the upstream side holds one credit per free slot
 *   and gets it back over a credit link of credit_delay_cycles after the flit
 *   leaves the buffer.
 * - Wormhole switching: a head flit whose routing function (noc_route.h) names
 *   an output that is free is granted it; the output stays held by that input
 *   until the tail flit has crossed. Inputs competing for a free output are
 *   served round-robin (pointer after the last winner). One flit per output
 *   and per input per cycle; one 64-bit word per flit.
 * - Timing: a flit sent by a router at cycle c is ready to cross the next
 *   router's switch at c + link_delay + router_delay; the first router is
 *   reached at c + injection_delay + router_delay after the NI sends, the NI at
 *   c + ejection_delay after the last router. A packet of P flits over H links
 *   at zero load therefore takes
 *     injection + (H + 1) * router + H * link + ejection + (P - 1)
 *   cycles from its first flit leaving the NI to its tail reaching the NI
 *   (noc_mesh_zero_load_cycles()), provided a buffer covers the credit round
 *   trip (depth >= link + router + credit delay); shallower buffers throttle
 *   a worm to depth flits per round trip, as in hardware.
 * - NI injection: a FIFO of packets whose words are written progressively (a
 *   UDN sender that stalls writes as space frees); a word written at cycle w
 *   may leave at w + 1. NI ejection: a FIFO of ejection_depth flits (UDN) or
 *   buffer_depth flits (synthetic); its head is offered to the sink callback,
 *   which may refuse (a full demux queue): the flit then stays and
 *   backpressure reaches the network through the credits.
 *
 * How it runs: one evaluation per mesh cycle, only while some tile holds a
 * flit or a queued packet (or a cycle hook wants a cycle); each cycle visits
 * only the active tiles. A cycle is an engine event, or runs on inside the
 * previous cycle's event when no other event is due before it
 * (sim_engine_advance_to: the same run, without the scheduling). Every
 * interaction between two tiles, and between a router and its NI, goes
 * through a delay line of at least one cycle, so a tile evaluated at cycle c
 * sees nothing written at c: the result does not depend on the order of
 * visits (noc_mesh_set_reverse_order() flips it, for the test that proves
 * it). TESSERA_CHECKS builds assert, for every link,
 * credits + credits in flight + flits in flight or buffered == depth.
 *
 * Deadlock: when flits wait and none has moved for deadlock.window_cycles,
 * the mesh builds the wait-for graph (input buffers, NI queues, stalled
 * senders as reported by the blocker callback) and reports the first cycle it
 * finds through the deadlock callback; the mesh then stops ticking.
 *
 * Memory: the mesh owns routers, buffers, packets (a pool that grows) and the
 * payload copies of packets. Packets passed to callbacks are valid only
 * during the call. Cost: O(active tiles) per simulated cycle; about 50 ns per
 * flit-hop on a 2020s host (bench/noc_speed.c).
 *
 * Left out: virtual channels, multiple physical networks (only the UDN is
 * modelled), hardwall, the I/O shims at the mesh edge.
 */
#ifndef TESSERA_NOC_NOC_MESH_H
#define TESSERA_NOC_NOC_MESH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "noc/noc_config.h"
#include "noc/noc_route.h"
#include "sim/kernel/engine.h"

struct json_writer;
struct noc_mesh;

/* A packet as callbacks see it (read-only). */
struct noc_packet {
    uint32_t id;
    uint32_t src, dst;
    uint32_t len;           /* flits */
    uint32_t tag;           /* UDN demux queue; free for other users */
    uint64_t created_cycle; /* when it was handed to noc_mesh_inject() */
    uint64_t user;          /* opaque to the mesh */
    const uint64_t *words;  /* one word per flit, or NULL */
    /* injection progress */
    uint32_t written, sent;
    uint32_t ready_before;   /* words eligible before eligible_cycle */
    uint64_t eligible_cycle; /* words in `written` may leave from this cycle */
};

/* The head of tile's ejection FIFO, flit number `flit` of packet p, reached the
 * NI; return true to take it (it leaves the FIFO; after the tail the packet
 * is freed), false to leave it there (retried next cycle). */
typedef bool (*noc_eject_fn)(void *ctx, uint32_t tile, const struct noc_packet *p, uint32_t flit,
                             uint64_t cycle);
/* A flit of `tile` left its NI injection FIFO (space for one more word). */
typedef void (*noc_space_fn)(void *ctx, uint32_t tile, uint64_t cycle);
/* Called at the start of `cycle` when due; returns the next cycle it wants
 * (UINT64_MAX: none). May call noc_mesh_inject(). */
typedef uint64_t (*noc_cycle_fn)(void *ctx, uint64_t cycle);
/* Why tile's ejection head is refused: write a description into why and return
 * the tile that must act for it to be taken if that tile is itself stalled
 * sending (its NI injection FIFO is then the next node of the wait-for
 * graph), or -1 if nothing known blocks it. */
typedef int64_t (*noc_blocker_fn)(void *ctx, uint32_t tile, const struct noc_packet *p, char *why,
                                  size_t whylen);

enum noc_wait_kind { NOC_WAIT_INPUT, NOC_WAIT_EJECT, NOC_WAIT_INJECT };

/* One node of a wait-for cycle. */
struct noc_wait_node {
    int kind; /* enum noc_wait_kind */
    uint32_t tile, x, y;
    unsigned port;                /* NOC_WAIT_INPUT: the input port */
    uint32_t occupancy, capacity; /* flits (input, eject); inject: words queued, capacity 0 */
    uint32_t pkt_id, pkt_src, pkt_dst, pkt_len, pkt_flit; /* the head flit's packet */
    char why[192];                                        /* what it waits for */
};

struct noc_deadlock_report {
    uint64_t cycle; /* when it was detected */
    uint64_t stalled_since;
    size_t n;
    struct noc_wait_node *nodes; /* nodes[i] waits for nodes[(i + 1) % n] */
};
typedef void (*noc_deadlock_fn)(void *ctx, const struct noc_deadlock_report *r);

struct noc_mesh_counters {
    uint64_t flit_hops;      /* switch traversals (flit-router crossings) */
    uint64_t flits_injected; /* NI -> router */
    uint64_t flits_ejected;  /* taken by the sink */
    uint64_t packets_ejected;
    uint64_t packets_injected; /* handed to noc_mesh_inject() */
    uint64_t cycles_ticked;    /* cycles in which the mesh was evaluated */
};

/* Builds the mesh on engine e. cfg is checked (noc_config_check()); on error
 * returns NULL with a message in err. The mesh does not keep cfg. */
struct noc_mesh *noc_mesh_create(struct sim_engine *e, const struct noc_config *cfg, char *err,
                                 size_t errlen);
void noc_mesh_destroy(struct noc_mesh *m);

void noc_mesh_set_sink(struct noc_mesh *m, noc_eject_fn fn, void *ctx);
void noc_mesh_set_space_hook(struct noc_mesh *m, noc_space_fn fn, void *ctx);
void noc_mesh_set_blocker_hook(struct noc_mesh *m, noc_blocker_fn fn, void *ctx);
void noc_mesh_set_deadlock_hook(struct noc_mesh *m, noc_deadlock_fn fn, void *ctx);
/* The hook is first called at cycle `first` (>= the current cycle). */
void noc_mesh_set_cycle_hook(struct noc_mesh *m, noc_cycle_fn fn, void *ctx, uint64_t first);
/* Ejection FIFO depth of every NI (default: buffer_depth_flits). Before any traffic. */
void noc_mesh_set_eject_depth(struct noc_mesh *m, uint32_t flits);
/* Visit active tiles in reverse order (tests of order independence). */
void noc_mesh_set_reverse_order(struct noc_mesh *m, bool reverse);

uint32_t noc_mesh_width(const struct noc_mesh *m);
uint32_t noc_mesh_height(const struct noc_mesh *m);
uint32_t noc_mesh_tiles(const struct noc_mesh *m);
struct sim_engine *noc_mesh_engine(const struct noc_mesh *m);
/* The mesh cycle the engine's current time falls in (floor). */
uint64_t noc_mesh_cycle_now(const struct noc_mesh *m);
sim_time_t noc_mesh_cycle_time(const struct noc_mesh *m, uint64_t cycle);

/* Queue a packet of len flits from src to dst at NI src. `written` words are
 * present now and may leave from cycle `eligible`; the rest come through
 * noc_mesh_packet_write(). words (len of them, or NULL) is copied. src, dst
 * and len >= 1 are the caller's to check (asserted). Returns the packet id. */
uint32_t noc_mesh_inject(struct noc_mesh *m, uint32_t src, uint32_t dst, uint32_t len, uint32_t tag,
                         const uint64_t *words, uint32_t written, uint64_t eligible, uint64_t user);
/* n more words of a queued packet were written at cycle w (they may leave at w + 1). */
void noc_mesh_packet_write(struct noc_mesh *m, uint32_t pkt, uint32_t n, uint64_t w);
/* Words written into tile's NI injection FIFO and not yet sent. */
uint64_t noc_mesh_inject_backlog(const struct noc_mesh *m, uint32_t tile);

const struct noc_mesh_counters *noc_mesh_counters(const struct noc_mesh *m);
/* Flits that left router `tile` by `port` (a link, or ejection for LOCAL). */
uint64_t noc_mesh_port_flits(const struct noc_mesh *m, uint32_t tile, unsigned port);
/* Zero the counters and per-port flit counts (end of warm-up). */
void noc_mesh_reset_counters(struct noc_mesh *m);
/* True if a port leads to another router (false at the mesh edge). */
bool noc_mesh_port_exists(const struct noc_mesh *m, uint32_t tile, unsigned port);
/* links.csv (the table scripts/noc-heatmap.gp draws): one row per link,
 * "tile,x,y,port,to_tile,to_x,to_y,flits,utilisation" with a header line;
 * flits from port_flits (tile x NOC_PORTS, e.g. a measurement window's) or,
 * NULL, the mesh's own counts; utilisation is flits / cycles (0 when cycles
 * is not positive). */
void noc_mesh_write_links_csv(const struct noc_mesh *m, FILE *f, const uint64_t *port_flits,
                              double cycles);

/* Something outside the mesh changed what a sink would accept (a receive
 * queue was drained): evaluate from the next cycle. A mesh in which nothing
 * is in flight and nothing moved sleeps until then (or until its deadlock
 * window has passed), so a blocked mesh costs no events. */
void noc_mesh_wake(struct noc_mesh *m);

/* Zero-load cycles of a len-flit packet from src to dst (formula above). */
uint64_t noc_mesh_zero_load_cycles(const struct noc_mesh *m, uint32_t src, uint32_t dst,
                                   uint32_t len);
/* Links between src and dst (Manhattan distance). */
uint32_t noc_mesh_hops(const struct noc_mesh *m, uint32_t src, uint32_t dst);

/* Flits anywhere in the network or NIs plus queued packets; 0 when idle. */
uint64_t noc_mesh_load(const struct noc_mesh *m);
bool noc_mesh_deadlocked(const struct noc_mesh *m);

void noc_deadlock_report_print(const struct noc_deadlock_report *r, FILE *out);
void noc_deadlock_report_write_json(const struct noc_deadlock_report *r, struct json_writer *w);

#endif
