/* noc/noc_msgdep.h: the message-dependent deadlock of the DLibOS paper (§4.3,
 * claim C16) as an experiment (kind "noc-msgdep") on UDN endpoints.
 *
 * Tile t and tile N-1-t form a pair (they cross the chip's centre, so the
 * pairs' paths overlap); each sends noc.msgdep.messages messages of
 * message_words words to the other's demux queue 0.
 * - mode stall: plain stalling udn_send(); a tile reads its queue only after
 *   it has sent everything. Once the messages in flight exceed what the
 *   buffers hold, tiles are stalled in a send while their own receive queue
 *   is full: the run-time detector reports a wait-for cycle (stalled senders,
 *   full demux queues, full mesh buffers) and the run stops with the
 *   deadlock exit code.
 * - mode credit: NoCMsg-style credit-checked sends: a tile writes a message
 *   only when udn_credits() covers it, otherwise keeps it in a memory queue,
 *   and drains its receive queue whenever a word arrives. It completes.
 * Tile software costs are not modelled here (the tiles issue their UDN
 * operations at the mesh cycle their previous one finished).
 *
 * Memory: owns its mesh and endpoints for the duration of the call.
 */
#ifndef TESSERA_NOC_NOC_MSGDEP_H
#define TESSERA_NOC_NOC_MSGDEP_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "noc/noc_config.h"
#include "noc/noc_mesh.h"
#include "sim/kernel/engine.h"

struct exp_run;
struct exp_kind;
struct json_writer;

struct noc_msgdep_result {
    bool completed;
    bool deadlocked;
    uint64_t end_cycle;
    uint64_t words_sent, words_received; /* data words, all tiles */
    uint64_t max_memory_queue;           /* messages queued in memory by one tile (credit) */
    uint64_t stalls;                     /* udn_send calls that stalled */
    size_t cycle_nodes;                  /* deadlock: nodes in the wait-for cycle */
    size_t cycle_stalled_tiles;          /* deadlock: of those, stalled senders */
};

/* Runs the example on engine e. Writes stats into w (an open JSON object) if
 * not NULL, and prints the deadlock report on `log` if not NULL. Returns
 * TSR_EXIT_OK when it completes, TSR_EXIT_DEADLOCK on a detected deadlock,
 * TSR_EXIT_BAD_INPUT (message in err) when the config is refused. */
int noc_msgdep_simulate(struct sim_engine *e, const struct noc_config *cfg,
                        struct noc_msgdep_result *res, struct json_writer *w, FILE *log, char *err,
                        size_t errlen);

/* The experiment kind "noc-msgdep". */
int noc_msgdep_run(struct exp_run *run);
/* The kind "noc-msgdep": reads noc. */
extern const struct exp_kind noc_msgdep_kind;

#endif
