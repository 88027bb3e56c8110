/* sim/chip/exp/ack_track.h: ACK delays seen from the clients (the paper's
 * C15: does the server acknowledge while its application is busy?).
 *
 * What it does: fed every TCP frame a client host sends and receives
 * (client_host_set_tap), it remembers, per client flow, when each segment
 * carrying data (or SYN/FIN) left the client and, when a frame from the
 * server acknowledges it, records the delay: from the segment leaving the
 * client's stack to the acknowledgement reaching the client's port, so it
 * includes the wires and the switch both ways. A retransmitted segment is
 * not measured (Karn: its ACK cannot be attributed). At most
 * ACK_TRACK_PENDING segments per flow wait for their ACK; more, and flows
 * beyond the table's size, are counted as untracked.
 *
 * Memory: the table and the histogram are the tracker's (_init/_fini).
 * Cost: a parse (nic/eth_pkt.h) and a hash lookup per frame.
 */
#ifndef TESSERA_SIM_CHIP_EXP_ACK_TRACK_H
#define TESSERA_SIM_CHIP_EXP_ACK_TRACK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sim/kernel/engine.h"
#include "sim/kernel/stats.h"

#define ACK_TRACK_PENDING 16u

struct ack_flow {
    uint64_t key;  /* client ip << 16 | client port, + 1; 0: empty */
    uint32_t high; /* highest sequence end sent so far */
    bool have_high;
    unsigned head, n;
    struct {
        uint32_t seq_end;
        sim_time_t t;
    } p[ACK_TRACK_PENDING];
};

struct ack_track {
    struct ack_flow *flows;
    uint32_t mask;
    sim_time_t from; /* delays of segments sent before are not recorded */
    struct stat_hist h;
    uint64_t measured, untracked, retransmitted;
};

/* false: out of memory. flows: the most client flows expected. */
bool ack_track_init(struct ack_track *a, uint64_t flows);
void ack_track_fini(struct ack_track *a);
void ack_track_frame(struct ack_track *a, const uint8_t *f, size_t len, bool tx, sim_time_t t);

#endif
