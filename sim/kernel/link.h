/* sim/kernel/link.h: a one-way link with a latency between two components (as SST's).
 *
 * The sender calls sim_link_send(); the receiver's deliver callback runs
 * `latency` picoseconds later with the payload as its arg. Ownership of the
 * payload passes to the receiver at delivery. A component never touches
 * another's state: it talks over links or schedules events on the engine.
 * The latency is declared up front (from config) and is the lookahead a
 * parallel engine would use. Bandwidth and occupancy are modelled by the
 * components' own events, not by the link.
 *
 * Memory: embedded by its owner (_init, no _fini needed). Cost: one event.
 */
#ifndef TESSERA_SIM_KERNEL_LINK_H
#define TESSERA_SIM_KERNEL_LINK_H

#include "sim/kernel/engine.h"

struct sim_link {
    struct sim_engine *engine;
    sim_time_t latency;
    sim_event_fn deliver;
    void *receiver;
    uint64_t sent; /* payloads sent so far */
};

static inline void sim_link_init(struct sim_link *l, struct sim_engine *e, sim_time_t latency,
                                 sim_event_fn deliver, void *receiver) {
    l->engine = e;
    l->latency = latency;
    l->deliver = deliver;
    l->receiver = receiver;
    l->sent = 0;
}

static inline sim_event_id sim_link_send(struct sim_link *l, void *payload) {
    l->sent++;
    return sim_engine_schedule_in(l->engine, l->latency, l->deliver, l->receiver, payload);
}

#endif
