/* stack/seg.c: segment-reference pool and rx buffer references (seg.h). */
#include "stack/seg.h"

#include "stack/stk_alloc.h"

#include <assert.h>
#include <string.h>

bool seg_init(struct stk *s) {
    s->segs = stk_mem_array(&s->cfg.alloc, s->cfg.seg_pool, sizeof *s->segs);
    if (!s->segs) return false;
    /* Nothing is linked (or touched) here: seg_alloc takes freed segments
     * first, then fresh ones from the top of the array down, which is the
     * order a list linked from index 0 up at start would give (the same
     * addresses in the same order), without writing the whole pool before
     * the first packet (a simulated tile's set-up paid for every line). */
    s->seg_free = NULL;
    s->seg_fresh = s->cfg.seg_pool;
    s->segs_free = s->cfg.seg_pool;
    return true;
}

void seg_fini(struct stk *s) {
    stk_mem_free(&s->cfg.alloc, s->segs);
    s->segs = NULL;
    s->seg_free = NULL;
    s->seg_fresh = 0;
    s->segs_free = 0;
}

struct stk_seg *seg_alloc(struct stk *s) {
    struct stk_seg *g = s->seg_free;
    if (g)
        s->seg_free = g->next;
    else if (s->seg_fresh)
        g = &s->segs[--s->seg_fresh];
    else
        return NULL;
    s->segs_free--;
    memset(g, 0, sizeof *g);
    return g;
}

void seg_free(struct stk *s, struct stk_seg *g) {
    if (g->buf) seg_buf_unref(s, g->buf);
    g->buf = NULL;
    g->next = s->seg_free;
    s->seg_free = g;
    s->segs_free++;
}

void seg_free_list(struct stk *s, struct stk_seg *g) {
    while (g) {
        struct stk_seg *n = g->next;
        seg_free(s, g);
        g = n;
    }
}

void seg_buf_ref(struct stk_rxbuf *b) { b->refs++; }

void seg_buf_unref(struct stk *s, struct stk_rxbuf *b) {
    assert(b->refs > 0);
    if (--b->refs == 0) s->drv.rx_release(s->drv.ctx, b);
}
