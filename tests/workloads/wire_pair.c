#include "wire_pair.h"

#include <criterion/criterion.h>
#include <string.h>

static uint32_t rnd(void *ctx) {
    uint32_t *s = ctx;
    *s = *s * 1664525u + 1013904223u;
    return *s;
}

void wire_pair_init(struct wire_pair *p, stk_time_t delay, const struct wire_side side[2]) {
    memset(p, 0, sizeof *p);
    struct wire_config wc = {.delay = delay};
    p->w = wire_create(&wc);
    cr_assert(p->w);
    for (unsigned i = 0; i < 2; i++) {
        p->seeds[i] = i + 7;
        struct stk_driver d;
        wire_add_port(p->w, &d, rnd, &p->seeds[i]);
        struct stk_config c;
        stk_config_default(&c);
        c.mac[5] = (uint8_t)(i + 1);
        c.ip = WIRE_PAIR_CLIENT_IP + i;
        c.time_wait = 10 * STK_MS;
        if (side[i].max_conns) c.max_conns = side[i].max_conns;
        p->s[i] = stk_create(&c, &d, side[i].app, 0, NULL, 0);
        cr_assert(p->s[i]);
        wire_bind(p->w, i, p->s[i]);
        if (side[i].ev) {
            p->rtc[i] = sock_rtc_create(&p->s[i], 1, side[i].ev, side[i].ctx, NULL);
            cr_assert(p->rtc[i]);
        }
    }
}

void wire_pair_fini(struct wire_pair *p) {
    for (unsigned i = 0; i < 2; i++) {
        sock_rtc_destroy(p->rtc[i]);
        stk_destroy(p->s[i]);
    }
    wire_destroy(p->w);
}

struct sock *wire_pair_sock(struct wire_pair *p, unsigned side) {
    cr_assert(p->rtc[side], "side %u has no socket layer", side);
    return sock_rtc_sock(p->rtc[side]);
}

void wire_pair_run(struct wire_pair *p, stk_time_t dt) { wire_run(p->w, wire_now(p->w) + dt); }
