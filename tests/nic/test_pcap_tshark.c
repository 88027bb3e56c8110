/* tests/nic/test_pcap_tshark.c: a capture of NIC traffic (a TCP flood, its
 * echo, and a gathered frame whose checksum the NIC filled) is read by
 * tshark: no malformed frames, no bad IP or TCP checksums, and tshark's TCP
 * conversation table matches our own counters. Without tshark the program
 * exits 77, which CTest reports as skipped (never as passed). */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "nic/eth_gen.h"
#include "nic/pcap.h"
#include "nic_test_util.h"

#define FLOWS 8
#define PER_FLOW 50

static char dir[64], path[128];

/* Run a shell command; its stdout (truncated to cap) into out. Returns the exit status. */
static int run(char *out, size_t cap, const char *cmd) {
    FILE *p = popen(cmd, "r");
    cr_assert(p, "cannot run %s", cmd);
    size_t n = fread(out, 1, cap - 1, p);
    out[n] = 0;
    return pclose(p);
}

/* Write the capture; fills per-flow frame counts (the gen's flows, then the gathered one). */
static void make_capture(uint64_t counts[FLOWS + 1], struct eth_flow flows[FLOWS + 1]) {
    struct nic_config cfg;
    nic_test_config(&cfg);
    struct sim_engine *eng = sim_engine_create();
    struct nic_test_dev dev;
    cr_assert(nic_test_dev_create(&dev, eng, &cfg, "chip"));
    struct nic_echo echo = {0};
    nic_echo_attach(&echo, dev.m);
    char err[256];
    struct pcap_writer *w = pcap_writer_open(path, 0, err, sizeof err);
    cr_assert(w, "%s", err);
    eth_port_set_pcap(mpipe_port(dev.m, 0), w);
    struct eth_gen_params p = {.count = FLOWS * PER_FLOW,
                               .frame_bytes = 200,
                               .flows = FLOWS,
                               .proto = IP_PROTO_TCP,
                               .seed = 9};
    struct eth_gen *g = eth_gen_create(eng, &cfg.eth, &p, "client", err, sizeof err);
    cr_assert(g, "%s", err);
    eth_cable_connect(&g->port, mpipe_port(dev.m, 0));
    eth_gen_start(g, 0);
    sim_engine_run_until(eng, SIM_TIME_MAX);
    for (int f = 0; f < FLOWS; f++) {
        flows[f] = *eth_gen_flow(g, (uint64_t)f);
        counts[f] = 2 * PER_FLOW; /* in, and echoed out */
    }
    cr_assert_eq(echo.echoed, FLOWS * PER_FLOW);

    /* A gathered reply with checksum offload: header + payload piece. */
    struct eth_flow fl = {.src_mac = {2, 0, 0, 0, 0, 2},
                          .dst_mac = {2, 0, 0, 0, 0, 1},
                          .src_ip = 0x0a800001u,
                          .dst_ip = 0x0a000063u,
                          .src_port = 80,
                          .dst_port = 40000,
                          .proto = IP_PROTO_TCP};
    static const char body[] = "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n";
    size_t blen = strlen(body);
    uint8_t ref[256];
    cr_assert(eth_build(ref, sizeof ref, &fl, NULL, body, blen, 9));
    uint64_t hdr;
    cr_assert_eq(mpipe_drv_buffer_alloc(dev.m, MPIPE_STACK_TX_HDR, &hdr, 0, NULL), 0);
    uint8_t *h = flat_host(&dev.mem, hdr, 54);
    memcpy(h, ref, 54);
    eth_put16(h + 50, 0);
    memcpy(flat_host(&dev.mem, TEST_APP_BASE, blen), body, blen);
    uint32_t seed = eth_csum_pseudo(fl.src_ip, fl.dst_ip, IP_PROTO_TCP, (uint16_t)(20 + blen));
    while (seed >> 16) seed = (seed & 0xffff) + (seed >> 16);
    struct mpipe_edesc d[2] = {
        {.addr = hdr,
         .size = 54,
         .csum = true,
         .csum_start = 34,
         .csum_dest = 50,
         .csum_seed = (uint16_t)seed,
         .hwb = true,
         .stack = MPIPE_STACK_TX_HDR},
        {.addr = TEST_APP_BASE, .size = (uint16_t)blen, .eop = true},
    };
    cr_assert_eq(mpipe_drv_edma_post(dev.m, 0, d, 2, sim_engine_now(eng), NULL), 2);
    mpipe_drv_edma_doorbell(dev.m, 0, sim_engine_now(eng), NULL);
    sim_engine_run_until(eng, SIM_TIME_MAX);
    flows[FLOWS] = fl;
    counts[FLOWS] = 1;
    cr_assert_eq(w->records, 2 * FLOWS * PER_FLOW + 1);
    cr_assert(pcap_writer_close(w, err, sizeof err), "%s", err);
    eth_gen_destroy(g);
    nic_test_dev_destroy(&dev);
    sim_engine_destroy(eng);
    nic_test_config_fini(&cfg);
}

static void setup(void) {
    snprintf(dir, sizeof dir, "/tmp/tessera-tshark-XXXXXX");
    cr_assert(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/nic.pcap", dir);
}
static void teardown(void) {
    unlink(path);
    rmdir(dir);
}
TestSuite(tshark, .init = setup, .fini = teardown);

Test(tshark, reads_our_capture_with_no_malformed_frames_or_bad_checksums) {
    uint64_t counts[FLOWS + 1];
    struct eth_flow flows[FLOWS + 1];
    make_capture(counts, flows);
    static char out[1 << 20];
    char cmd[512];
    /* Every frame is read. */
    snprintf(cmd, sizeof cmd, "tshark -n -r %s -T fields -e frame.number 2>/dev/null | wc -l",
             path);
    cr_assert_eq(run(out, sizeof out, cmd), 0);
    cr_assert_eq(atoi(out), 2 * FLOWS * PER_FLOW + 1, "tshark read %s", out);
    /* None malformed, no bad checksum (validation turned on), no expert error. */
    snprintf(cmd, sizeof cmd,
             "tshark -n -r %s -o ip.check_checksum:TRUE -o tcp.check_checksum:TRUE "
             "-Y '_ws.malformed || ip.checksum.status == \"Bad\" || "
             "tcp.checksum.status == \"Bad\" || _ws.expert.severity == error' 2>/dev/null",
             path);
    cr_assert_eq(run(out, sizeof out, cmd), 0, "%s", out);
    cr_assert_str_empty(out, "tshark flagged frames:\n%s", out);
    /* The checks do fire: good checksums are reported as such. */
    snprintf(cmd, sizeof cmd,
             "tshark -n -r %s -o ip.check_checksum:TRUE -o tcp.check_checksum:TRUE "
             "-Y 'tcp.checksum.status == \"Good\" && ip.checksum.status == \"Good\"' "
             "-T fields -e frame.number 2>/dev/null | wc -l",
             path);
    cr_assert_eq(run(out, sizeof out, cmd), 0);
    cr_assert_eq(atoi(out), 2 * FLOWS * PER_FLOW + 1, "good checksums: %s", out);
}

Test(tshark, tcp_conversation_table_matches_our_counters) {
    uint64_t counts[FLOWS + 1];
    struct eth_flow flows[FLOWS + 1];
    make_capture(counts, flows);
    static char out[1 << 20];
    char cmd[512];
    snprintf(cmd, sizeof cmd, "tshark -n -r %s -q -z conv,tcp 2>/dev/null", path);
    cr_assert_eq(run(out, sizeof out, cmd), 0, "%s", out);
    unsigned conversations = 0;
    for (char *line = strtok(out, "\n"); line; line = strtok(NULL, "\n")) {
        char a[64], b[64];
        unsigned long long f_left, f_right, f_total;
        char u1[16], u2[16];
        unsigned long long b_left, b_right;
        /* "A <-> B  frames bytes unit  frames bytes unit  total ..." */
        if (sscanf(line, "%63s <-> %63s %llu %llu %15s %llu %llu %15s %llu", a, b, &f_left, &b_left,
                   u1, &f_right, &b_right, u2, &f_total) != 9)
            continue;
        conversations++;
        bool found = false;
        for (int f = 0; f <= FLOWS; f++) {
            char ea[64], eb[64];
            uint32_t s = flows[f].src_ip, d = flows[f].dst_ip;
            snprintf(ea, sizeof ea, "%u.%u.%u.%u:%u", s >> 24, s >> 16 & 255, s >> 8 & 255, s & 255,
                     flows[f].src_port);
            snprintf(eb, sizeof eb, "%u.%u.%u.%u:%u", d >> 24, d >> 16 & 255, d >> 8 & 255, d & 255,
                     flows[f].dst_port);
            if ((!strcmp(a, ea) && !strcmp(b, eb)) || (!strcmp(a, eb) && !strcmp(b, ea))) {
                found = true;
                cr_assert_eq(f_total, counts[f], "conversation %s <-> %s: tshark %llu, ours %llu",
                             a, b, f_total, (unsigned long long)counts[f]);
            }
        }
        cr_assert(found, "tshark conversation %s <-> %s is not one of ours", a, b);
    }
    cr_assert_eq(conversations, FLOWS + 1, "tshark listed %u conversations", conversations);
}

int main(int argc, char *argv[]) {
    if (system("tshark --version > /dev/null 2>&1") != 0) {
        printf("tshark is not installed: skipped (Debian package tshark)\n");
        return 77;
    }
    struct criterion_test_set *tests = criterion_initialize();
    int result = 0;
    if (criterion_handle_args(argc, argv, true)) result = !criterion_run_all_tests(tests);
    criterion_finalize(tests);
    return result;
}
