/* workloads/ledger.h: in-order release of zero-copy receive buffers that are
 * being echoed. Bytes received are returned to the stack (recv_done) only
 * once every byte the application sent before them (or that references them)
 * has been acknowledged. One mark per echo or token; adjacent marks with the
 * same send position merge. Cost: O(1) amortised; memory: the marks. */
#ifndef TESSERA_WORKLOADS_LEDGER_H
#define TESSERA_WORKLOADS_LEDGER_H

#include <stddef.h>
#include <stdint.h>

#include "stack/stk_defs.h"

struct ledger {
    struct ledger_mark {
        uint64_t tx_pos;
        uint64_t rx_bytes;
    } * m;
    size_t head, n, cap;
    uint64_t tx_sent, tx_acked;
    struct stk_alloc alloc; /* the marks' memory */
};

/* alloc: NULL for the default (stack/stk_alloc.h). */
void ledger_init(struct ledger *l, const struct stk_alloc *alloc);
void ledger_fini(struct ledger *l);
/* rx_bytes may be released once tx_acked >= tx_sent (+ sent, already added). */
void ledger_add(struct ledger *l, uint64_t sent, uint64_t rx_bytes);
/* Records an acknowledgement; returns the receive bytes now releasable. */
uint64_t ledger_acked(struct ledger *l, uint64_t count);
/* Receive bytes releasable without waiting (tx fully acked), taken out. */
uint64_t ledger_take_ready(struct ledger *l);

#endif
