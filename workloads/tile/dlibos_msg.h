/* workloads/tile/dlibos_msg.h: the DLibOS message layer over the UDN (tile
 * code, instrumented): the compact format of the socket layer's events and
 * commands (DLibOS Table 1), batching per destination, and credit-checked
 * sends (paper 4.3, NoCMsg). docs/chip.md draws the format bit by bit.
 *
 * Format. A record is a header word plus 0..n words. Header (bit 63 first):
 *   [63:60] op     enum dmsg_op
 *   [59:52] tile   the sender (events: the network tile, which is also the
 *                  connection's name space; commands: the application tile)
 *   [51:44] n      pieces that follow (new_data, send), else 0
 *   [43:32] aux    new_conn: active bit 11, -status in bits 10..0;
 *                  shutdown: flags
 *   [31:0]  idx    the connection's index in the network tile's name space
 * Words after the header:
 *   new_conn       listen_id (passive) or cookie (active)        2 words
 *   new_data       n x piece: Rx offset [63:24], length [23:0]   1 + n
 *   data_acked     count                                          2
 *   remote_closed, cleanup, shutdown, close                       1
 *   listen         listen_id; port [15:0] | backlog [47:16]       3
 *   accept         listen_id                                      2
 *   connect        cookie; ip [47:16] | port [15:0]               3
 *   recv_done      count                                          2
 *   send           n x piece: region [63] (0: the sender's        1 + n
 *                  process heap, 1: Rx memory), more [62],
 *                  offset [61:24], length [23:0]
 * Pointers travel as offsets within their region (the paper's
 * ptr(offset)): each side adds the region's base. A piece longer than
 * 2^24 - 1 bytes is split; a record with more pieces than fit in one
 * message is split into several records of the same kind.
 *
 * Batching: records for the same destination within one handler run are
 * appended to that destination's outbox and leave as one UDN message of at
 * most `max_words` words (dlibos.batch_words, at most TILE_UDN_MAX_WORDS;
 * with credit checks also at most what the tile's injection buffer holds,
 * read from the credit register at start: a longer message could never be
 * sent without stalling); a record that does not fit sends the outbox
 * first. dmsg_flush sends every
 * outbox (the tile programs call it at the end of each handler run).
 *
 * Credits (checks on): before sending, the sender reads the credit register
 * (tile_udn_credits); if the message does not fit, or older messages to the
 * same destination are still waiting, it is queued in the tile's memory, in
 * order, and retried at every later flush and on a retry timer
 * (dlibos.retry_ns) while the tile keeps draining its own input. Checks off:
 * plain sends that stall the tile while the network is full (the paper's
 * deadlock, C16).
 *
 * Reading: dmsg_read takes one record from a demux queue: the header, then
 * the rest with the blocking receive (the rest of a message is in flight
 * behind its first word, wormhole).
 *
 * Memory: the outboxes and the queued messages come from the tile's
 * private arena (a queued message whose block cannot be allocated is lost
 * and counted: `lost`). Cost: what the instrumentation measures plus the
 * UDN's charges (words sent, stalls).
 */
#ifndef TESSERA_WORKLOADS_TILE_DLIBOS_MSG_H
#define TESSERA_WORKLOADS_TILE_DLIBOS_MSG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sim/tile/tile_api.h"

/* Demux queues: events (net -> app) and commands (app -> net) apart, so
 * that a tile's consumer of each queue is one program and the message
 * dependency is one edge each way (docs/chip.md). */
#define DMSG_Q_EVENTS 0u
#define DMSG_Q_COMMANDS 1u

enum dmsg_op {
    DMSG_NEW_CONN = 1,
    DMSG_NEW_DATA,
    DMSG_DATA_ACKED,
    DMSG_REMOTE_CLOSED,
    DMSG_CLEANUP,
    DMSG_LISTEN,
    DMSG_ACCEPT,
    DMSG_CONNECT,
    DMSG_RECV_DONE,
    DMSG_SEND,
    DMSG_SHUTDOWN,
    DMSG_CLOSE,
    DMSG_OP_COUNT,
};

#define DMSG_PIECE_MAX ((1u << 24) - 1u) /* bytes of one piece */
#define DMSG_RECORD_MAX_FIXED 3u         /* the longest record without pieces (listen, connect) */
#define DMSG_OFF_BITS_RX 40u
#define DMSG_OFF_BITS_SEND 38u
#define DMSG_SEND_RX (1ull << 63)
#define DMSG_SEND_MORE (1ull << 62)
#define DMSG_AUX_ACTIVE 0x800u

static inline uint64_t dmsg_hdr(unsigned op, unsigned tile, unsigned n, unsigned aux,
                                uint32_t idx) {
    return (uint64_t)(op & 15u) << 60 | (uint64_t)(tile & 255u) << 52 | (uint64_t)(n & 255u) << 44 |
           (uint64_t)(aux & 0xfffu) << 32 | idx;
}
static inline unsigned dmsg_op(uint64_t h) { return (unsigned)(h >> 60); }
static inline unsigned dmsg_tile(uint64_t h) { return (unsigned)(h >> 52) & 255u; }
static inline unsigned dmsg_n(uint64_t h) { return (unsigned)(h >> 44) & 255u; }
static inline unsigned dmsg_aux(uint64_t h) { return (unsigned)(h >> 32) & 0xfffu; }
static inline uint32_t dmsg_idx(uint64_t h) { return (uint32_t)h; }
/* Words after the header of a record; -1 for an unknown op. */
int dmsg_tail_words(uint64_t h);

struct dmsg_stats {
    uint64_t records, messages, words;
    uint64_t queued;      /* messages that waited for credits */
    uint64_t retries;     /* sends of queued messages */
    uint64_t lost;        /* queued messages whose memory could not be allocated */
    uint64_t bad_records; /* unknown op: the rest of the queue was discarded */
};

struct dmsg_box;     /* a destination's outbox */
struct dmsg_pending; /* a message waiting for credits */

struct dmsg_port {
    struct tile *t;
    unsigned queue;     /* demux queue at the destinations */
    unsigned max_words; /* per message */
    bool checks;
    uint64_t retry_ps;
    unsigned ntiles;
    struct dmsg_box **box; /* per destination tile, allocated on first use */
    uint16_t *dirty;       /* destinations with records in their outbox */
    unsigned ndirty;
    struct dmsg_pending **phead, **ptail; /* per destination */
    unsigned waiting;                     /* destinations with queued messages */
    uint64_t *to_msgs, *to_words;         /* per destination: messages and words sent */
    bool timer_armed;
    struct dmsg_stats st;
};

/* Sets the port up (arrays from t's private arena); with checks, reads the
 * credit register (nothing may be queued yet). false: memory, or an
 * injection buffer too small for a record. */
bool dmsg_init(struct dmsg_port *p, struct tile *t, unsigned ntiles, unsigned queue,
               unsigned max_words, bool checks, uint64_t retry_ps);
/* Room for a record of `words` words (header included) in dst's outbox;
 * NULL if words > max_words, dst is out of range or memory ran out. */
uint64_t *dmsg_reserve(struct dmsg_port *p, unsigned dst, unsigned words);
/* Sends every outbox (credit checks as configured) and retries the queued. */
void dmsg_flush(struct dmsg_port *p);
/* One record of queue q into rec (cap words). Returns its words, 0 when the
 * queue is empty, -1 on an unknown op (the queue's words are discarded). */
int dmsg_read(struct dmsg_port *p, unsigned q, uint64_t *rec, size_t cap);
/* Pieces of a record that fit in one message. */
static inline unsigned dmsg_max_pieces(const struct dmsg_port *p) { return p->max_words - 1; }

#endif
