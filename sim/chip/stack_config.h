/* sim/chip/stack_config.h: the TCP/IP stack's settings as configuration keys
 * (the `stack:` section), for the stack instances an experiment builds (on
 * the chip's network and run-to-completion tiles, or on client hosts).
 *
 * What it is: one key per setting of struct stk_config (stack/stk_defs.h)
 * except mac, ip, netmask, gateway and alloc, which the experiment sets per
 * instance from its topology and its tiles' memory. Times are whole
 * microseconds (*_us) or nanoseconds (*_ns); every key has a default equal
 * to stk_config_default() (tests/chip/test_stack_config.c compares every
 * field) and a range inside what stk_create() accepts (the same test
 * creates an instance at both ends of every range). Where stk_create() has
 * no upper bound (seg_pool, max_rx_segs, timer_tick) or a far one
 * (time_wait_max, 2^24), the schema's is assumed and says so.
 *
 * What the schema cannot see, stack_config_check() refuses: the order of
 * rto_min_us <= rto_initial_us <= rto_max_us and of ephemeral_lo <=
 * ephemeral_hi. A struct that passed the schema and that check gives, with
 * any unicast mac and a non-zero ip, a struct stk_config that stk_create()
 * accepts (it may still run out of memory: an instance on a tile takes its
 * tables from the tile's arenas, which the experiment sizes).
 *
 * Memory: plain values, no strings; nothing to release. Cost: start-up only.
 * No experiment kind reads the section yet, so setting one of its keys is
 * refused by the CLI naming the kind and the key (sim/cli/experiment.c).
 */
#ifndef TESSERA_SIM_CHIP_STACK_CONFIG_H
#define TESSERA_SIM_CHIP_STACK_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sim/kernel/config.h"
#include "stack/stk.h"

/* stack: bound by stack_config_section; field names are the keys. */
struct stack_config {
    uint64_t mtu;
    bool arp_static_only;
    bool tx_csum_offload;
    bool rx_csum_offload;
    uint64_t max_conns;
    uint64_t seg_pool;
    uint64_t rcv_buf;
    uint64_t max_rx_segs;
    uint64_t timer_tick_ns;
    uint64_t rto_initial_us;
    uint64_t rto_min_us;
    uint64_t rto_max_us;
    uint64_t delack_us;
    uint64_t time_wait_us;
    uint64_t time_wait_max;
    uint64_t fin_wait2_us;
    uint64_t syn_retries;
    uint64_t data_retries;
    bool keepalive;
    uint64_t keepalive_idle_us;
    uint64_t keepalive_intvl_us;
    uint64_t keepalive_probes;
    uint64_t init_cwnd_segs;
    bool sack;
    bool timestamps;
    uint64_t ephemeral_lo;
    uint64_t ephemeral_hi;
};

extern const struct cfg_section stack_config_section;

/* Checks what the schema cannot (the orders above). Returns false and
 * writes one message naming the key first ("stack.rto_min_us: ...") into
 * err (if not NULL). */
bool stack_config_check(const struct stack_config *y, char *err, size_t len);

/* Fills every field of `out` that the section owns (all but mac, ip,
 * netmask, gateway and alloc, which are left as the caller set them),
 * converting times to picoseconds. `y` must have passed the schema's ranges
 * and stack_config_check(). */
void stack_config_to_stk(const struct stack_config *y, struct stk_config *out);

#endif
