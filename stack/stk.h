/* stack/stk.h: one instance of the Tessera TCP/IP stack (sans-IO).
 *
 * What it does: Ethernet II, ARP (dynamic cache plus static neighbours),
 * IPv4 (no fragment reassembly: fragments are counted and dropped), ICMP echo
 * reply, and TCP per RFC 9293 with MSS, window scaling (RFC 7323), RTO per
 * RFC 6298 (Karn, exponential backoff), NewReno congestion control (RFC 5681,
 * RFC 6582), delayed ACKs, zero-window probing, RST validation (RFC 5961 3.2
 * challenge ACKs), listen backlog with counted SYN drops, TIME-WAIT kept in a
 * compact bounded table (not a connection slot), keep-alive (off by
 * default), a fair share of the segment pool per connection when it runs low. Read RFC 9293 3.10
 * ("Event Processing") first: tcp_in.c follows its SEGMENT ARRIVES steps.
 *
 * Sans-IO: everything lives in `struct stk` (no globals); frames come in
 * through stk_input() with the current time, leave through the driver's
 * output callback, and stk_poll_at() returns the next timer deadline. Time
 * (`now`, picoseconds like sim_time_t) and randomness (the driver's random
 * callback: ISNs, ephemeral ports) come from the caller. Commands issued
 * between calls use the time of the last stk_input()/stk_poll().
 *
 * Memory: stk_create allocates the instance, the connection table, the
 * segment-reference pool and the TIME-WAIT table once, from cfg.alloc (the
 * allocator passed in: the tile runtime's arenas on a tile, the C library
 * natively when zeroed; stack/stk_alloc.h); nothing is allocated per packet. Receive is
 * zero-copy: a frame is a driver-owned `struct stk_rxbuf`; TCP payload stays
 * in it and reaches the application as {ptr, len} references; the stack counts
 * references and hands the buffer back through driver.rx_release once the
 * application has returned every byte with stk_tcp_recv_done (out-of-order
 * segments are held by reference too). Send is zero-touch: stk_tcp_send keeps
 * references to application memory, frames leave as a gather list (headers
 * from the instance's scratch + payload pointers); the application may reuse
 * memory once data_acked has covered it. The driver must copy or transmit a
 * frame before output() returns.
 *
 * Events (new_conn, new_data, data_acked, remote_closed, cleanup: DLibOS
 * Table 1) are collected while a frame or timer is processed and delivered at
 * the end of the call (the safe point), so an application callback may issue
 * any command, including close; nothing is freed under a caller. A
 * connection's slot is recycled only after cleanup has been delivered and the
 * TCP state has reached CLOSED.
 *
 * Left out: IP options and fragment reassembly, IPv6, Nagle, urgent data
 * (the URG bit is ignored), SYN cookies, path MTU discovery, ICMP errors to
 * TCP, RACK-TLP and the SACK rescue retransmission (RFC 6675 NextSeg rules
 * 3-4).
 *
 * Modules (a .c with its .h; a header without a .c is a module of its own),
 * top down; each includes and calls only modules below it, never up:
 *
 *   sock, wire         socket layer; in-process Ethernet (users of stk.h)
 *   stk                this API: instance, stk_input/stk_poll, dispatch
 *   tcp                TCP lifecycle, work-list drain and events, commands
 *   tcp_in, tcp_timer  segment arrival; timer expiry
 *   tcp_out            segment emission, RFC 6675 loss recovery's sending
 *   tcp_sack, tcp_opt  SACK scoreboard; options and the timestamp clock
 *   tcb                connection table, hash, timers arming, events
 *   ip                 Ethernet, ARP, IPv4, ICMP echo; ip_output
 *   seg, work          segment-reference pool and rx buffer refs; work list
 *   stk_types          private structs (struct stk, stk_tcb), byte helpers
 *   stk_defs, stk_alloc, twheel, cksum   public types; the default
 *                      allocator; timing wheel; checksum
 *   rss                the RSS flow hash, for drivers (used by no module)
 *
 * ip hands a TCP segment or a resolved neighbour back to stk_input, which
 * passes it to tcp_in / tcp; tcp_out sends through ip_output.
 */
#ifndef TESSERA_STACK_STK_H
#define TESSERA_STACK_STK_H

#include "stack/stk_defs.h"

/* Defaults (host-side values; each documented in docs/stack.md). */
void stk_config_default(struct stk_config *c);

/* Name of counter i in declaration order; NULL past the end. */
const char *stk_counter_name(unsigned i);
uint64_t stk_counter_value(const struct stk *s, unsigned i);

/* Returns NULL and writes a reason into err (if given) on a bad config. */
struct stk *stk_create(const struct stk_config *cfg, const struct stk_driver *drv,
                       const struct stk_app *app, stk_time_t now, char *err, size_t errlen);
/* Frees the instance; buffers still referenced are handed to rx_release. */
void stk_destroy(struct stk *s);
void stk_set_app(struct stk *s, const struct stk_app *app);

/* Processes one frame; `buf->refs` must be 0. */
void stk_input(struct stk *s, stk_time_t now, struct stk_rxbuf *buf);
/* Runs the timers due at `now`. */
void stk_poll(struct stk *s, stk_time_t now);
/* The next time stk_poll has work (STK_NEVER when idle). */
stk_time_t stk_poll_at(struct stk *s);

const struct stk_counters *stk_counters(const struct stk *s);
const struct stk_config *stk_config(const struct stk *s);
void stk_arp_add_static(struct stk *s, uint32_t ip, const uint8_t mac[6]);

/* TCP commands. Return 0 or a negative errno value (EINVAL for a bad id,
 * ENOBUFS when the segment pool is empty, ENOTCONN / EPIPE for the state). */
int stk_tcp_listen(struct stk *s, uint16_t port, unsigned backlog, uint64_t tag);
int stk_tcp_connect(struct stk *s, uint32_t dst_ip, uint16_t dst_port, uint64_t cookie,
                    uint32_t *id);
int stk_tcp_accept(struct stk *s, uint32_t id);
int stk_tcp_send(struct stk *s, uint32_t id, const struct stk_sendv *v, unsigned n);
int stk_tcp_recv_done(struct stk *s, uint32_t id, size_t count);
/* how: STK_SHUT_RD | STK_SHUT_WR */
int stk_tcp_shutdown(struct stk *s, uint32_t id, int how);
int stk_tcp_close(struct stk *s, uint32_t id);

/* Introspection for tests and tools. */
int stk_tcp_info(const struct stk *s, uint32_t id, struct stk_tcp_info *out);
const char *stk_tcp_state_name(enum stk_tcp_state st);
/* Number of connection slots in use. A connection in TIME-WAIT leaves its
 * slot for the compact TIME-WAIT table once the application has closed it. */
uint32_t stk_tcp_conns(const struct stk *s);
/* Entries in the TIME-WAIT table (at most cfg.time_wait_max). */
uint32_t stk_tcp_time_waits(const struct stk *s);

#endif
