/* stack/seg.h: the instance's pool of segment references and the reference
 * counts on received frames.
 *
 * What it does: hands out `struct stk_seg` (a {ptr, len, seq} reference to
 * payload in an rx buffer or to application memory) from a pool allocated
 * once by seg_init (and not touched until used: freed segments are reused
 * first, then never-used ones), and counts references on rx buffers, returning a buffer
 * to the driver (driver.rx_release) when its count drops to zero.
 *
 * Memory: the pool (cfg.seg_pool entries) is owned by the instance and
 * freed by seg_fini; a segment belongs to whoever allocated it until
 * seg_free, which also drops the segment's buffer reference. Rx buffers stay
 * owned by the driver. Cost: O(1) per call, no allocation after seg_init.
 */
#ifndef TESSERA_STACK_SEG_H
#define TESSERA_STACK_SEG_H

#include "stack/stk_types.h"

/* Allocates and links the pool; false when out of memory. */
bool seg_init(struct stk *s);
void seg_fini(struct stk *s);
/* A zeroed segment, or NULL when the pool is empty. */
struct stk_seg *seg_alloc(struct stk *s);
void seg_free(struct stk *s, struct stk_seg *g);
/* Frees a chain linked through next. */
void seg_free_list(struct stk *s, struct stk_seg *g);
void seg_buf_ref(struct stk_rxbuf *b);
void seg_buf_unref(struct stk *s, struct stk_rxbuf *b);

#endif
