/* tests/nic/test_pcap.c: pcap writer and reader round trip, malformed
 * files, replay into a port at a rate, back to back, and with the file's
 * own timing. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "nic/capture.h"
#include "nic/eth_gen.h"
#include "nic/pcap.h"
#include "nic/pcap_replay.h"
#include "nic_test_util.h"

static struct nic_config cfg;
static struct sim_engine *eng;
static char dir[64], path[128];

static void setup(void) {
    nic_test_config(&cfg);
    eng = sim_engine_create();
    snprintf(dir, sizeof dir, "/tmp/tessera-nic-XXXXXX");
    cr_assert(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/cap.pcap", dir);
}
static void teardown(void) {
    unlink(path);
    rmdir(dir);
    sim_engine_destroy(eng);
    nic_test_config_fini(&cfg);
}
TestSuite(pcap, .init = setup, .fini = teardown);

/* Capture `count` frames sent by a generator at the sink's port. */
static struct eth_gen *capture(uint64_t count, uint64_t bytes, uint64_t rate) {
    char err[256];
    struct eth_gen_params p = {.count = count,
                               .frame_bytes = bytes,
                               .flows = 5,
                               .proto = IP_PROTO_TCP,
                               .seed = 2,
                               .rate_pps = rate};
    struct eth_gen *src = eth_gen_create(eng, &cfg.eth, &p, "src", err, sizeof err);
    cr_assert(src, "%s", err);
    struct eth_port sink;
    eth_port_init(&sink, eng, &cfg.eth, "sink");
    eth_cable_connect(&src->port, &sink);
    struct pcap_writer *w = pcap_writer_open(path, 0, err, sizeof err);
    cr_assert(w, "%s", err);
    eth_port_set_pcap(&sink, w);
    eth_gen_start(src, 0);
    sim_engine_run_until(eng, SIM_TIME_MAX);
    cr_assert_eq(w->records, count);
    cr_assert(pcap_writer_close(w, err, sizeof err), "%s", err);
    eth_port_fini(&sink);
    return src;
}

Test(pcap, round_trip_keeps_bytes_and_times) {
    struct eth_gen *src = capture(50, 100, 0);
    char err[256];
    struct pcap_reader *r = pcap_reader_open(path, err, sizeof err);
    cr_assert(r, "%s", err);
    const uint8_t *d;
    size_t len;
    uint64_t t, prev = 0;
    uint8_t ref[256];
    for (uint64_t i = 0; i < 50; i++) {
        cr_assert_eq(pcap_reader_next(r, &d, &len, &t, err, sizeof err), 1, "%s", err);
        size_t rl = eth_gen_build(src, i, ref, sizeof ref);
        cr_assert_eq(len, rl);
        cr_assert_eq(memcmp(d, ref, len), 0);
        /* Arrival: (i + 1) frame slots minus the gap, plus the cable; ns precision. */
        uint64_t expect = (i * eth_wire_time(&cfg.eth, 100) + eth_frame_time(&cfg.eth, 100) +
                           SIM_NS(cfg.eth.propagation_ns)) /
                          1000 * 1000;
        cr_assert_eq(t, expect, "record %llu at %llu", (unsigned long long)i,
                     (unsigned long long)t);
        cr_assert(t >= prev);
        prev = t;
    }
    cr_assert_eq(pcap_reader_next(r, &d, &len, &t, err, sizeof err), 0);
    pcap_reader_close(r);
    eth_gen_destroy(src);
}

Test(pcap, malformed_files_are_reported_not_crashed_on) {
    struct eth_gen *src = capture(3, 80, 0);
    eth_gen_destroy(src);
    char err[256];
    /* Cut the last record short. */
    FILE *f = fopen(path, "r+b");
    fseek(f, 0, SEEK_END);
    long size = ftell(f);
    fclose(f);
    cr_assert_eq(truncate(path, size - 10), 0);
    struct pcap_reader *r = pcap_reader_open(path, err, sizeof err);
    cr_assert(r);
    const uint8_t *d;
    size_t len;
    uint64_t t;
    cr_assert_eq(pcap_reader_next(r, &d, &len, &t, err, sizeof err), 1);
    cr_assert_eq(pcap_reader_next(r, &d, &len, &t, err, sizeof err), 1);
    cr_assert_eq(pcap_reader_next(r, &d, &len, &t, err, sizeof err), -1);
    cr_assert(strstr(err, "record 3: data truncated"), "%s", err);
    pcap_reader_close(r);
    /* A replay of it sends the good records and reports the bad one. */
    struct pcap_replay_params prm = {.path = path};
    struct pcap_replay *rp = pcap_replay_create(eng, &cfg.eth, &prm, "replay", err, sizeof err);
    cr_assert(rp, "%s", err);
    struct eth_port sink;
    eth_port_init(&sink, eng, &cfg.eth, "sink");
    eth_cable_connect(&rp->port, &sink);
    pcap_replay_start(rp, sim_engine_now(eng));
    sim_engine_run_until(eng, SIM_TIME_MAX);
    cr_assert_eq(rp->sent, 2);
    cr_assert_eq(rp->errors, 1);
    cr_assert(rp->done);
    cr_assert(strstr(rp->error, "truncated"), "%s", rp->error);
    cr_assert_eq(sink.st.rx_drop_no_client, 2);
    eth_port_fini(&sink);
    pcap_replay_destroy(rp);
    /* Not a pcap file at all. */
    f = fopen(path, "wb");
    fputs("this is not a capture file, just text", f);
    fclose(f);
    cr_assert_null(pcap_reader_open(path, err, sizeof err));
    cr_assert(strstr(err, "bad magic"), "%s", err);
    cr_assert_null(pcap_reader_open("/nonexistent/x.pcap", err, sizeof err));
    cr_assert(strstr(err, "cannot open"), "%s", err);
}

/* Replay the capture into a sink generator; returns it. */
static struct eth_gen *replay(const struct pcap_replay_params *prm, struct pcap_replay **out) {
    char err[256];
    struct pcap_replay *rp = pcap_replay_create(eng, &cfg.eth, prm, "replay", err, sizeof err);
    cr_assert(rp, "%s", err);
    struct eth_gen_params p = {
        .count = 0, .frame_bytes = 60, .flows = 1, .proto = IP_PROTO_UDP, .seed = 1};
    struct eth_gen *sink = eth_gen_create(eng, &cfg.eth, &p, "sink", err, sizeof err);
    eth_cable_connect(&rp->port, &sink->port);
    pcap_replay_start(rp, sim_engine_now(eng));
    sim_engine_run_until(eng, SIM_TIME_MAX);
    *out = rp;
    return sink;
}

Test(pcap, replay_at_a_given_rate_back_to_back_and_original_timing) {
    eth_gen_destroy(capture(100, 60, 250000)); /* recorded 4 us apart */
    struct pcap_replay *rp;
    struct pcap_replay_params prm = {.path = path, .rate_pps = 1000000, .loops = 2};
    struct eth_gen *sink = replay(&prm, &rp);
    cr_assert_eq(sink->rx_frames, 200);
    cr_assert_eq(sink->rx_last - sink->rx_first, SIM_US(199));
    eth_gen_destroy(sink);
    pcap_replay_destroy(rp);

    prm = (struct pcap_replay_params){.path = path};
    sink = replay(&prm, &rp);
    cr_assert_eq(sink->rx_frames, 100);
    cr_assert_eq(sink->rx_last - sink->rx_first, 99 * eth_wire_time(&cfg.eth, 60));
    eth_gen_destroy(sink);
    pcap_replay_destroy(rp);

    prm = (struct pcap_replay_params){.path = path, .original_timing = true};
    sink = replay(&prm, &rp);
    cr_assert_eq(sink->rx_frames, 100);
    cr_assert_eq(sink->rx_last - sink->rx_first, SIM_US(396));
    eth_gen_destroy(sink);
    pcap_replay_destroy(rp);
}

Test(pcap, ports_to_capture_are_chosen_by_name) {
    struct eth_port a, b;
    eth_port_init(&a, eng, &cfg.eth, "chip0.p0");
    eth_port_init(&b, eng, &cfg.eth, "switch.p4");
    struct eth_port *ports[2] = {&a, &b};
    struct pcap_writer *w[2];
    char err[256], file[256];
    cr_assert_eq(capture_ports_open(ports, 2, "", dir, w, err, sizeof err), 0);
    cr_assert_eq(capture_ports_open(ports, 2, "chip0.p0, nosuch", dir, w, err, sizeof err), -1);
    cr_assert(strstr(err, "nic.pcap_ports: no port named \"nosuch\"") &&
                  strstr(err, "chip0.p0, switch.p4"),
              "%s", err);
    cr_assert_null(a.pcap);
    cr_assert_eq(capture_ports_open(ports, 2, "switch.p4", dir, w, err, sizeof err), 1);
    cr_assert_null(w[0]);
    cr_assert_eq(b.pcap, w[1]);
    cr_assert(capture_ports_close(ports, 2, w, NULL, err, sizeof err), "%s", err);
    cr_assert_null(b.pcap);
    cr_assert_null(w[1]);
    snprintf(file, sizeof file, "%s/switch.p4.pcap", dir);
    cr_assert_eq(unlink(file), 0);
    cr_assert_eq(capture_ports_open(ports, 2, "all", dir, w, err, sizeof err), 2);
    cr_assert(capture_ports_close(ports, 2, w, NULL, err, sizeof err), "%s", err);
    for (int i = 0; i < 2; i++) {
        snprintf(file, sizeof file, "%s/%s.pcap", dir, ports[i]->name);
        cr_assert_eq(unlink(file), 0);
    }
    eth_port_fini(&a);
    eth_port_fini(&b);
}
