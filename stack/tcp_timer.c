/* stack/tcp_timer.c: TCP timer expiry (tcp_timer.h). */
#include "stack/tcp_timer.h"
#include "stack/tcb.h"
#include "stack/tcp_out.h"
#include "stack/tcp_sack.h"
#include "stack/twheel.h"
#include "stack/work.h"

#include <assert.h>
#include <errno.h>
#include <stddef.h>

/* Keep-alive (RFC 9293 3.8.4, RFC 1122 4.2.3.6): only while the connection
 * is idle in ESTABLISHED or CLOSE-WAIT (with data outstanding the
 * retransmission timer finds a dead peer; the closing states have their own
 * timers). The probe is an ACK with SEG.SEQ = SND.NXT - 1 and no data, which
 * a live peer must answer. */
static void keepalive_fire(struct stk *s, struct stk_tcb *c) {
    if (c->state != STK_ESTABLISHED && c->state != STK_CLOSE_WAIT) return;
    stk_time_t idle_end = c->last_rx + s->cfg.keepalive_idle;
    if (c->keep_probes == 0 && s->now < idle_end) {
        tcb_arm(s, &c->t_keep, idle_end - s->now);
        return;
    }
    if (SEQ_LT(c->snd_una, c->snd_max) || c->persist) {
        c->keep_probes = 0;
        tcb_arm(s, &c->t_keep, s->cfg.keepalive_idle);
        return;
    }
    if (c->keep_probes >= s->cfg.keepalive_probes) {
        s->ctr.tcp_keepalive_drop++;
        s->ctr.tcp_rst_sent++;
        tcp_emit(s, c, c->snd_nxt, TH_RST, 0);
        tcb_abort(s, c, -ETIMEDOUT);
        return;
    }
    c->keep_probes++;
    s->ctr.tcp_keepalive_probes++;
    tcp_emit(s, c, c->snd_nxt - 1, TH_ACK, 0);
    tcb_arm(s, &c->t_keep, s->cfg.keepalive_intvl);
}

void tcp_timer_fire(void *ctx, struct twheel_entry *e) {
    struct stk *s = ctx;
    if (tw_is_timer(s, e)) {
        tw_expire(s);
        return;
    }
    size_t off = (size_t)((char *)e - (char *)s->tcbs);
    struct stk_tcb *c = &s->tcbs[off / sizeof *c];
    size_t field = off % sizeof *c;
    assert(c->in_use);
    if (field == offsetof(struct stk_tcb, t_delack)) {
        if (c->ack_delayed) {
            s->ctr.tcp_delacks++;
            c->ack_now = true;
            work_add(s, c);
        }
        return;
    }
    if (field == offsetof(struct stk_tcb, t_keep)) {
        keepalive_fire(s, c);
        return;
    }
    if (field == offsetof(struct stk_tcb, t_wait)) {
        c->state = STK_CLOSED;
        twheel_cancel(&s->wheel, &c->t_rto);
        tcb_check_cleanup(s, c);
        work_add(s, c);
        return;
    }
    assert(field == offsetof(struct stk_tcb, t_rto));
    if (c->persist) {
        /* Zero-window probe: one byte beyond the window (RFC 9293 3.8.6.1). */
        uint32_t end = tcb_data_end(c);
        if (SEQ_LT(c->snd_una, end)) {
            tcp_emit(s, c, c->snd_una, TH_ACK, 1);
            if (SEQ_GT(c->snd_una + 1, c->snd_max)) c->snd_max = c->snd_una + 1;
            s->ctr.tcp_zwp_sent++;
        }
        c->rto = c->rto * 2 > s->cfg.rto_max ? s->cfg.rto_max : c->rto * 2;
        tcb_arm(s, &c->t_rto, c->rto);
        return;
    }
    if (c->reo_armed) {
        /* The reorder timer: the time rule now calls the hole lost (fast
         * recovery), else the usual timer goes on. */
        c->reo_armed = false;
        if (c->sack_ok && !c->in_recovery && sack_timed_out(c, s->now)) {
            s->ctr.tcp_reo_timeouts++;
            tcp_sack_enter_recovery(s, c);
        } else if (c->sack_ok && sack_retransmit_lost(s, c)) {
            s->ctr.tcp_reo_timeouts++;
            work_add(s, c);
        }
        if (!twheel_armed(&c->t_rto) && SEQ_LT(c->snd_una, c->snd_max)) tcp_arm_rto(s, c);
        return;
    }
    if (c->tlp_armed) {
        /* Tail loss probe (RFC 8985 7.3): no ACK for 2 SRTT; a probe makes
         * the peer report what it holds, so a lost tail is repaired by fast
         * recovery instead of waiting for the RTO. */
        c->tlp_armed = false;
        c->tlp_out = true;
        c->tlp_high = c->snd_max;
        s->ctr.tcp_tlp_probes++;
        tcp_send_tlp(s, c);
        tcb_arm(s, &c->t_rto, c->rto);
        return;
    }
    s->ctr.tcp_rto_fired++;
    c->tlp_out = false;
    c->rto = c->rto * 2 > s->cfg.rto_max ? s->cfg.rto_max : c->rto * 2;
    c->rtt_timing = false;
    if (c->state == STK_SYN_SENT || c->state == STK_SYN_RECEIVED) {
        if (++c->retries > s->cfg.syn_retries) {
            s->ctr.tcp_conn_timeout++;
            tcb_abort(s, c, -ETIMEDOUT);
            return;
        }
        tcp_send_syn(s, c);
        tcb_arm(s, &c->t_rto, c->rto);
        return;
    }
    if (SEQ_GEQ(c->snd_una, c->snd_max)) return;
    if (++c->retries > s->cfg.data_retries) {
        s->ctr.tcp_conn_timeout++;
        tcb_abort(s, c, -ETIMEDOUT);
        return;
    }
    /* RFC 5681 3.1 eq. 4, RFC 6298 5.5-5.6. The first timeout of an episode
     * arms the Eifel test (a spurious timeout is undone by the first ACK). */
    if (c->retries == 1)
        tcp_undo_arm(s, c);
    else
        c->undo_armed = false;
    uint32_t flight = c->snd_max - c->snd_una;
    c->ssthresh = umax(flight / 2, 2 * c->mss);
    c->cwnd = c->mss;
    c->recover = c->snd_max - 1;
    c->dupacks = 0;
    c->lt_bytes = 0;
    if (c->sack_ok) {
        /* RFC 6675 5.1: every unSACKed byte is lost; retransmit those, not
         * what the peer holds. A peer that SACKed SND.UNA without ACKing it
         * has reneged, and from the third timeout in a row the board is not
         * trusted either (RFC 2018 8): forget it. */
        if (c->sb_n && c->sb[0].l == c->snd_una) s->ctr.tcp_sack_reneging++;
        if ((c->sb_n && c->sb[0].l == c->snd_una) || c->retries > 2) sack_clear(c);
        c->in_recovery = c->rto_recovery = true;
        c->sack_kick = false;
        c->high_rxt = c->snd_una;
        c->snd_nxt = c->snd_max;
    } else {
        c->in_recovery = false; /* RFC 6582 4: go back to SND.UNA */
        c->snd_nxt = c->snd_una;
    }
    work_add(s, c);
}
