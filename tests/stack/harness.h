/* tests/stack/harness.h: helpers for the stack tests: a deterministic RNG,
 * stack instances on an in-process wire, and a bulk-transfer application
 * (written against the socket layer) that verifies every byte. */
#ifndef TESSERA_TESTS_STACK_HARNESS_H
#define TESSERA_TESTS_STACK_HARNESS_H

#include "stack/sock.h"
#include "stack/stk.h"
#include "stack/wire.h"

#include <stdint.h>

struct h_rng {
    uint64_t s;
};
uint64_t h_rng_next(struct h_rng *r); /* SplitMix64 */

#define H_MAX_PORTS 64

struct h_net {
    struct wire *w;
    struct h_rng port_rng[H_MAX_PORTS]; /* faults per sending port */
    struct h_rng isn_rng[H_MAX_PORTS];
    struct stk *s[H_MAX_PORTS];
    unsigned n;
    unsigned id[H_MAX_PORTS]; /* identity: IP, MAC and RNG seeds */
};

uint32_t h_ip(unsigned i); /* 10.0.0.(i+1) */
void h_mac(unsigned i, uint8_t mac[6]);
/* Creates n instances on one wire; each knows every other as a static neighbour. */
void h_net_init(struct h_net *h, unsigned n, const struct wire_config *wc, uint64_t seed,
                void (*tweak)(struct stk_config *c, unsigned i));
/* Same, with port i taking identity ids[i] (so an instance can be rebuilt
 * alone on another wire with the same addresses and random streams). */
void h_net_init_ids(struct h_net *h, unsigned n, const unsigned *ids, const struct wire_config *wc,
                    uint64_t seed, void (*tweak)(struct stk_config *c, unsigned i));
void h_net_fini(struct h_net *h);

/* Bulk transfers: a source connects and sends a 16-byte header (index,
 * size) plus `size` bytes referenced from one shared pattern buffer (the
 * same memory in flight on many connections); the sink verifies every byte
 * and the length at remote_closed. */
#define H_PATTERN_LEN (4u * 1024 * 1024 + 65536)
struct h_xfer_app {
    struct sock *sock;
    const uint8_t *pattern;
    uint64_t started, completed, bytes_verified, errors;
    uint64_t cleanups;
    /* per connection receive state, indexed by (net, slot) */
    struct h_rx {
        bool used;
        uint8_t hdr[16];
        unsigned hdr_got;
        uint64_t idx, size, got;
        bool closed;
    } rx[2][1024];
    struct h_tx {
        bool used;
        uint8_t hdr[16];
        uint64_t total, acked;
    } tx[2][1024];
    uint64_t (*size_of)(void *ctx, uint64_t idx);
    void *size_ctx;
    uint32_t dst_ip;
    uint16_t dst_port;
    uint64_t next_idx, limit;
    unsigned concurrency, active;
};
const uint8_t *h_pattern(void);
struct sock_events h_xfer_events(void);
/* Starts transfers until `concurrency` are active or `limit` have started. */
void h_xfer_fill(struct h_xfer_app *a);

#endif
