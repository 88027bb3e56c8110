/* workloads/wrkload: the wrk-like run (httpc with a warm-up and a measured
 * window) against httpd over the in-process wire, on the wire's clock. */
#include "wire_pair.h"
#include "workloads/httpd.h"
#include "workloads/wrkload.h"

#include <criterion/criterion.h>
#include <string.h>

static uint8_t body[1024];
static const struct httpd_file FILES[] = {{"/1k.bin", body, sizeof body, "text/plain"}};

struct tw {
    struct wire_pair p;
};

static uint64_t tw_now(void *ctx) { return wire_now(((struct tw *)ctx)->p.w); }

Test(wrkload, window_rates_and_latency) {
    memset(body, 'b', sizeof body);
    struct tw t;
    struct wrkload_config c = {
        .http = {.server_ip = WIRE_PAIR_SERVER_IP,
                 .port = 80,
                 .conns = 8,
                 .targets = FILES,
                 .ntargets = 1,
                 .verify = true,
                 .now = tw_now,
                 .ctx = &t},
        .warmup = 20 * STK_MS,
        .duration = 200 * STK_MS,
    };
    struct wrkload *w = wrkload_create(&c, NULL);
    cr_assert(w);
    struct httpd *h = httpd_create(FILES, 1, NULL);
    cr_assert(h);
    struct sock_events cev = httpc_events(), sev = httpd_events();
    struct wire_side sides[2] = {{.ev = &cev, .ctx = wrkload_httpc(w)}, {.ev = &sev, .ctx = h}};
    wire_pair_init(&t.p, 50 * STK_US, sides);
    cr_assert_eq(httpd_start(h, wire_pair_sock(&t.p, 1), 1, 80, 64), 0);
    cr_assert_eq(wrkload_start(w, wire_pair_sock(&t.p, 0)), 0);
    cr_assert_eq(wrkload_start(w, wire_pair_sock(&t.p, 0)), -1);
    uint64_t end = wrkload_end(w);
    wire_run(t.p.w, end);
    wrkload_stop(w);
    for (int i = 0; i < 100 && !httpc_quiet(wrkload_httpc(w)); i++)
        wire_run(t.p.w, wire_now(t.p.w) + 10 * STK_MS);
    cr_assert(httpc_quiet(wrkload_httpc(w)));
    struct wrkload_result r;
    wrkload_result(w, &r);
    /* closed loop, 8 connections, one round trip of 100 us each (the wire
     * has no transmission time): 80,000 requests/s at most */
    cr_assert(r.rps > 40000 && r.rps <= 80000, "rps %f", r.rps);
    cr_assert_eq(r.non2xx, 0);
    cr_assert_eq((double)r.responses / 0.2, r.rps);
    /* bytes: the 1 KiB body and a head per response */
    cr_assert(r.bytes_per_s > r.rps * 1024 && r.bytes_per_s < r.rps * 1400, "B/s %f",
              r.bytes_per_s);
    cr_assert_geq(r.p50, 100 * STK_US);
    cr_assert_lt(r.p99, 1 * STK_MS);
    cr_assert_eq(wrkload_hist(w)->count, r.responses);
    /* the whole run had more than the window */
    cr_assert_gt(httpc_stats(wrkload_httpc(w))->responses, r.responses);
    wire_pair_fini(&t.p);
    wrkload_destroy(w);
    httpd_destroy(h);
}

Test(wrkload, bad_config) {
    struct httpc_config hc = {
        .server_ip = 1, .port = 80, .conns = 1, .targets = FILES, .ntargets = 1};
    struct wrkload_config c = {.http = hc};
    cr_assert_null(wrkload_create(&c, NULL)); /* no clock */
}
