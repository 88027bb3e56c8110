/* stack/work.c: the connection work list (work.h). */
#include "stack/work.h"

void work_init(struct stk *s) { s->work_head = s->work_tail = STK_NIL; }

void work_add(struct stk *s, struct stk_tcb *c) {
    if (c->on_work) return;
    c->on_work = true;
    uint32_t idx = (uint32_t)(c - s->tcbs);
    c->work_next = STK_NIL;
    if (s->work_tail == STK_NIL)
        s->work_head = idx;
    else
        s->tcbs[s->work_tail].work_next = idx;
    s->work_tail = idx;
}

struct stk_tcb *work_pop(struct stk *s) {
    if (s->work_head == STK_NIL) return NULL;
    struct stk_tcb *c = &s->tcbs[s->work_head];
    s->work_head = c->work_next;
    if (s->work_head == STK_NIL) s->work_tail = STK_NIL;
    c->on_work = false;
    return c;
}
