/* sim/chip/stack_config.c: the `stack:` schema, its checks and its
 * conversion to struct stk_config. See stack_config.h. */
#include "sim/chip/stack_config.h"

#include <stdio.h>

#define T struct stack_config
static const struct cfg_key stack_keys[] = {
    CFG_UINT_KEY(T, mtu, "1500", 576, 9000, "B",
                 "IP MTU of the instance's interface; the MSS it offers is mtu - 40. Ethernet's "
                 "1500 [S RFC 894]; 576 is RFC 791's smallest datagram every host takes, 9000 a "
                 "jumbo frame. Frames of mtu + 18 B must also fit the instance's port "
                 "(nic.eth.max_frame_bytes on the chip), a property of the port rather than "
                 "of the stack."),
    CFG_BOOL_KEY(T, arp_static_only, "false",
                 "Never send ARP requests: only neighbours added statically (the experiment "
                 "knows every address of its topology) are reached. Off as on any host: ARP "
                 "requests and replies are part of the traffic (assumed) [A]."),
    CFG_BOOL_KEY(T, tx_csum_offload, "false",
                 "Leave the IP, TCP and ICMP checksums of sent frames to the NIC. A property "
                 "of the chip's instances (their NIC and driver) rather than of the stack: "
                 "set it only where the NIC fills them in (the mPIPE model computes one L4 "
                 "checksum per egress packet, nic/mpipe.h). Off: the stack computes them, as "
                 "costed tile code on a tile; off assumed [A]."),
    CFG_BOOL_KEY(T, rx_csum_offload, "false",
                 "Trust the NIC's verification of received checksums. A property of the "
                 "chip's instances (their NIC and driver) rather than of the stack: set it "
                 "only where the NIC verifies them (the mPIPE model checks the IPv4 header and "
                 "flags the L4 checksum in the descriptor, nic/mpipe.h). Off: the stack "
                 "verifies them, as costed tile code on a tile; off assumed [A]."),
    CFG_UINT_KEY(T, max_conns, "1024", 1, 65535, "connections",
                 "Connection slots of an instance (TIME-WAIT holds none); a connection id "
                 "carries its slot in 16 bits, hence at most 65535; allocated at creation "
                 "(1024 assumed) [A]."),
    CFG_UINT_KEY(T, seg_pool, "65536", 16, 1048576, "references",
                 "Segment references (received pieces held, sent pieces not yet acknowledged) "
                 "of an instance, 40 B each, allocated at creation. The stack needs 16; the "
                 "top (40 MiB) is assumed [A]."),
    CFG_UINT_KEY(T, rcv_buf, "262144", 2920, 1073741824, "B",
                 "Receive buffer of a connection, the most it advertises; the window scale "
                 "follows from it (RFC 7323 2: at most 2^30). The stack needs room for two "
                 "1460 B segments; 256 KiB assumed [A]."),
    CFG_UINT_KEY(T, max_rx_segs, "2048", 4, 1048576, "references",
                 "Segment references one connection may hold received (in order or not) "
                 "before it drops segments; limits above seg_pool have no effect (assumed) "
                 "[A]."),
    CFG_UINT_KEY(T, timer_tick_ns, "1000", 1, 10000000, "ns",
                 "Granularity of the instance's timing wheel: timers fire on tick boundaries. "
                 "1 us assumed; the top is a Linux jiffy at HZ=100 (10 ms) [A]."),
    CFG_UINT_KEY(T, rto_initial_us, "1000000", 1, 600000000, "us",
                 "Retransmission timeout before an RTT is measured: 1 s [S RFC 6298 2.1]. "
                 "Between rto_min_us and rto_max_us; the range's top (10 min) is assumed."),
    CFG_UINT_KEY(T, rto_min_us, "200000", 1, 600000000, "us",
                 "Lower bound of the retransmission timeout: 200 ms as Linux (TCP_RTO_MIN) "
                 "[S Linux]; RFC 6298 2.4 says 1 s. At most rto_initial_us."),
    CFG_UINT_KEY(T, rto_max_us, "60000000", 1, 600000000, "us",
                 "Upper bound of the retransmission timeout and its backoff: 60 s, the least "
                 "RFC 6298 2.5 allows [S RFC 6298 2.5]. At least rto_initial_us."),
    CFG_UINT_KEY(T, delack_us, "40000", 0, 500000, "us",
                 "Delayed-ACK timeout (0: ACK every segment at once): 40 ms as Linux "
                 "(TCP_DELACK_MIN) [S Linux]; RFC 5681 4.2 requires an ACK within 500 ms."),
    CFG_UINT_KEY(T, time_wait_us, "60000000", 0, 240000000, "us",
                 "TIME-WAIT length (0: none): 60 s as Linux (TCP_TIMEWAIT_LEN) [S Linux]; "
                 "the top is RFC 9293's 2 x MSL of 2 minutes."),
    CFG_UINT_KEY(T, time_wait_max, "4096", 0, 1048576, "entries",
                 "Entries of the TIME-WAIT table, 56 B each with its hash (0: no TIME-WAIT); "
                 "when full the oldest is recycled. 4096 and the top (2^20, 56 MiB; the stack "
                 "takes 2^24) are assumed [A]."),
    CFG_UINT_KEY(T, fin_wait2_us, "60000000", 0, 3600000000, "us",
                 "How long an orphaned connection (closed by the application) waits in "
                 "FIN-WAIT-2 for the peer's FIN (0: forever): 60 s as Linux (tcp_fin_timeout) "
                 "[S Linux]; the top (1 h) is assumed."),
    CFG_UINT_KEY(T, syn_retries, "6", 1, 127, "retries",
                 "SYN retransmissions before a connect fails with ETIMEDOUT: 6 as Linux "
                 "(tcp_syn_retries; at most 127, MAX_TCP_SYNCNT) [S Linux]."),
    CFG_UINT_KEY(T, data_retries, "15", 1, 255, "retries",
                 "Retransmissions of data without an answer before the connection is aborted: "
                 "15 as Linux (tcp_retries2) [S Linux]; the top (255) is assumed."),
    CFG_BOOL_KEY(T, keepalive, "false",
                 "TCP keep-alive probes on every connection (RFC 9293 3.8.4). Off: RFC 1122 "
                 "4.2.3.6 says it MUST default to off [S RFC 1122], and the chip's clients are "
                 "simulated hosts that never vanish, so probes would only add frames and "
                 "timer events to the measured runs."),
    CFG_UINT_KEY(T, keepalive_idle_us, "7200000000", 1, 32767000000, "us",
                 "Time without a segment from the peer before the first probe: 2 hours, the "
                 "least RFC 1122 4.2.3.6 allows by default [S RFC 1122]; the top is Linux's "
                 "bound (MAX_TCP_KEEPIDLE, 32767 s)."),
    CFG_UINT_KEY(T, keepalive_intvl_us, "75000000", 1, 32767000000, "us",
                 "Interval between keep-alive probes: 75 s as Linux (tcp_keepalive_intvl; at "
                 "most 32767 s, MAX_TCP_KEEPINTVL) [S Linux]."),
    CFG_UINT_KEY(T, keepalive_probes, "9", 1, 127, "probes",
                 "Unanswered probes before the connection is aborted with a RST: 9 as Linux "
                 "(tcp_keepalive_probes; at most 127, MAX_TCP_KEEPCNT) [S Linux]."),
    CFG_UINT_KEY(T, init_cwnd_segs, "0", 0, 1024, "segments",
                 "Initial congestion window in segments; 0: RFC 5681 3.1's min(4 MSS, max(2 "
                 "MSS, 4380 B)) [S RFC 5681]. RFC 6928 proposes 10; the top (1024) is "
                 "assumed."),
    CFG_BOOL_KEY(T, sack, "false",
                 "Offer and use selective acknowledgments (RFC 2018) with SACK-based loss "
                 "recovery (RFC 6675) and DSACK (RFC 2883). Off on the chip [A]: its links "
                 "(NIC, switch, client hosts) neither reorder nor lose frames except by "
                 "counted overload drops, and the DLibOS paper does not say its stack has "
                 "SACK; on, it costs a 2-byte SYN option and nothing until a loss. tessera-host, "
                 "tessera-load and the stack library default to on."),
    CFG_BOOL_KEY(T, timestamps, "false",
                 "Offer and use TCP timestamps (RFC 7323: RTT measurement and PAWS) with Eifel "
                 "undo of spurious retransmits (RFC 3522). Off on the chip [A]: the option adds "
                 "12 bytes to every segment, and the paper's memcached segments are "
                 "minimum-size (DLibOS paper section 5.3), so it would change the packet rates "
                 "the figures measure. tessera-host, tessera-load and the stack library default "
                 "to on."),
    CFG_UINT_KEY(T, ephemeral_lo, "32768", 1, 65535, "port",
                 "First local port of active opens: 32768 as Linux (ip_local_port_range) "
                 "[S Linux]. At most ephemeral_hi."),
    CFG_UINT_KEY(T, ephemeral_hi, "60999", 1, 65535, "port",
                 "Last local port of active opens: 60999 as Linux (ip_local_port_range) "
                 "[S Linux]."),
};
#undef T
CFG_SECTION_DEF(stack_config_section, "stack",
                "The TCP/IP stack's settings (stack/stk.h, docs/stack.md), for every stack "
                "instance an experiment builds; addresses and memory come from the experiment.",
                stack_keys);

/* `a` <= `b`, or a message naming `a` and the limit `b`. */
static bool ordered(const char *a, uint64_t av, const char *b, uint64_t bv, char *err, size_t len) {
    if (av <= bv) return true;
    if (err && len)
        snprintf(err, len, "stack.%s: expected at most stack.%s (%llu), found %llu", a, b,
                 (unsigned long long)bv, (unsigned long long)av);
    return false;
}

bool stack_config_check(const struct stack_config *y, char *err, size_t len) {
    return ordered("rto_min_us", y->rto_min_us, "rto_initial_us", y->rto_initial_us, err, len) &&
           ordered("rto_initial_us", y->rto_initial_us, "rto_max_us", y->rto_max_us, err, len) &&
           ordered("ephemeral_lo", y->ephemeral_lo, "ephemeral_hi", y->ephemeral_hi, err, len);
}

void stack_config_to_stk(const struct stack_config *y, struct stk_config *out) {
    out->mtu = (uint16_t)y->mtu;
    out->arp_static_only = y->arp_static_only;
    out->tx_csum_offload = y->tx_csum_offload;
    out->rx_csum_offload = y->rx_csum_offload;
    out->max_conns = (uint32_t)y->max_conns;
    out->seg_pool = (uint32_t)y->seg_pool;
    out->rcv_buf = (uint32_t)y->rcv_buf;
    out->max_rx_segs = (uint32_t)y->max_rx_segs;
    out->timer_tick = y->timer_tick_ns * STK_NS;
    out->rto_initial = y->rto_initial_us * STK_US;
    out->rto_min = y->rto_min_us * STK_US;
    out->rto_max = y->rto_max_us * STK_US;
    out->delack = y->delack_us * STK_US;
    out->time_wait = y->time_wait_us * STK_US;
    out->time_wait_max = (uint32_t)y->time_wait_max;
    out->fin_wait2 = y->fin_wait2_us * STK_US;
    out->syn_retries = (unsigned)y->syn_retries;
    out->data_retries = (unsigned)y->data_retries;
    out->keepalive = y->keepalive;
    out->keepalive_idle = y->keepalive_idle_us * STK_US;
    out->keepalive_intvl = y->keepalive_intvl_us * STK_US;
    out->keepalive_probes = (unsigned)y->keepalive_probes;
    out->init_cwnd_segs = (uint32_t)y->init_cwnd_segs;
    out->sack = y->sack;
    out->timestamps = y->timestamps;
    out->ephemeral_lo = (uint16_t)y->ephemeral_lo;
    out->ephemeral_hi = (uint16_t)y->ephemeral_hi;
}
