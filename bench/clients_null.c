/* bench/clients_null.c: the host cost of the client side alone. 8 client
 * hosts run the mutilate-like memcached client (workloads/mcload.h through
 * sim/chip/exp/mcload_host.h, as the chip kind runs them) against a null
 * responder: one more client host behind the same switch running the
 * memcached server natively over a native store (no chip, no tile code), so
 * that what the run costs is the clients, the hosts' stacks, the switch and
 * the wires. Issue 16: at 4 M requests per simulated second this must cost
 * less host time than the chip's d12-all webserver run at the same rate
 * (bench/chip_http.sh); the ratio is printed against the figure given.
 *
 * usage: bench_clients_null [qps] [duration_ms] [chip_host_s_per_sim_ms]
 *   defaults: 4000000 requests/s offered in all, 10 ms simulated (the first
 *   2 ms not measured), and 0.13 host s per simulated ms for the chip run
 *   (docs/chip.md, "Speed"). 174 connections per host, depth 4, USR over
 *   100,000 preloaded records, 99% GETs; the responder has 64 cores; the
 *   hosts start 20 us apart (their SYNs would overflow the responder's
 *   switch port queue all at once).
 * Prints requests per simulated second achieved and offered, host CPU
 * seconds per simulated ms (the set-up excluded) and the ratio.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "nic/host/client_host.h"
#include "nic/nic_config.h"
#include "nic/switch.h"
#include "sim/chip/exp/mcload_host.h"
#include "sim/kernel/config.h"
#include "sim/tile/chip_config.h"
#include "stack/sock.h"
#include "stack/stk.h"
#include "workloads/mcd.h"

#define HOSTS 8
#define SERVER_IP 0x0a000001u
#define RECORDS 100000u

static double cpu_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void host_mac(unsigned i, uint8_t mac[6]) {
    const uint8_t m[6] = {2, 0, 0, 0, 1, (uint8_t)(i + 1)};
    memcpy(mac, m, 6);
}

int main(int argc, char **argv) {
    double qps = argc > 1 ? atof(argv[1]) : 4e6;
    double dur_ms = argc > 2 ? atof(argv[2]) : 10;
    double chip_s_per_ms = argc > 3 ? atof(argv[3]) : 0.13;
    if (!(qps > 0) || !(dur_ms > 2) || !(chip_s_per_ms > 0)) {
        fprintf(stderr, "usage: bench_clients_null [qps] [duration_ms > 2] [chip_s_per_ms]\n");
        return 2;
    }
    struct nic_config nic;
    memset(&nic, 0, sizeof nic);
    cfg_defaults(&nic_config_section, &nic);
    struct chip_config chip;
    memset(&chip, 0, sizeof chip);
    cfg_defaults(&chip_config_section, &chip);
    struct sim_engine *e = sim_engine_create();
    struct nic_switch *sw = switch_create(e, &nic, HOSTS + 1, "switch");
    char err[256];
    const uint8_t server_mac[6] = {2, 0, 0, 0, 0, 1};

    /* the null responder: memcached natively over a native store */
    struct stk_config sc;
    stk_config_default(&sc);
    memcpy(sc.mac, server_mac, 6);
    sc.ip = SERVER_IP;
    sc.arp_static_only = true;
    sc.max_conns = 4096;
    struct client_host_params sp = {64, 65536, 65536, 1};
    struct client_host *server =
        client_host_create(e, &nic.eth, &chip.host, &sp, &sc, NULL, "server", err, sizeof err);
    struct mcd_store_config stc = {.hashpower = 20, .mem_bytes = (size_t)64 << 20};
    struct mcd_store *store = mcd_store_create(&stc, NULL);
    if (!sw || !server || !store || mcd_store_preload(store, RECORDS, 19, 2) != RECORDS) {
        fprintf(stderr, "bench_clients_null: cannot build the responder: %s\n", err);
        return 1;
    }
    mcd_store_set_time(store, 1765000000u);
    struct mcd *srv = mcd_create(store, NULL);
    struct sock_events sev = mcd_events();
    struct stk *ss = client_host_stack(server);
    struct sock_rtc *srtc = sock_rtc_create(&ss, 1, &sev, srv, NULL);
    if (!srv || !srtc || mcd_start(srv, sock_rtc_sock(srtc), 1, 11211, 4096)) return 1;
    eth_cable_connect(client_host_port(server), switch_port(sw, HOSTS));

    /* the clients */
    struct client_host *h[HOSTS];
    struct mcload_host *mc[HOSTS];
    struct mcload_server target = {SERVER_IP, 11211};
    for (unsigned i = 0; i < HOSTS; i++) {
        struct stk_config c;
        stk_config_default(&c);
        host_mac(i, c.mac);
        c.ip = 0x0a00000bu + i;
        c.arp_static_only = true;
        c.max_conns = 512;
        struct client_host_params p = {8, 4096, 4096, 100u + i};
        char name[16];
        snprintf(name, sizeof name, "client%u", i);
        h[i] = client_host_create(e, &nic.eth, &chip.host, &p, &c, NULL, name, err, sizeof err);
        if (!h[i]) {
            fprintf(stderr, "bench_clients_null: %s\n", err);
            return 1;
        }
        stk_arp_add_static(client_host_stack(h[i]), SERVER_IP, server_mac);
        stk_arp_add_static(ss, c.ip, c.mac);
        eth_cable_connect(client_host_port(h[i]), switch_port(sw, i));
        struct mcload_config mcfg = {.servers = &target,
                                     .nservers = 1,
                                     .conns = 174,
                                     .depth = 4,
                                     .qps = qps / HOSTS,
                                     .records = RECORDS,
                                     .update = 0.01,
                                     .seed = 1000003u + i,
                                     .warmup = SIM_MS(2),
                                     .duration = (uint64_t)((dur_ms - 2) * 1e9)};
        mc[i] = mcload_host_create(e, h[i], &mcfg, err, sizeof err);
        if (!mc[i]) {
            fprintf(stderr, "bench_clients_null: %s\n", err);
            return 1;
        }
        /* one host after the other: 1,392 SYNs at once would overflow the
         * responder's switch port queue (nic.switch.port_queue_frames) and
         * the lost ones wait a second for their retransmission */
        mcload_host_start_at(mc[i], SIM_US(10 + 20 * i));
    }
    double t0 = cpu_s();
    sim_engine_run_until(e, SIM_US(10) + (sim_time_t)(dur_ms * 1e9));
    double host_s = cpu_s() - t0;
    double achieved = 0, offered = 0;
    uint64_t errors = 0;
    for (unsigned i = 0; i < HOSTS; i++) {
        struct mcload_result r;
        mcload_result(mcload_host_client(mc[i]), MCLOAD_LOAD, &r);
        achieved += r.qps;
        offered += r.offered_qps;
        const struct mcload_stats *st = mcload_stats(mcload_host_client(mc[i]), MCLOAD_LOAD);
        errors += st->protocol_errors + st->server_errors + st->connect_failed;
    }
    double per_ms = host_s / dur_ms;
    printf("target_qps %.0f\noffered_qps %.0f\nachieved_qps %.0f\nerrors %llu\n", qps, offered,
           achieved, (unsigned long long)errors);
    printf("host_s %.2f\nhost_s_per_sim_ms %.4f\nchip_host_s_per_sim_ms %.4f\nratio %.3f\n", host_s,
           per_ms, chip_s_per_ms, per_ms / chip_s_per_ms);
    for (unsigned i = 0; i < HOSTS; i++) mcload_host_unbind(mc[i]);
    sock_rtc_destroy(srtc);
    for (unsigned i = 0; i < HOSTS; i++) client_host_destroy(h[i]);
    client_host_destroy(server);
    switch_destroy(sw);
    for (unsigned i = 0; i < HOSTS; i++) mcload_host_destroy(mc[i]);
    mcd_destroy(srv);
    mcd_store_destroy(store);
    sim_engine_destroy(e);
    cfg_release(&nic_config_section, &nic);
    cfg_release(&chip_config_section, &chip);
    return errors ? 1 : 0;
}
