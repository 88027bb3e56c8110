/* stack/tcp_sack.c: the SACK scoreboard and RFC 6675 (tcp_sack.h). */
#include "stack/tcp_sack.h"
#include "stack/tcb.h"
#include "stack/tcp_opt.h"

#include <string.h>

/* Inserts [l, r) and merges; the highest range goes when the board is full. */
static void sb_insert(struct stk_tcb *c, uint32_t l, uint32_t r) {
    unsigned i = 0;
    while (i < c->sb_n && SEQ_LT(c->sb[i].r, l)) i++;
    /* ranges i.. end at or after l: merge every one that starts by r */
    unsigned j = i;
    while (j < c->sb_n && SEQ_LEQ(c->sb[j].l, r)) {
        if (SEQ_LT(c->sb[j].l, l)) l = c->sb[j].l;
        if (SEQ_GT(c->sb[j].r, r)) r = c->sb[j].r;
        j++;
    }
    if (j > i) {
        /* ranges i..j-1 become one */
        c->sb[i].l = l;
        c->sb[i].r = r;
        memmove(&c->sb[i + 1], &c->sb[j], (c->sb_n - j) * sizeof c->sb[0]);
        c->sb_n = (uint8_t)(c->sb_n - (j - i - 1));
        return;
    }
    if (c->sb_n == STK_SB_MAX) {
        if (i == STK_SB_MAX) return; /* above every range: forget it */
        c->sb_n--;                   /* forget the highest */
    }
    memmove(&c->sb[i + 1], &c->sb[i], (c->sb_n - i) * sizeof c->sb[0]);
    c->sb[i].l = l;
    c->sb[i].r = r;
    c->sb_n++;
}

static uint32_t covered(const struct stk_tcb *c, uint32_t a, uint32_t b) {
    uint32_t n = 0;
    for (unsigned i = 0; i < c->sb_n; i++) {
        uint32_t l = SEQ_GT(c->sb[i].l, a) ? c->sb[i].l : a;
        uint32_t r = SEQ_LT(c->sb[i].r, b) ? c->sb[i].r : b;
        if (SEQ_LT(l, r)) n += r - l;
    }
    return n;
}

uint32_t sack_update(struct stk *s, struct stk_tcb *c, const struct tcp_opts *o, uint32_t ack) {
    uint32_t before = covered(c, c->snd_una, c->snd_max);
    for (unsigned i = 0; i < o->nsack; i++) {
        uint32_t l = o->sack[i].l, r = o->sack[i].r;
        s->ctr.tcp_sack_blocks_rx++;
        /* RFC 2883 4: a first block below the cumulative ACK, or inside the
         * second block, reports a duplicate. */
        if (i == 0 && (SEQ_LEQ(r, ack) ||
                       (o->nsack > 1 && SEQ_GEQ(l, o->sack[1].l) && SEQ_LEQ(r, o->sack[1].r)))) {
            s->ctr.tcp_dsack_rx++;
            /* RFC 8985 6.2: a D-SACK shows reordering (or a spurious
             * retransmission): widen the reordering window, once per
             * round trip. */
            if (c->reo_mult < 16 && s->now - c->reo_raised_at > c->srtt) {
                c->reo_mult = (uint8_t)(c->reo_mult ? c->reo_mult + 1 : 2);
                c->reo_raised_at = s->now;
            }
            continue;
        }
        if (!SEQ_LT(l, r)) continue;
        if (SEQ_LT(l, ack)) l = ack;
        if (SEQ_LT(l, c->snd_una)) l = c->snd_una;
        if (SEQ_GT(r, c->snd_max)) r = c->snd_max;
        if (SEQ_LT(l, r)) sb_insert(c, l, r);
    }
    uint32_t after = covered(c, c->snd_una, c->snd_max);
    if (c->sb_n && !c->sack_since) c->sack_since = s->now;
    return after > before ? after - before : 0;
}

void sack_trim(struct stk_tcb *c) {
    unsigned k = 0;
    for (unsigned i = 0; i < c->sb_n; i++) {
        if (SEQ_LEQ(c->sb[i].r, c->snd_una)) continue;
        c->sb[k] = c->sb[i];
        if (SEQ_LT(c->sb[k].l, c->snd_una)) c->sb[k].l = c->snd_una;
        k++;
    }
    c->sb_n = (uint8_t)k;
    if (!k) c->sack_since = 0;
}

void sack_clear(struct stk_tcb *c) {
    c->sb_n = 0;
    c->sack_since = 0;
}

uint32_t sack_above(const struct stk_tcb *c, uint32_t seq) { return covered(c, seq, c->snd_max); }

stk_time_t sack_reo_wnd(const struct stk_tcb *c) {
    if (!c->min_rtt) return 0;
    stk_time_t w = c->min_rtt / 4 * (c->reo_mult ? c->reo_mult : 1);
    return w < c->srtt ? w : c->srtt;
}

bool sack_timed_out(const struct stk_tcb *c, stk_time_t now) {
    return c->sb_n && c->sack_since && c->min_rtt && now - c->sack_since > sack_reo_wnd(c);
}

uint32_t sack_lost_edge(const struct stk_tcb *c, stk_time_t now) {
    if (c->rto_recovery) return c->snd_max;
    if (sack_timed_out(c, now)) return c->sb[c->sb_n - 1].l;
    uint32_t need = (tcb_dupthresh(c) - 1) * c->mss, acc = 0;
    for (unsigned i = c->sb_n; i-- > 0;) {
        acc += c->sb[i].r - c->sb[i].l;
        if (acc > need) return c->sb[i].l;
    }
    /* In recovery the hole at SND.UNA is lost even when too little is
     * SACKed above it (an episode entered on duplicate ACKs alone, or what
     * is left after partial ACKs). */
    if (c->in_recovery) return c->sb_n ? c->sb[0].l : c->snd_una + c->mss;
    return c->snd_una;
}

static bool rxt_pending(const struct stk_tcb *c) {
    return c->in_recovery && SEQ_GT(c->high_rxt, c->snd_una) && c->sb_n && c->min_rtt &&
           SEQ_GT(c->sb[c->sb_n - 1].r, c->rxt_mark);
}

stk_time_t sack_retransmit_due(const struct stk_tcb *c) {
    return rxt_pending(c) ? c->rxt_at + c->min_rtt + sack_reo_wnd(c) : 0;
}

bool sack_retransmit_lost(struct stk *s, struct stk_tcb *c) {
    if (!rxt_pending(c)) return false;
    if (sack_above(c, c->rxt_mark) <= (tcb_dupthresh(c) - 1) * c->mss &&
        s->now < sack_retransmit_due(c))
        return false;
    s->ctr.tcp_lost_retransmit++;
    c->high_rxt = c->snd_una;
    c->rxt_mark = c->snd_max;
    c->rxt_at = s->now;
    return true;
}

uint32_t sack_pipe(const struct stk_tcb *c, uint32_t lost_edge) {
    uint32_t from = SEQ_GT(lost_edge, c->snd_una) ? lost_edge : c->snd_una;
    uint32_t pipe = 0;
    if (SEQ_LT(from, c->snd_max)) pipe += (c->snd_max - from) - covered(c, from, c->snd_max);
    if (SEQ_GT(c->high_rxt, c->snd_una))
        pipe += (c->high_rxt - c->snd_una) - covered(c, c->snd_una, c->high_rxt);
    return pipe;
}

bool sack_next_hole(const struct stk_tcb *c, uint32_t lost_edge, uint32_t *seq, uint32_t *end) {
    uint32_t x = SEQ_GT(c->high_rxt, c->snd_una) ? c->high_rxt : c->snd_una;
    for (unsigned i = 0; i < c->sb_n; i++) {
        if (SEQ_LEQ(c->sb[i].r, x)) continue;
        if (SEQ_LEQ(c->sb[i].l, x)) {
            x = c->sb[i].r; /* inside a SACKed range: skip it */
            continue;
        }
        if (!SEQ_LT(x, lost_edge)) return false;
        *seq = x;
        *end = SEQ_LT(c->sb[i].l, lost_edge) ? c->sb[i].l : lost_edge;
        return true;
    }
    if (!SEQ_LT(x, lost_edge)) return false;
    *seq = x;
    *end = lost_edge;
    return true;
}
