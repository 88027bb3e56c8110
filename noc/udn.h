/* noc/udn.h: UDN endpoints, the interface the tile runtime drives.
 *
 * What it models (TILE-Gx UDN, ../shared/facts/tilegx.md): per tile an
 * injection buffer of noc.udn.injection_depth_words words and 4 demux receive
 * queues of noc.udn.demux_depth_words words each. A message is one header word
 * (destination tile, demux queue, length) plus 1..126 data words; each word is
 * a 64-bit flit on the mesh (noc_mesh.h). The header is stripped on arrival:
 * only data words enter the demux queue. A full demux queue stops its tile's
 * ejection, and the backpressure spreads through the mesh credits.
 *
 * Sending: udn_send() writes as many words as fit into the injection buffer
 * now; if the whole message fits it returns UDN_SENT, otherwise the tile is
 * stalled (UDN_STALLED): the rest is written one word per freed slot, and the
 * tile's sent callback runs when the last word is in (the tile resumes then).
 * A stalled tile may not send again (UDN_EBUSY). Words written at time t may
 * enter the network from the next mesh cycle. udn_credits() tells how many
 * words can be written now without stalling (the credit register); a
 * credit-checked sender compares it with n + 1 before sending.
 *
 * Receiving: udn_recv_pop() takes words from a demux queue; the receive
 * callback runs once per word that arrives (from inside the mesh cycle, at
 * its time), with the queue's new count.
 *
 * Callbacks may call any udn_* function. Bad calls (tile or destination
 * outside the mesh, more than 126 words, queue out of range, send while
 * stalled) return a negative status and leave a message naming the call and
 * the value in udn_error(); nothing is sent.
 *
 * Memory: struct udn owns the demux queues; the mesh copies message words at
 * udn_send(). The udn installs itself as the mesh's sink, space and blocker
 * hooks: one udn per mesh. Cost: O(1) per word.
 */
#ifndef TESSERA_NOC_UDN_H
#define TESSERA_NOC_UDN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "noc/noc_config.h"
#include "noc/noc_mesh.h"

struct udn;

enum udn_status {
    UDN_SENT = 0,    /* the whole message is in the injection buffer */
    UDN_STALLED = 1, /* the tile stalls until its sent callback runs */
    UDN_EINVAL = -1, /* bad argument; see udn_error() */
    UDN_EBUSY = -2,  /* the tile is already stalled in a send */
};

/* The stalled send of `tile` completed at `cycle`. */
typedef void (*udn_sent_fn)(void *ctx, uint32_t tile, uint64_t cycle);
/* A word arrived in demux queue `queue` of `tile`; `count` words are waiting. */
typedef void (*udn_recv_fn)(void *ctx, uint32_t tile, unsigned queue, size_t count, uint64_t cycle);
/* A word left tile's injection buffer: udn_credits() grew by one. */
typedef void (*udn_space_fn)(void *ctx, uint32_t tile, uint64_t cycle);

struct udn_tile_hooks {
    udn_sent_fn sent;
    udn_recv_fn recv;
    udn_space_fn space;
    void *ctx;
};

/* Endpoints on every tile of mesh m (which must carry no traffic yet). */
struct udn *udn_create(struct noc_mesh *m, const struct noc_udn_config *cfg);
void udn_destroy(struct udn *u);

void udn_set_hooks(struct udn *u, uint32_t tile, const struct udn_tile_hooks *hooks);

/* Send n data words to demux queue `queue` of tile dst, from tile `tile`. */
int udn_send(struct udn *u, uint32_t tile, uint32_t dst, unsigned queue, const uint64_t *words,
             size_t n);
/* Words tile can write now without stalling (0 while stalled); -1 on a bad tile. */
long udn_credits(struct udn *u, uint32_t tile);
bool udn_stalled(const struct udn *u, uint32_t tile);
/* Words waiting in a demux queue; -1 on a bad tile or queue. */
long udn_recv_count(struct udn *u, uint32_t tile, unsigned queue);
/* Pops up to max words into out; returns how many, or -1 on a bad tile or queue. */
long udn_recv_pop(struct udn *u, uint32_t tile, unsigned queue, uint64_t *out, size_t max);

/* The message of the last failed call ("" if none). */
const char *udn_error(const struct udn *u);

/* The header word: destination tile in bits 0..31, queue in 32..39, data
 * words in 40..47 (the hardware bit layout was not found [tilegx.md]). */
uint64_t udn_header(uint32_t dst, unsigned queue, size_t n);

struct noc_mesh *udn_mesh(struct udn *u);

#endif
