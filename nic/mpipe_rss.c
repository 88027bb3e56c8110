/* nic/mpipe_rss.c: Toeplitz hash. See mpipe_rss.h. */
#include "nic/mpipe_rss.h"

#include <assert.h>

#include "stack/rss.h"

uint32_t mpipe_rss_toeplitz(const uint8_t key[RSS_KEY_BYTES], const uint8_t *in, size_t len) {
    assert(len + 4 <= RSS_KEY_BYTES);
    return stk_rss_toeplitz(key, in, len); /* (one implementation: stack/rss.h) */
}

static void put32(uint8_t *p, uint32_t v) {
    p[0] = (uint8_t)(v >> 24), p[1] = (uint8_t)(v >> 16), p[2] = (uint8_t)(v >> 8),
    p[3] = (uint8_t)v;
}

/* The hash input of a parsed frame; returns its length (0: not IPv4). */
static size_t flow_input(const struct eth_parsed *p, bool symmetric, uint8_t in[12]) {
    if (!p->is_ipv4) return 0;
    uint32_t sip = p->src_ip, dip = p->dst_ip;
    uint16_t sp = p->src_port, dp = p->dst_port;
    bool l4 = p->is_tcp || p->is_udp;
    if (symmetric && (sip > dip || (sip == dip && sp > dp))) {
        uint32_t t = sip;
        sip = dip, dip = t;
        uint16_t u = sp;
        sp = dp, dp = u;
    }
    put32(in, sip);
    put32(in + 4, dip);
    if (!l4) return 8;
    in[8] = (uint8_t)(sp >> 8), in[9] = (uint8_t)sp;
    in[10] = (uint8_t)(dp >> 8), in[11] = (uint8_t)dp;
    return 12;
}

uint32_t mpipe_rss_hash(const uint8_t key[RSS_KEY_BYTES], const struct eth_parsed *p,
                        bool symmetric) {
    uint8_t in[12];
    size_t n = flow_input(p, symmetric, in);
    return n ? mpipe_rss_toeplitz(key, in, n) : 0;
}

void mpipe_rss_table_init(struct mpipe_rss_table *t, const uint8_t key[RSS_KEY_BYTES]) {
    uint8_t in[RSS_INPUT_BYTES] = {0};
    for (size_t i = 0; i < RSS_INPUT_BYTES; i++) {
        for (unsigned v = 0; v < 256; v++) {
            in[i] = (uint8_t)v;
            t->t[i][v] = mpipe_rss_toeplitz(key, in, i + 1);
        }
        in[i] = 0;
    }
}

uint32_t mpipe_rss_hash_table(const struct mpipe_rss_table *t, const struct eth_parsed *p,
                              bool symmetric) {
    uint8_t in[12];
    size_t n = flow_input(p, symmetric, in);
    uint32_t h = 0;
    for (size_t i = 0; i < n; i++) h ^= t->t[i][in[i]];
    return h;
}
