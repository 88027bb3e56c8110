#include "workloads/ledger.h"

#include "stack/stk_alloc.h"

#include <assert.h>

void ledger_init(struct ledger *l, const struct stk_alloc *alloc) {
    l->m = NULL;
    l->head = l->n = l->cap = 0;
    l->tx_sent = l->tx_acked = 0;
    l->alloc = stk_alloc_or_default(alloc);
}
void ledger_fini(struct ledger *l) {
    stk_mem_free(&l->alloc, l->m);
    l->m = NULL;
    l->head = l->n = l->cap = 0;
    l->tx_sent = l->tx_acked = 0;
}

void ledger_add(struct ledger *l, uint64_t sent, uint64_t rx_bytes) {
    l->tx_sent += sent;
    if (!rx_bytes) return;
    if (l->n) {
        struct ledger_mark *b = &l->m[(l->head + l->n - 1) % l->cap];
        if (b->tx_pos == l->tx_sent) {
            b->rx_bytes += rx_bytes;
            return;
        }
    }
    if (l->n == l->cap) {
        size_t nc = l->cap ? 2 * l->cap : 16;
        struct ledger_mark *nm = stk_mem_array(&l->alloc, nc, sizeof *nm);
        assert(nm);
        for (size_t i = 0; i < l->n; i++) nm[i] = l->m[(l->head + i) % l->cap];
        stk_mem_free(&l->alloc, l->m);
        l->m = nm;
        l->cap = nc;
        l->head = 0;
    }
    l->m[(l->head + l->n) % l->cap] = (struct ledger_mark){l->tx_sent, rx_bytes};
    l->n++;
}

uint64_t ledger_take_ready(struct ledger *l) {
    uint64_t r = 0;
    while (l->n && l->m[l->head].tx_pos <= l->tx_acked) {
        r += l->m[l->head].rx_bytes;
        l->head = (l->head + 1) % l->cap;
        l->n--;
    }
    return r;
}

uint64_t ledger_acked(struct ledger *l, uint64_t count) {
    l->tx_acked += count;
    assert(l->tx_acked <= l->tx_sent);
    return ledger_take_ready(l);
}
