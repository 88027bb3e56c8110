/* nic/eth_gen.h: a frame generator and sink on its own Ethernet port (a
 * test/benchmark traffic source, as a hardware packet generator).
 *
 * What it does: sends `count` UDP or TCP frames of `frame_bytes` (no FCS,
 * at least the headers' 42 (UDP) or 54 (TCP) B) at rate_pps, or back to back at line rate
 * when rate_pps is 0 (respecting the port's flow control). Each frame
 * belongs to one of `flows` flows with addresses and ports drawn from the
 * generator's own sim/rng stream (seeded by (seed, name)); frames go round
 * the flows in order, so the flow of frame i is i % flows. The payload
 * starts with the frame's sequence number (64-bit big-endian, cut to the
 * payload's length when shorter; TCP frames also carry seq = i * 1000).
 * Every frame received on the port is
 * counted (frames, bytes, first and last arrival) and given to an optional
 * callback before being freed. An optional transmit callback is told the
 * sequence number and time of every frame handed to the port (latency
 * measurements).
 *
 * Memory: owns its port and flow table. Cost: one event per frame sent when
 * paced, none extra back to back (the port's tx_space drives it).
 */
#ifndef TESSERA_NIC_ETH_GEN_H
#define TESSERA_NIC_ETH_GEN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "nic/eth.h"
#include "nic/eth_pkt.h"

struct eth_gen_params {
    uint64_t count;       /* frames to send (0: none, sink only) */
    uint64_t frame_bytes; /* without FCS */
    uint64_t rate_pps;    /* 0: line rate */
    uint64_t flows;       /* >= 1 */
    uint8_t proto;        /* IP_PROTO_UDP or IP_PROTO_TCP */
    uint64_t seed;
};

typedef void (*eth_gen_rx_fn)(void *ctx, const struct eth_frame *f, sim_time_t t);
typedef void (*eth_gen_tx_fn)(void *ctx, uint64_t seq, sim_time_t t);

struct eth_gen {
    struct eth_port port;
    struct sim_engine *engine;
    struct eth_gen_params prm;
    struct eth_flow *flow;
    uint64_t sent;
    bool waiting, paced_pending;
    uint64_t rx_frames, rx_bytes;
    sim_time_t rx_first, rx_last, tx_first, tx_last;
    eth_gen_rx_fn on_rx;
    void *on_rx_ctx;
    eth_gen_tx_fn on_tx;
    void *on_tx_ctx;
};

/* NULL (message in err) on bad parameters. */
struct eth_gen *eth_gen_create(struct sim_engine *e, const struct nic_eth_config *cfg,
                               const struct eth_gen_params *prm, const char *name, char *err,
                               size_t errlen);
void eth_gen_destroy(struct eth_gen *g);
void eth_gen_start(struct eth_gen *g, sim_time_t at);
/* The flow of frame i (the same flow table the generator uses). */
const struct eth_flow *eth_gen_flow(const struct eth_gen *g, uint64_t i);
/* Build frame number i into buf (cap >= frame_bytes); returns its length. */
size_t eth_gen_build(const struct eth_gen *g, uint64_t i, uint8_t *buf, size_t cap);
void eth_gen_on_rx(struct eth_gen *g, eth_gen_rx_fn fn, void *ctx);
/* Call fn(ctx, seq, now) for every frame handed to the port. */
void eth_gen_on_tx(struct eth_gen *g, eth_gen_tx_fn fn, void *ctx);
/* Give every flow these MAC addresses (default 02:00:00:00:00:01 -> :02). */
void eth_gen_set_macs(struct eth_gen *g, const uint8_t src[6], const uint8_t dst[6]);

#endif
