/* sim/chip/exp/ack_track.c: ACK delays seen from the clients. See ack_track.h. */
#include "sim/chip/exp/ack_track.h"

#include <stdlib.h>

#include "nic/eth_pkt.h"

bool ack_track_init(struct ack_track *a, uint64_t flows) {
    uint32_t slots = 1024;
    while (slots < 2 * flows && slots < (1u << 24)) slots <<= 1;
    *a = (struct ack_track){0};
    a->flows = calloc(slots, sizeof *a->flows);
    a->mask = slots - 1;
    if (!a->flows || !stat_hist_init(&a->h, STAT_HIST_DEFAULT_SUB_BITS)) {
        free(a->flows);
        a->flows = NULL;
        return false;
    }
    return true;
}

void ack_track_fini(struct ack_track *a) {
    if (!a->flows) return;
    free(a->flows);
    stat_hist_fini(&a->h);
}

static struct ack_flow *flow_of(struct ack_track *a, uint64_t key, bool add) {
    uint64_t h = key * 0x9e3779b97f4a7c15ull;
    for (uint32_t i = (uint32_t)(h >> 40) & a->mask, k = 0; k <= a->mask;
         i = (i + 1) & a->mask, k++) {
        struct ack_flow *f = &a->flows[i];
        if (f->key == key) return f;
        if (f->key == 0) {
            if (!add) return NULL;
            f->key = key;
            return f;
        }
    }
    return NULL;
}

/* a - b as a signed sequence distance */
static int32_t seq_diff(uint32_t a, uint32_t b) { return (int32_t)(a - b); }

void ack_track_frame(struct ack_track *a, const uint8_t *f, size_t len, bool tx, sim_time_t t) {
    struct eth_parsed p;
    enum eth_parse_status st = eth_parse(f, len, &p);
    if ((st != ETH_PARSE_OK && st != ETH_PARSE_BAD_IP_CSUM) || !p.is_tcp || p.l4_len < 20) return;
    const uint8_t *th = f + p.l4_off;
    unsigned doff = (th[12] >> 4) * 4u, flags = th[13];
    if (p.l4_len < doff) return;
    uint32_t payload = p.l4_len - doff;
    /* the client's end of the flow */
    uint32_t cip = tx ? p.src_ip : p.dst_ip;
    uint16_t cport = tx ? p.src_port : p.dst_port;
    uint64_t key = ((uint64_t)cip << 16 | cport) + 1;
    if (tx) {
        uint32_t len_seq = payload + ((flags & 0x02) ? 1u : 0u) + ((flags & 0x01) ? 1u : 0u);
        if (!len_seq) return;
        struct ack_flow *fl = flow_of(a, key, true);
        if (!fl) {
            a->untracked++;
            return;
        }
        uint32_t end = eth_get32(th + 4) + len_seq;
        if (flags & 0x02) fl->have_high = false; /* a new connection on this port */
        if (fl->have_high && seq_diff(end, fl->high) <= 0) {
            a->retransmitted++; /* Karn: what waits can no longer be attributed */
            fl->n = 0;
            return;
        }
        fl->high = end;
        fl->have_high = true;
        if (fl->n == ACK_TRACK_PENDING) {
            a->untracked++;
            return;
        }
        unsigned at = (fl->head + fl->n++) % ACK_TRACK_PENDING;
        fl->p[at].seq_end = end;
        fl->p[at].t = t;
    } else if (flags & 0x10) {
        struct ack_flow *fl = flow_of(a, key, false);
        if (!fl) return;
        uint32_t ack = eth_get32(th + 8);
        while (fl->n && seq_diff(ack, fl->p[fl->head].seq_end) >= 0) {
            sim_time_t sent = fl->p[fl->head].t;
            if (sent >= a->from && t >= sent) {
                stat_hist_record(&a->h, t - sent);
                a->measured++;
            }
            fl->head = (fl->head + 1) % ACK_TRACK_PENDING;
            fl->n--;
        }
    }
}
