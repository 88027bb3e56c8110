/* stack/tcp_opt.c: TCP options and the timestamp clock (tcp_opt.h). */
#include "stack/tcp_opt.h"
#include "stack/tcb.h"

enum {
    OPT_END = 0,
    OPT_NOP = 1,
    OPT_MSS = 2,
    OPT_WS = 3,
    OPT_SACK_PERM = 4,
    OPT_SACK = 5,
    OPT_TS = 8
};

bool tcp_opt_parse(const uint8_t *o, size_t n, struct tcp_opts *out) {
    out->mss = 0;
    out->ws = -1;
    out->sack_perm = out->ts = false;
    out->tsval = out->tsecr = 0;
    out->nsack = 0;
    while (n) {
        uint8_t kind = o[0];
        if (kind == OPT_END) break;
        if (kind == OPT_NOP) {
            o++;
            n--;
            continue;
        }
        if (n < 2 || o[1] < 2 || o[1] > n) return false;
        uint8_t l = o[1];
        if (kind == OPT_MSS && l == 4) {
            out->mss = rd16(o + 2);
        } else if (kind == OPT_WS && l == 3) {
            out->ws = o[2] > 14 ? 14 : o[2]; /* RFC 7323 2.3 */
        } else if (kind == OPT_SACK_PERM && l == 2) {
            out->sack_perm = true;
        } else if (kind == OPT_TS && l == 10) {
            out->ts = true;
            out->tsval = rd32(o + 2);
            out->tsecr = rd32(o + 6);
        } else if (kind == OPT_SACK && l >= 10 && (l - 2) % 8 == 0) {
            unsigned nb = (l - 2u) / 8;
            for (unsigned i = 0; i < nb && out->nsack < TCP_OPT_SACK_MAX; i++) {
                out->sack[out->nsack].l = rd32(o + 2 + 8 * i);
                out->sack[out->nsack].r = rd32(o + 6 + 8 * i);
                out->nsack++;
            }
        }
        o += l;
        n -= l;
    }
    return true;
}

static uint64_t mix64(uint64_t z) {
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

void tcp_opt_init(struct stk *s) {
    if (s->cfg.timestamps) s->ts_secret = s->drv.random(s->drv.ctx);
}

uint32_t tcp_opt_ts_offset(const struct stk *s, uint32_t rip, uint16_t rport, uint16_t lport) {
    uint64_t key = (uint64_t)rip << 32 | (uint32_t)rport << 16 | lport;
    return (uint32_t)mix64(key ^ ((uint64_t)s->ts_secret << 17));
}

size_t tcp_opt_build_ts(uint8_t *o, uint32_t tsval, uint32_t tsecr) {
    o[0] = OPT_NOP;
    o[1] = OPT_NOP;
    o[2] = OPT_TS;
    o[3] = 10;
    wr32(o + 4, tsval);
    wr32(o + 8, tsecr);
    return TCP_OPT_TS_LEN;
}

/* The SYN's options: MSS, then SACK-permitted and timestamps, then the
 * window scale (Linux's order and padding). */
__attribute__((noinline)) static size_t build_syn(struct stk *s, struct stk_tcb *c, uint8_t flags,
                                                  uint8_t *o) {
    bool offer_own = c->active && c->state == STK_SYN_SENT;
    bool ws = offer_own || c->ws_ok;
    bool sack = offer_own ? s->cfg.sack : c->sack_ok;
    bool ts = offer_own ? s->cfg.timestamps : c->ts_ok;
    size_t n = 0;
    o[n++] = OPT_MSS;
    o[n++] = 4;
    wr16(o + n, (uint16_t)(s->cfg.mtu - 40));
    n += 2;
    if (ts) {
        if (sack) {
            o[n++] = OPT_SACK_PERM;
            o[n++] = 2;
        } else {
            o[n++] = OPT_NOP;
            o[n++] = OPT_NOP;
        }
        o[n++] = OPT_TS;
        o[n++] = 10;
        wr32(o + n, tcp_opt_tsval(s, c));
        wr32(o + n + 4, (flags & TH_ACK) ? c->ts_recent : 0);
        n += 8;
    } else if (sack) {
        o[n++] = OPT_NOP;
        o[n++] = OPT_NOP;
        o[n++] = OPT_SACK_PERM;
        o[n++] = 2;
    }
    if (ws) {
        o[n++] = OPT_NOP;
        o[n++] = OPT_WS;
        o[n++] = 3;
        o[n++] = tcb_our_wscale(s);
    }
    return n;
}

/* The receiver's SACK blocks, `room` at most, into b. */
static unsigned sack_blocks(struct stk *s, struct stk_tcb *c, struct stk_sack_range *b,
                            unsigned room) {
    unsigned n = 0;
    if (c->dsack_pending) {
        b[n].l = c->dsack_l;
        b[n].r = c->dsack_r;
        n++;
        c->dsack_pending = false;
        s->ctr.tcp_dsack_sent++;
    }
    /* The block holding the latest arrival first, then the rest from the
     * lowest (the stored segments are sorted and may touch: merge runs). */
    struct stk_sack_range first = {0, 0};
    bool have_first = false;
    for (struct stk_seg *g = c->ooo; g;) {
        struct stk_sack_range r = {g->seq, g->seq + g->len};
        for (g = g->next; g && g->seq == r.r; g = g->next) r.r = g->seq + g->len;
        if (SEQ_LEQ(r.l, c->ooo_last) && SEQ_LT(c->ooo_last, r.r)) {
            first = r;
            have_first = true;
        }
    }
    if (have_first && n < room) b[n++] = first;
    for (struct stk_seg *g = c->ooo; g && n < room;) {
        struct stk_sack_range r = {g->seq, g->seq + g->len};
        for (g = g->next; g && g->seq == r.r; g = g->next) r.r = g->seq + g->len;
        if (!(have_first && r.l == first.l)) b[n++] = r;
    }
    return n;
}

/* SACK blocks after `used` option bytes at o; returns their length. */
__attribute__((noinline)) static size_t build_sack(struct stk *s, struct stk_tcb *c, uint8_t *o,
                                                   size_t used) {
    struct stk_sack_range b[TCP_OPT_SACK_MAX];
    unsigned room = (unsigned)((40 - used - 4) / 8);
    unsigned nb = sack_blocks(s, c, b, room);
    if (!nb) return 0;
    o[0] = OPT_NOP;
    o[1] = OPT_NOP;
    o[2] = OPT_SACK;
    o[3] = (uint8_t)(2 + 8 * nb);
    for (unsigned i = 0; i < nb; i++) {
        wr32(o + 4 + 8 * i, b[i].l);
        wr32(o + 8 + 8 * i, b[i].r);
    }
    return 4 + 8 * nb;
}

size_t tcp_opt_build(struct stk *s, struct stk_tcb *c, uint8_t flags, uint8_t *o,
                     size_t *sack_len) {
    *sack_len = 0;
    if (flags & TH_SYN) return build_syn(s, c, flags, o);
    if (flags & TH_RST) return 0;
    size_t n = 0;
    if (c->ts_ok) {
        uint32_t tsecr = 0;
        if (flags & TH_ACK) tsecr = c->ts_recent;
        n = tcp_opt_build_ts(o, tcp_opt_tsval(s, c), tsecr);
    }
    if (!c->sack_ok || !(flags & TH_ACK)) return n;
    if (!c->dsack_pending && !c->ooo) return n;
    *sack_len = build_sack(s, c, o + n, n);
    return n + *sack_len;
}
