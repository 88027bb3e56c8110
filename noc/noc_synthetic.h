/* noc/noc_synthetic.h: synthetic traffic on the mesh, BookSim-style
 * (experiment kind "noc-synthetic").
 *
 * Each node starts a packet of noc.traffic.packet_flits flits in a cycle with
 * probability injection_rate / packet_flits (a Bernoulli process, drawn as
 * geometric gaps from the node's own RNG stream so idle cycles cost nothing);
 * the destination follows noc.traffic.pattern. A source queues at most 4
 * packets; beyond, it keeps its time lag (the next creation cycle) rather
 * than packets, as BookSim, so a saturated run's memory is bounded; latency
 * counts source queueing (creation to tail arrival, as BookSim).
 * Phases: warm-up, then a measurement window whose packets are the sample,
 * then a drain (traffic goes on) until every sample packet has arrived or
 * drain_max_cycles have passed (the load is then beyond saturation). Accepted
 * throughput and link utilisation are counted over the window.
 *
 * Memory: struct noc_synth owns its mesh, RNG streams and histogram.
 * Cost: the mesh's (noc_mesh.h) plus O(log N) per generated packet.
 */
#ifndef TESSERA_NOC_NOC_SYNTHETIC_H
#define TESSERA_NOC_NOC_SYNTHETIC_H

#include <stdbool.h>
#include <stdint.h>

#include "noc/noc_config.h"
#include "noc/noc_mesh.h"
#include "sim/kernel/engine.h"
#include "sim/kernel/stats.h"

struct exp_run;
struct exp_kind;

struct noc_synth_result {
    uint64_t packets_measured;  /* created in the window */
    uint64_t packets_delivered; /* of those, delivered */
    bool saturated;             /* accepted < 98% of offered, or the drain limit was reached */
    bool drain_limit_reached;   /* drain_max_cycles passed before all were delivered */
    bool deadlocked;
    double offered;           /* flits/node/cycle created in the window */
    double accepted;          /* flits/node/cycle ejected in the window */
    double zero_load_cycles;  /* analytical mean over the pattern's pairs */
    double mean_hops;         /* mean links per packet of the pattern */
    struct stat_hist latency; /* cycles, creation to tail arrival */
    uint64_t end_cycle;
    uint64_t drain_cycles;
    uint64_t window_flit_hops;
    uint64_t *port_flits; /* [tile * NOC_PORTS + port]: flits out during the window */
};

struct noc_synth;

/* Builds the mesh and the sources on engine e; NULL with a message in err if
 * the config is refused. */
struct noc_synth *noc_synth_create(struct sim_engine *e, const struct noc_config *cfg,
                                   uint64_t seed, char *err, size_t errlen);
void noc_synth_destroy(struct noc_synth *s);
/* Runs warm-up, window and drain on the engine. Returns TSR_EXIT_OK or
 * TSR_EXIT_DEADLOCK. */
int noc_synth_run(struct noc_synth *s);
const struct noc_synth_result *noc_synth_result(const struct noc_synth *s);
struct noc_mesh *noc_synth_mesh(struct noc_synth *s);
/* The deadlock report if the run deadlocked, else NULL. */
const struct noc_deadlock_report *noc_synth_deadlock(const struct noc_synth *s);

/* The experiment kind: stats into run->stats, links.csv and routers.csv into
 * run->out_dir. Returns an enum tsr_exit value. */
int noc_synthetic_run(struct exp_run *run);
/* The kind "noc-synthetic": reads noc. */
extern const struct exp_kind noc_synthetic_kind;

#endif
