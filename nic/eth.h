/* nic/eth.h: Ethernet frames, ports (MAC + PHY) and the cable between two ports.
 *
 * What it does: a port transmits the frames its client hands it, one at a
 * time, each occupying the wire for preamble + frame (padded to the minimum)
 * + FCS + inter-frame gap at the line rate (10 Gb/s: 800 ps per byte, so a
 * 64 B frame takes 84 B = 67.2 ns: 14.88 Mpps; a 1518 B frame 1538 B:
 * 812.7 Kpps). The last bit of a frame reaches the peer port one propagation
 * delay after it left; the peer hands it to its client. Both directions are
 * independent (full duplex). Ports talk only through sim/link.h links.
 *
 * Flow control (as QEMU's NetClient): a client asks eth_port_can_send(); a
 * send into a full transmit FIFO is refused (counted) and the client is told
 * through its tx_space callback when room opens. On receive there is no flow
 * control on Ethernet (no pause frames, facts): a client that cannot take a
 * frame returns false and the port counts an overrun drop.
 *
 * Impairment (eth_cable_impair, nic.impair): frames a port sends can be lost
 * on the wire or held back so that later frames overtake them, decided per
 * frame from the port's own random streams. The sender's wire timing is
 * unchanged either way: a lost frame occupied the wire and is counted sent
 * (and in the sender's pcap); a held-back frame reaches the peer
 * reorder_delay_ns later than it would have, where the receiver counts and
 * captures it at its arrival. Without it (the default) a cable is perfect.
 *
 * Frames are stored without the FCS (as pcap files hold them). Outside input
 * is counted and dropped, never asserted on: a frame longer than the maximum
 * or shorter than an Ethernet header is dropped with its cause counted.
 *
 * Memory: a struct eth_frame is one heap block; ownership passes with it
 * (to eth_port_send when it returns true, to the client when its receive
 * returns true). A port is embedded in its owner (_init/_fini); _fini frees
 * frames still queued. The nic_eth_config must outlive the port.
 * Cost: one engine event per frame on the sending side, one on the link; an
 * impaired port draws one or two random numbers per frame and a held-back
 * frame costs one more event.
 * Left out: bit errors and the FCS check, pause frames, auto-negotiation,
 * half duplex; burst (correlated) loss, corruption and duplication.
 */
#ifndef TESSERA_NIC_ETH_H
#define TESSERA_NIC_ETH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "nic/nic_config.h"
#include "sim/kernel/engine.h"
#include "sim/kernel/link.h"
#include "sim/kernel/rng.h"

struct json_writer;
struct pcap_writer;

#define ETH_MIN_HEADER 14u /* shorter frames are dropped (runts) */

struct eth_frame {
    uint32_t len; /* bytes in data (no FCS) */
    uint32_t cap; /* bytes allocated for data (>= 64: padding to a larger minimum reallocates) */
    uint64_t tag; /* free for the owner (a generator's sequence number, ...) */
    uint8_t data[];
};

/* A frame of len bytes (contents uninitialised). NULL only if malloc fails. */
struct eth_frame *eth_frame_alloc(size_t len);
struct eth_frame *eth_frame_copy(const void *data, size_t len);
void eth_frame_free(struct eth_frame *f);

struct eth_port;

/* The device behind a port. */
struct eth_client_ops {
    /* A frame arrived at time now. Return true to take ownership; false means
     * the client had no room (the port counts rx_drop_overrun and frees it). */
    bool (*receive)(void *ctx, struct eth_port *p, struct eth_frame *f);
    /* Room opened in the transmit FIFO after a refused send. May be NULL. */
    void (*tx_space)(void *ctx, struct eth_port *p);
};

struct eth_port_stats {
    uint64_t tx_frames, tx_bytes; /* bytes of frames, padding included, FCS excluded */
    uint64_t rx_frames, rx_bytes;
    uint64_t tx_refused_full;  /* sends refused because the FIFO was full */
    uint64_t tx_drop_oversize; /* frames longer than max_frame_bytes */
    uint64_t tx_drop_runt;     /* frames shorter than an Ethernet header */
    uint64_t tx_drop_no_link;  /* sent on a port with no cable */
    uint64_t rx_drop_oversize;
    uint64_t rx_drop_runt;
    uint64_t rx_drop_overrun; /* the client could not take the frame */
    uint64_t rx_drop_no_client;
    uint64_t wire_loss;      /* sent frames the impairment lost on the wire (in tx_frames) */
    uint64_t wire_reordered; /* sent frames it held back by reorder_delay_ns (not lost) */
    sim_time_t tx_busy_ps;   /* wire time used by transmissions */
};

/* The impairment of the frames a port sends (eth_cable_impair). */
struct eth_impair {
    double loss, reorder; /* 0: no draw from that stream */
    sim_time_t delay;     /* of a held-back frame */
    struct sim_rng loss_rng, reorder_rng;
};

struct eth_port {
    char name[48];
    struct sim_engine *engine;
    const struct nic_eth_config *cfg;
    struct sim_link out; /* to the peer port; valid when linked */
    bool linked;
    struct eth_port *peer; /* for reports only: never dereferenced for state */
    /* transmit FIFO (ring of frame pointers) */
    struct eth_frame **q;
    uint32_t qcap, qhead, qlen;
    bool tx_active;     /* a frame is on the wire */
    sim_time_t idle_at; /* end of the gap after the last frame sent (set at every frame) */
    bool tx_waiting;    /* a send was refused: call tx_space when room opens */
    const struct eth_client_ops *ops;
    void *client;
    struct pcap_writer *pcap; /* not owned; NULL: no capture */
    struct eth_impair impair; /* of the frames it sends; zero: none */
    struct eth_port_stats st;
};

/* name is copied. */
void eth_port_init(struct eth_port *p, struct sim_engine *e, const struct nic_eth_config *cfg,
                   const char *name);
void eth_port_fini(struct eth_port *p);
void eth_port_attach(struct eth_port *p, const struct eth_client_ops *ops, void *client);
/* Capture every frame sent and received on this port (w not owned). */
void eth_port_set_pcap(struct eth_port *p, struct pcap_writer *w);

/* A full-duplex cable: a's transmissions reach b and b's reach a after the
 * propagation delay (nic.eth.propagation_ns of a's config). Each port may be
 * cabled once (asserted: wiring is done by code, not by packets). */
void eth_cable_connect(struct eth_port *a, struct eth_port *b);

/* Impair the frames `from` sends over its cable: one direction (impair both
 * ends of a cable for both). Each frame, when its last bit has left, is lost
 * with probability cfg->loss (counted wire_loss), else held back with
 * probability cfg->reorder (counted wire_reordered): it reaches the peer
 * cfg->reorder_delay_ns later than the cable's delay, so frames sent after
 * it within that delay arrive first. The draws come from two sim/kernel/rng.h
 * streams seeded by (seed, "wire-loss:" + port name) and (seed,
 * "wire-reorder:" + port name): the same seed gives the same frames lost and
 * held, the two directions of a cable (ports of different names) are
 * independent, and which frames are lost does not depend on cfg->reorder.
 * loss = reorder = 0 leaves the port exactly as it was (nothing drawn).
 * cfg->cables is the caller's choice (eth_impair_applies); cfg must pass
 * eth_impair_check (asserted). Call before or after eth_cable_connect, before
 * the port sends; a second call replaces the first. cfg is copied. */
void eth_cable_impair(struct eth_port *from, const struct nic_impair_config *cfg, uint64_t seed);
/* Whether nic.impair.cables selects a cable: client_cable says it joins a
 * load generator or a client host (to a switch or a chip). */
bool eth_impair_applies(const struct nic_impair_config *cfg, bool client_cable);
/* What the schema cannot check of nic.impair: a reorder fraction above 0
 * with a reorder_delay_ns of 0 (nothing would be overtaken). Returns false
 * with a message naming the key in err. A kind that applies nic.impair calls
 * it from its check. */
bool eth_impair_check(const struct nic_impair_config *cfg, char *err, size_t errlen);

bool eth_port_can_send(const struct eth_port *p);
/* Queue f for transmission. Returns false (f not taken, tx_refused_full
 * counted, tx_space called later) when the FIFO is full. Returns true when
 * the frame was taken, including when it was dropped for being malformed
 * or for a missing cable (counted). Short frames are padded to the minimum. */
bool eth_port_send(struct eth_port *p, struct eth_frame *f);

/* Ask for the tx_space callback when room opens (without sending). */
void eth_port_want_space(struct eth_port *p);

/* Wire occupancy of a frame of len bytes (no FCS): preamble + max(len+FCS,
 * min) + IFG at the line rate, in ps. */
sim_time_t eth_wire_time(const struct nic_eth_config *cfg, size_t len);
/* Time from the first bit to the last bit of the frame (no IFG). */
sim_time_t eth_frame_time(const struct nic_eth_config *cfg, size_t len);

/* {"tx_frames",..., "wire_reordered", "drops":{cause: n, ..., "wire_loss"}}:
 * the same keys for every port, impaired or not. */
void eth_port_write_stats(const struct eth_port *p, struct json_writer *w);

#endif
