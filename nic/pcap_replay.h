/* nic/pcap_replay.h: replay a pcap file into a port at a given rate (as
 * Tilera's simulator could), for tests and for feeding recorded traffic.
 *
 * What it does: a replay owns an Ethernet port (cable it to the port under
 * test with eth_cable_connect) and sends the file's frames through it, in
 * file order: at rate_pps frames per second if given, else back to back as
 * fast as the line allows (respecting the port's flow control), or at the
 * file's own inter-frame times when original_timing is set. The file is
 * replayed `loops` times. A record the port cannot carry (too long, shorter
 * than a header) is skipped and counted; a malformed file stops the replay
 * with a message in `error`, counted, never a crash.
 *
 * Memory: the replay owns its port, reader and the frame it holds.
 * Cost: one event per frame plus the port's.
 */
#ifndef TESSERA_NIC_PCAP_REPLAY_H
#define TESSERA_NIC_PCAP_REPLAY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "nic/eth.h"
#include "nic/pcap.h"

struct pcap_replay_params {
    const char *path;
    uint64_t rate_pps;    /* 0: back to back at line rate */
    bool original_timing; /* use the file's timestamps (rate_pps ignored) */
    uint64_t loops;       /* times through the file (0 counts as 1) */
};

struct pcap_replay {
    struct eth_port port;
    struct sim_engine *engine;
    struct pcap_replay_params prm;
    char path[256];
    struct pcap_reader *r;
    struct eth_frame *held; /* read, not yet accepted by the port */
    uint64_t held_file_ps;  /* its file timestamp */
    uint64_t first_file_ps; /* file timestamp of the first record of this loop */
    sim_time_t loop_start;
    bool first_of_loop;
    uint64_t loop;
    bool done, waiting;
    uint64_t sent, skipped, errors;
    char error[320];
};

/* NULL and a message in err when the file cannot be opened. */
struct pcap_replay *pcap_replay_create(struct sim_engine *e, const struct nic_eth_config *cfg,
                                       const struct pcap_replay_params *prm, const char *name,
                                       char *err, size_t errlen);
void pcap_replay_start(struct pcap_replay *rp, sim_time_t at);
void pcap_replay_destroy(struct pcap_replay *rp);

#endif
