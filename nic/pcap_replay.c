/* nic/pcap_replay.c: replay a pcap file into a port. See pcap_replay.h. */
#include "nic/pcap_replay.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void replay_step(void *ctx, void *arg);

static void replay_tx_space(void *ctx, struct eth_port *p) {
    (void)p;
    struct pcap_replay *rp = ctx;
    if (rp->waiting) {
        rp->waiting = false;
        replay_step(rp, NULL);
    }
}

static bool replay_receive(void *ctx, struct eth_port *p, struct eth_frame *f) {
    (void)ctx, (void)p;
    eth_frame_free(f); /* frames sent back to a replay are taken and discarded */
    return true;
}

static const struct eth_client_ops replay_ops = {replay_receive, replay_tx_space};

struct pcap_replay *pcap_replay_create(struct sim_engine *e, const struct nic_eth_config *cfg,
                                       const struct pcap_replay_params *prm, const char *name,
                                       char *err, size_t errlen) {
    struct pcap_reader *r = pcap_reader_open(prm->path, err, errlen);
    if (!r) return NULL;
    struct pcap_replay *rp = calloc(1, sizeof *rp);
    if (!rp) {
        pcap_reader_close(r);
        snprintf(err, errlen, "pcap replay: out of memory");
        return NULL;
    }
    eth_port_init(&rp->port, e, cfg, name);
    eth_port_attach(&rp->port, &replay_ops, rp);
    rp->engine = e;
    rp->prm = *prm;
    snprintf(rp->path, sizeof rp->path, "%s", prm->path);
    rp->prm.path = rp->path;
    if (rp->prm.loops == 0) rp->prm.loops = 1;
    rp->r = r;
    rp->first_of_loop = true;
    return rp;
}

static void stop(struct pcap_replay *rp) {
    rp->done = true;
    pcap_reader_close(rp->r);
    rp->r = NULL;
}

/* Read the next usable record into rp->held; false at the end (or on error). */
static bool fetch(struct pcap_replay *rp) {
    for (;;) {
        const uint8_t *d;
        size_t len;
        uint64_t t;
        int rc = pcap_reader_next(rp->r, &d, &len, &t, rp->error, sizeof rp->error);
        if (rc < 0) {
            rp->errors++;
            return false;
        }
        if (rc == 0) {
            if (++rp->loop >= rp->prm.loops) return false;
            char err[320];
            pcap_reader_close(rp->r);
            rp->r = pcap_reader_open(rp->path, err, sizeof err);
            if (!rp->r) {
                snprintf(rp->error, sizeof rp->error, "%s", err);
                rp->errors++;
                return false;
            }
            rp->first_of_loop = true;
            continue;
        }
        if (len < ETH_MIN_HEADER || len + rp->port.cfg->fcs_bytes > rp->port.cfg->max_frame_bytes) {
            rp->skipped++;
            continue;
        }
        rp->held = eth_frame_copy(d, len);
        rp->held_file_ps = t;
        if (rp->first_of_loop) {
            rp->first_of_loop = false;
            rp->first_file_ps = t;
            rp->loop_start = sim_engine_now(rp->engine);
        }
        return rp->held != NULL;
    }
}

static void replay_step(void *ctx, void *arg) {
    (void)arg;
    struct pcap_replay *rp = ctx;
    if (rp->done) return;
    for (;;) {
        if (!rp->held && !fetch(rp)) {
            stop(rp);
            return;
        }
        sim_time_t now = sim_engine_now(rp->engine);
        if (rp->prm.original_timing) {
            uint64_t off =
                rp->held_file_ps >= rp->first_file_ps ? rp->held_file_ps - rp->first_file_ps : 0;
            if (rp->loop_start + off > now) {
                sim_engine_schedule_at(rp->engine, rp->loop_start + off, replay_step, rp, NULL);
                return;
            }
        }
        if (!eth_port_send(&rp->port, rp->held)) {
            rp->waiting = true; /* tx_space resumes */
            return;
        }
        rp->held = NULL;
        rp->sent++;
        if (!rp->prm.original_timing && rp->prm.rate_pps) {
            sim_time_t gap = (sim_time_t)(1000000000000ull / rp->prm.rate_pps);
            sim_engine_schedule_in(rp->engine, gap ? gap : 1, replay_step, rp, NULL);
            return;
        }
    }
}

void pcap_replay_start(struct pcap_replay *rp, sim_time_t at) {
    sim_engine_schedule_at(rp->engine, at, replay_step, rp, NULL);
}

void pcap_replay_destroy(struct pcap_replay *rp) {
    if (!rp) return;
    if (rp->held) eth_frame_free(rp->held);
    pcap_reader_close(rp->r);
    eth_port_fini(&rp->port);
    free(rp);
}
