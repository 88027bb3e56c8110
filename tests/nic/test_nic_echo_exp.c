/* tests/nic/test_nic_echo_exp.c: the "nic-echo" experiment kind end to end
 * (nic/nic_echo_exp.h): a run built by hand, its stats, its table, its
 * determinism, its refusals, and its pcap captures (nic.pcap_ports) as
 * tshark reads them (skipped without tshark). */
#include <criterion/criterion.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "nic/exp/nic_echo_exp.h"
#include "sim/cli/experiment.h"
#include "sim/kernel/json.h"

struct result {
    int rc;
    char *stats;
    char summary[2048];
    char stop_reason[512];
    char dir[64];
};

/* Run nic-echo with cfg; the stats object's text is returned in r->stats. */
static void run_echo(const struct tsr_config *cfg, uint64_t seed, struct result *r) {
    snprintf(r->dir, sizeof r->dir, "/tmp/tessera_nic_echo_XXXXXX");
    cr_assert_not_null(mkdtemp(r->dir));
    size_t len = 0;
    FILE *f = open_memstream(&r->stats, &len);
    cr_assert_not_null(f);
    struct json_writer w;
    json_init(&w, f);
    json_object_begin(&w);
    struct exp_run run;
    memset(&run, 0, sizeof run);
    struct tsr_config c = *cfg;
    c.experiment.kind = exp_kind_index("nic-echo");
    c.experiment.seed = seed;
    struct exp_section sections[TSR_MAX_SECTIONS];
    tsr_exp_run_init(&c, sections, &run);
    run.engine = sim_engine_create();
    run.out_dir = r->dir;
    run.stats = &w;
    r->rc = nic_echo_run(&run);
    json_object_end(&w);
    fclose(f);
    memcpy(r->summary, run.summary, sizeof r->summary);
    memcpy(r->stop_reason, run.stop_reason, sizeof r->stop_reason);
    sim_engine_destroy(run.engine);
}

/* Files in r->dir (tile_profile.csv, pcap files). */
static unsigned files_in(const struct result *r) {
    DIR *d = opendir(r->dir);
    cr_assert_not_null(d);
    unsigned n = 0;
    for (struct dirent *e; (e = readdir(d));) n += e->d_name[0] != '.';
    closedir(d);
    return n;
}

static void clean(struct result *r) {
    DIR *d = opendir(r->dir);
    for (struct dirent *e; d && (e = readdir(d));) {
        if (e->d_name[0] == '.') continue;
        char path[512];
        snprintf(path, sizeof path, "%s/%s", r->dir, e->d_name);
        unlink(path);
    }
    if (d) closedir(d);
    rmdir(r->dir);
    free(r->stats);
}

/* The unsigned value of "key": in the text after `after` (NULL: anywhere). */
static uint64_t stat_uint(const char *json, const char *after, const char *key) {
    const char *p = after ? strstr(json, after) : json;
    cr_assert_not_null(p, "no %s in %s", after, json);
    char pat[64];
    snprintf(pat, sizeof pat, "\"%s\":", key);
    p = strstr(p, pat);
    cr_assert_not_null(p, "no %s in %s", key, json);
    p += strlen(pat);
    while (*p == ' ') p++;
    return strtoull(p, NULL, 10);
}

static double stat_double(const char *json, const char *after, const char *key) {
    const char *p = after ? strstr(json, after) : json;
    cr_assert_not_null(p, "no %s in %s", after, json);
    char pat[64];
    snprintf(pat, sizeof pat, "\"%s\":", key);
    p = strstr(p, pat);
    cr_assert_not_null(p, "no %s in %s", key, json);
    p += strlen(pat);
    while (*p == ' ') p++;
    return strtod(p, NULL);
}

static struct tsr_config cfg;

static void setup(void) {
    memset(&cfg, 0, sizeof cfg);
    cfg_defaults(&tsr_config_section, &cfg);
    cfg.noc.width = 6;
    cfg.noc.height = 6;
    cfg.nic.echo.frames = 3000;
    cfg.nic.echo.rate = 0.5;
}

static void teardown(void) { cfg_release(&tsr_config_section, &cfg); }

TestSuite(nic_echo_exp, .init = setup, .fini = teardown);

Test(nic_echo_exp, below_line_rate_every_frame_comes_back) {
    struct result r;
    run_echo(&cfg, 1, &r);
    cr_assert_eq(r.rc, TSR_EXIT_OK, "%s", r.stop_reason);
    const char *s = r.stats;
    cr_assert_eq(stat_uint(s, "\"frames\"", "generated"), 3000, "%s", s);
    cr_assert_eq(stat_uint(s, "\"frames\"", "echoed"), 3000, "%s", s);
    cr_assert_eq(stat_uint(s, "\"frames\"", "dropped"), 0, "%s", s);
    cr_assert_eq(stat_uint(s, "\"frames\"", "unaccounted"), 0, "%s", s);
    cr_assert_eq(stat_uint(s, "\"latency_ns\"", "count"), 3000, "%s", s);
    cr_assert_eq(stat_uint(s, NULL, "latency_unmatched"), 0, "%s", s);
    /* at half the line rate of 64 B frames (14.88 Mpps) the echo keeps up */
    double line = stat_double(s, "\"rate\"", "line_mpps");
    cr_assert(line > 14.87 && line < 14.89, "%f", line);
    double off = stat_double(s, "\"rate\"", "offered_mpps");
    double ach = stat_double(s, "\"rate\"", "achieved_mpps");
    cr_assert(off > 7.4 && off < 7.5, "%f", off);
    cr_assert(ach > 0.95 * off && ach < 1.05 * off, "offered %f achieved %f", off, ach);
    /* a round trip is two wire times of 67.2 ns and two cables at least */
    double p50 = stat_double(s, "\"latency_ns\"", "p50");
    cr_assert(p50 > 2 * 51.2 + 20 && p50 < 20000, "%f", p50);
    /* four echo tiles, each did some of the work, driver cycles charged */
    uint64_t sum = 0;
    const char *p = strstr(s, "\"echo_tiles\"");
    for (unsigned i = 0; i < 4; i++) {
        char key[32];
        snprintf(key, sizeof key, "\"tile\": %u", 1 + i);
        const char *t = strstr(p, key);
        if (!t) {
            snprintf(key, sizeof key, "\"tile\":%u", 1 + i);
            t = strstr(p, key);
        }
        cr_assert_not_null(t, "tile %u in %s", 1 + i, p);
        uint64_t e = stat_uint(t, NULL, "echoed");
        cr_assert(e > 0, "tile %u echoed nothing", 1 + i);
        sum += e;
        double busy = stat_double(t, NULL, "busy_fraction");
        double drv = stat_double(t, NULL, "driver_share_of_busy");
        cr_assert(busy > 0 && busy < 1, "%f", busy);
        cr_assert(drv > 0 && drv < 1, "%f", drv);
    }
    cr_assert_eq(sum, 3000);
    cr_assert(strstr(s, "\"chip_nic\"") && strstr(s, "\"mpipe\"") && strstr(s, "\"chip\"") &&
                  strstr(s, "\"echo_tiles_total\""),
              "%s", s);
    cr_assert(strstr(r.summary, "echoed 3000, dropped 0") != NULL, "%s", r.summary);

    /* the profile table: a header and rows of every tile */
    char path[256];
    snprintf(path, sizeof path, "%s/tile_profile.csv", r.dir);
    FILE *in = fopen(path, "r");
    cr_assert_not_null(in);
    char line_buf[256];
    int rows = 0, driver_rows = 0;
    while (fgets(line_buf, sizeof line_buf, in)) {
        rows++;
        if (strstr(line_buf, ",driver,")) driver_rows++;
    }
    fclose(in);
    cr_assert(rows > 36, "%d rows", rows);
    cr_assert(driver_rows >= 4, "%d driver rows", driver_rows);
    clean(&r);
}

Test(nic_echo_exp, same_seed_same_stats_other_seed_other_flows) {
    struct result a, b, c;
    run_echo(&cfg, 7, &a);
    run_echo(&cfg, 7, &b);
    run_echo(&cfg, 8, &c);
    cr_assert_eq(a.rc, TSR_EXIT_OK, "%s", a.stop_reason);
    cr_assert_str_eq(a.stats, b.stats);
    cr_assert_str_eq(a.summary, b.summary);
    /* other flows: the classifier spreads them differently over the tiles */
    cr_assert_str_neq(a.stats, c.stats);
    clean(&a);
    clean(&b);
    clean(&c);
}

Test(nic_echo_exp, refuses_what_does_not_fit) {
    struct result r;
    cfg.nic.echo.echo_tiles = 5; /* nic.mpipe.rings is 4 */
    run_echo(&cfg, 1, &r);
    cr_assert_eq(r.rc, TSR_EXIT_BAD_INPUT);
    cr_assert(strstr(r.stop_reason, "nic.echo.echo_tiles") &&
                  strstr(r.stop_reason, "nic.mpipe.rings"),
              "%s", r.stop_reason);
    clean(&r);
    cfg.nic.echo.echo_tiles = 4;
    cfg.nic.echo.first_tile = 33; /* 33 + 4 > 36 */
    run_echo(&cfg, 1, &r);
    cr_assert_eq(r.rc, TSR_EXIT_BAD_INPUT);
    cr_assert(strstr(r.stop_reason, "nic.echo.first_tile") != NULL, "%s", r.stop_reason);
    clean(&r);
}

Test(nic_echo_exp, config_check_names_frame_bytes) {
    char err[256];
    cr_assert(nic_config_check(&cfg.nic, err, sizeof err), "%s", err);
    cfg.nic.echo.frame_bytes = 2000; /* > nic.eth.max_frame_bytes 1518 */
    cr_assert_not(nic_config_check(&cfg.nic, err, sizeof err));
    cr_assert(strstr(err, "nic.echo.frame_bytes") != NULL, "%s", err);
}

/* The port's object in the stats' "ports" (name: "gen", "chip0.p0"). */
static const char *port_stats(const char *s, const char *name) {
    char key[32];
    snprintf(key, sizeof key, "\"%s\":", name);
    const char *ports = strstr(s, "\"ports\"");
    cr_assert_not_null(ports, "%s", s);
    const char *at = strstr(ports, key);
    cr_assert_not_null(at, "%s in %s", key, s);
    return at;
}

Test(nic_echo_exp, wire_loss_on_the_generator_cable_is_a_counted_drop) {
    cfg.nic.impair.loss = 0.1;
    struct result r, all;
    run_echo(&cfg, 1, &r);
    cr_assert_eq(r.rc, TSR_EXIT_OK, "%s", r.stop_reason);
    const char *s = r.stats;
    uint64_t to = stat_uint(port_stats(s, "gen"), "\"drops\"", "wire_loss");
    uint64_t back = stat_uint(port_stats(s, "chip0.p0"), "\"drops\"", "wire_loss");
    uint64_t wire = stat_uint(s, "\"drops\"", "wire_loss");
    /* 10% of 3000 on the way in (standard deviation 16.4), 10% of the rest back */
    cr_assert(to > 3000 / 10 - 80 && to < 3000 / 10 + 80, "lost on the way in %llu",
              (unsigned long long)to);
    cr_assert(back > 0, "%s", s);
    cr_assert_eq(wire, to + back, "%s", s);
    /* every frame is echoed or a counted drop; at half the line rate the wire
     * is the only cause */
    cr_assert_eq(stat_uint(s, "\"frames\"", "generated"), 3000, "%s", s);
    cr_assert_eq(stat_uint(s, "\"frames\"", "dropped"), wire, "%s", s);
    cr_assert_eq(stat_uint(s, "\"frames\"", "echoed"), 3000 - wire, "%s", s);
    cr_assert_eq(stat_uint(s, "\"frames\"", "unaccounted"), 0, "%s", s);
    cr_assert_eq(stat_uint(s, "\"latency_ns\"", "count"), 3000 - wire, "%s", s);
    cr_assert_eq(stat_uint(s, NULL, "latency_unmatched"), 0, "%s", s);
    char line[64];
    snprintf(line, sizeof line, "wire %llu), unaccounted 0", (unsigned long long)wire);
    cr_assert(strstr(r.summary, line) != NULL, "%s", r.summary);
    /* nic-echo's only cable is the generator's: "all" impairs the same one */
    cfg.nic.impair.cables = NIC_IMPAIR_ALL;
    run_echo(&cfg, 1, &all);
    cr_assert_str_eq(all.stats, r.stats);
    clean(&r);
    clean(&all);
}

Test(nic_echo_exp, wire_reorder_loses_nothing_and_repeats_with_the_seed) {
    cfg.nic.impair.reorder = 0.1; /* held back 1 us (the default delay) */
    struct result a, b;
    run_echo(&cfg, 1, &a);
    run_echo(&cfg, 1, &b);
    cr_assert_eq(a.rc, TSR_EXIT_OK, "%s", a.stop_reason);
    const char *s = a.stats;
    cr_assert_str_eq(a.stats, b.stats);
    cr_assert(stat_uint(port_stats(s, "gen"), NULL, "wire_reordered") > 0, "%s", s);
    cr_assert(stat_uint(port_stats(s, "chip0.p0"), NULL, "wire_reordered") > 0, "%s", s);
    cr_assert_eq(stat_uint(s, "\"frames\"", "echoed"), 3000, "%s", s);
    cr_assert_eq(stat_uint(s, "\"frames\"", "dropped"), 0, "%s", s);
    cr_assert_eq(stat_uint(s, "\"frames\"", "unaccounted"), 0, "%s", s);
    cr_assert_eq(stat_uint(s, "\"latency_ns\"", "count"), 3000, "%s", s);
    cr_assert_eq(stat_uint(s, NULL, "latency_unmatched"), 0, "%s", s);
    /* about one frame in five is held back once: the p99 round trip has the 1 us */
    double p99 = stat_double(s, "\"latency_ns\"", "p99");
    cr_assert(p99 > 1000, "%f", p99);
    clean(&a);
    clean(&b);
}

Test(nic_echo_exp, refuses_reordering_without_a_delay_before_running) {
    cfg.nic.impair.reorder = 0.1;
    cfg.nic.impair.reorder_delay_ns = 0;
    struct result r;
    run_echo(&cfg, 1, &r);
    cr_assert_eq(r.rc, TSR_EXIT_BAD_INPUT);
    cr_assert(strstr(r.stop_reason, "nic.impair.reorder_delay_ns") != NULL, "%s", r.stop_reason);
    cr_assert_eq(files_in(&r), 0);
    clean(&r);
}

static void set_pcap_ports(const char *spec) {
    free(cfg.nic.pcap_ports);
    cfg.nic.pcap_ports = strdup(spec);
    cr_assert_not_null(cfg.nic.pcap_ports);
}

/* Frames tshark reads in dir/file. */
static uint64_t tshark_frames(const char *dir, const char *file) {
    char cmd[512], out[64];
    snprintf(cmd, sizeof cmd, "tshark -n -r %s/%s -T fields -e frame.number 2>/dev/null | wc -l",
             dir, file);
    FILE *p = popen(cmd, "r");
    cr_assert_not_null(p, "cannot run %s", cmd);
    size_t n = fread(out, 1, sizeof out - 1, p);
    out[n] = 0;
    cr_assert_eq(pclose(p), 0, "%s: %s", cmd, out);
    return strtoull(out, NULL, 10);
}

Test(nic_echo_exp, pcap_ports_all_writes_every_port_as_its_counters_say) {
    if (system("tshark --version > /dev/null 2>&1") != 0)
        cr_skip_test("tshark is not installed (Debian package tshark)");
    set_pcap_ports("all");
    struct result r;
    run_echo(&cfg, 1, &r);
    cr_assert_eq(r.rc, TSR_EXIT_OK, "%s", r.stop_reason);
    const char *s = r.stats;
    /* gen and the four device ports, and tile_profile.csv */
    cr_assert_eq(files_in(&r), 1 + 1 + 4, "%s", s);
    const char *ports[] = {"gen", "chip0.p0"};
    for (unsigned i = 0; i < 2; i++) {
        char key[32], file[32];
        snprintf(key, sizeof key, "\"%s\":", ports[i]);
        snprintf(file, sizeof file, "%s.pcap", ports[i]);
        const char *at = strstr(strstr(s, "\"ports\""), key);
        cr_assert_not_null(at, "%s in %s", key, s);
        uint64_t counted = stat_uint(at, NULL, "tx_frames") + stat_uint(at, NULL, "rx_frames");
        cr_assert_eq(counted, 2 * 3000, "%s: %s", ports[i], s);
        cr_assert_eq(tshark_frames(r.dir, file), counted, "%s", file);
        /* listed in the stats with the same count */
        char listed[64];
        snprintf(listed, sizeof listed, "\"file\":\"%s\"", file);
        const char *l = strstr(strstr(s, "\"pcap_files\""), listed);
        if (!l) {
            snprintf(listed, sizeof listed, "\"file\": \"%s\"", file);
            l = strstr(strstr(s, "\"pcap_files\""), listed);
        }
        cr_assert_not_null(l, "%s not listed: %s", file, s);
        cr_assert_eq(stat_uint(l, NULL, "frames"), counted);
    }
    /* the ports without a cable: files with no frames */
    cr_assert_eq(tshark_frames(r.dir, "chip0.p3.pcap"), 0);
    cr_assert(strstr(r.summary, "\npcap: gen.pcap (6000 frames), chip0.p0.pcap (6000 frames)"),
              "%s", r.summary);
    clean(&r);
}

Test(nic_echo_exp, pcap_ports_names_one_port) {
    set_pcap_ports(" chip0.p0 ");
    struct result r;
    run_echo(&cfg, 1, &r);
    cr_assert_eq(r.rc, TSR_EXIT_OK, "%s", r.stop_reason);
    cr_assert_eq(files_in(&r), 2, "%s", r.stats);
    char path[256];
    snprintf(path, sizeof path, "%s/chip0.p0.pcap", r.dir);
    cr_assert_eq(access(path, R_OK), 0, "%s", path);
    clean(&r);
}

Test(nic_echo_exp, pcap_ports_refuses_an_unknown_port_before_running) {
    set_pcap_ports("chip0.p0,bogus.p9");
    char err[512];
    cr_assert_not(nic_echo_pcap_check(&cfg.nic, err, sizeof err));
    cr_assert(strstr(err, "nic.pcap_ports") && strstr(err, "\"bogus.p9\"") &&
                  strstr(err, "gen, chip0.p0, chip0.p1, chip0.p2, chip0.p3"),
              "%s", err);
    struct result r;
    run_echo(&cfg, 1, &r);
    cr_assert_eq(r.rc, TSR_EXIT_BAD_INPUT);
    cr_assert(strstr(r.stop_reason, "nic.pcap_ports") && strstr(r.stop_reason, "bogus.p9"), "%s",
              r.stop_reason);
    cr_assert_eq(files_in(&r), 0);
    clean(&r);
    /* a device with 2 ports has no chip0.p3 */
    cfg.nic.mpipe.ports = 2;
    set_pcap_ports("chip0.p3");
    cr_assert_not(nic_echo_pcap_check(&cfg.nic, err, sizeof err));
    set_pcap_ports("gen,chip0.p1");
    cr_assert(nic_echo_pcap_check(&cfg.nic, err, sizeof err), "%s", err);
}
