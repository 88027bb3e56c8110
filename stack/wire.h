/* stack/wire.h: an in-process Ethernet joining stack instances (a host
 * driver for tests and benchmarks, not part of the protocol core).
 *
 * Each port is one stack instance. A frame a port emits is copied once into
 * a fresh rx buffer (the "NIC DMA") and delivered to the port owning its
 * destination MAC (broadcast: every other port) after `delay`, unless the
 * fault model drops it; it may be duplicated or delayed by an extra uniform
 * amount up to `reorder_jitter` (which reorders it behind later frames).
 * Randomness comes only from the caller's callback, per sending port, so the
 * faults a port sees do not depend on other ports' traffic. Deliveries are
 * ordered by (time, sequence): same inputs, same run.
 *
 * Memory: one malloc per frame in flight, freed when the receiving stack
 * releases the buffer. Cost: O(log frames in flight) per frame.
 */
#ifndef TESSERA_STACK_WIRE_H
#define TESSERA_STACK_WIRE_H

#include "stack/stk.h"

struct wire;

/* Returns 64 random bits for faults of frames sent by `port`. */
typedef uint64_t wire_rng_fn(void *ctx, unsigned port);
/* Sees every frame sent (before faults). */
typedef void wire_tap_fn(void *ctx, unsigned port, stk_time_t now, const uint8_t *frame,
                         size_t len);

struct wire_config {
    stk_time_t delay;
    double loss, dup, reorder; /* probabilities per frame */
    stk_time_t reorder_jitter;
    wire_rng_fn *rng; /* required when any probability > 0 */
    void *rng_ctx;
    wire_tap_fn *tap;
    void *tap_ctx;
};

struct wire_counters {
    uint64_t sent, delivered, lost, duplicated, reordered, unknown_dst;
};

struct wire *wire_create(const struct wire_config *cfg);
void wire_destroy(struct wire *w);
/* Adds a port; fills `drv` for stk_create (its random callback draws from
 * `random_fn`, e.g. ISNs). Bind the created stack with wire_bind. */
unsigned wire_add_port(struct wire *w, struct stk_driver *drv, uint32_t (*random_fn)(void *ctx),
                       void *random_ctx);
void wire_bind(struct wire *w, unsigned port, struct stk *s);
struct stk *wire_stack(const struct wire *w, unsigned port);
/* Current time of the wire's clock (the last event run). */
stk_time_t wire_now(const struct wire *w);
/* Runs the next event (a delivery or a stack timer) if it is due by
 * `limit`; returns false when nothing is due by then. */
bool wire_step(struct wire *w, stk_time_t limit);
/* Runs events until `limit` or until idle. */
void wire_run(struct wire *w, stk_time_t limit);
const struct wire_counters *wire_counters(const struct wire *w);

#endif
