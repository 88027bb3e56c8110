/* tests/nic/test_nic_config.c: the nic: schema binds with defaults and from
 * YAML, bad values are refused with the key named, and a run is
 * deterministic (same config and seed, byte-identical statistics). */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nic/eth_gen.h"
#include "nic_test_util.h"
#include "sim/kernel/json.h"

Test(nic_config, defaults_are_the_sourced_values) {
    struct nic_config c;
    nic_test_config(&c);
    cr_assert_eq(c.eth.rate_bps, 10000000000ull);
    cr_assert_eq(c.eth.preamble_bytes, 8);
    cr_assert_eq(c.eth.ifg_bytes, 12);
    cr_assert_eq(c.eth.min_frame_bytes, 64);
    cr_assert_eq(c.eth.max_frame_bytes, 1518);
    cr_assert_eq(c.mpipe.classifiers, 10);
    cr_assert_eq(c.mpipe.freq_hz, 1200000000ull);
    cr_assert_eq(c.mpipe.ring_entries, 512);
    cr_assert_eq(c.mpipe.bucket_mode, MPIPE_BUCKET_STATIC);
    char err[256];
    cr_assert(nic_config_check(&c, err, sizeof err), "%s", err);
    nic_test_config_fini(&c);
}

Test(nic_config, every_key_has_a_source_tag) {
    const struct cfg_section *stack[16] = {&nic_config_section};
    int n = 1;
    while (n > 0) {
        const struct cfg_section *s = stack[--n];
        for (size_t i = 0; i < s->nkeys; i++) {
            const struct cfg_key *k = &s->keys[i];
            if (k->type == CFG_SECTION) {
                stack[n++] = k->section;
                continue;
            }
            cr_assert(k->def, "%s.%s has no default", s->name, k->name);
            cr_assert(strstr(k->doc, "[A]") || strstr(k->doc, "[P]") || strstr(k->doc, "[D]") ||
                          strstr(k->doc, "[S ") || strstr(k->doc, "[I]") || strstr(k->doc, ", I]"),
                      "%s.%s: no source tag in \"%s\"", s->name, k->name, k->doc);
        }
    }
}

Test(nic_config, binds_from_yaml_and_refuses_bad_values) {
    char path[] = "/tmp/tessera-nic-cfg-XXXXXX";
    int fd = mkstemp(path);
    cr_assert(fd >= 0);
    FILE *f = fdopen(fd, "w");
    fputs("mpipe:\n  rings: 12\n  bucket_mode: sticky\n  rss_key: \"00\"\n"
          "  small_buffer_bytes: 200\nswitch:\n  latency_ns: 500\n",
          f);
    fclose(f);
    struct cfg_errors errs = {0};
    struct cfg_doc *d = cfg_doc_load(path, &errs);
    cr_assert(d);
    struct nic_config c;
    memset(&c, 0, sizeof c);
    cr_assert(cfg_bind(d, &nic_config_section, &c, &errs));
    cr_assert_eq(c.mpipe.rings, 12);
    cr_assert_eq(c.mpipe.bucket_mode, MPIPE_BUCKET_STICKY);
    cr_assert_eq(c.sw.latency_ns, 500);
    char err[256];
    cr_assert(!nic_config_check(&c, err, sizeof err));
    cr_assert(strstr(err, "nic.mpipe.rss_key"), "%s", err);
    free(c.mpipe.rss_key);
    c.mpipe.rss_key = strdup("6d5a56da255b0ec24167253d43a38fb0d0ca2bcbae7b30b477cb2da38030f20c"
                             "6a42b73bbeac01fa");
    cr_assert(!nic_config_check(&c, err, sizeof err));
    cr_assert(strstr(err, "nic.mpipe.small_buffer_bytes"), "%s", err);
    /* mpipe_create refuses the same config, naming the key. */
    struct sim_engine *e = sim_engine_create();
    struct flat_mem mem;
    flat_init(&mem);
    cr_assert_null(mpipe_create(e, &c, &flat_mem_ops, &mem, 0, 1ull << 30, 0, 1ull << 30, "x", err,
                                sizeof err));
    cr_assert(strstr(err, "small_buffer_bytes"), "%s", err);
    /* Too little memory for the stacks. */
    c.mpipe.small_buffer_bytes = 256;
    cr_assert_null(
        mpipe_create(e, &c, &flat_mem_ops, &mem, 0, 4096, 0, 4096, "x", err, sizeof err));
    cr_assert(strstr(err, "Rx"), "%s", err);
    sim_engine_destroy(e);
    cfg_release(&nic_config_section, &c);
    cfg_doc_free(d);
    cfg_errors_fini(&errs);
    remove(path);

    /* A value out of range is refused by the schema. */
    struct cfg_doc *e2 = cfg_doc_empty();
    cr_assert(cfg_doc_set(e2, "eth.max_frame_bytes=20000", &errs));
    memset(&c, 0, sizeof c);
    cr_assert(!cfg_bind(e2, &nic_config_section, &c, &errs));
    cr_assert_geq(errs.n, 1);
    cr_assert(strstr(errs.msg[0], "max_frame_bytes"), "%s", errs.msg[0]);
    cfg_release(&nic_config_section, &c);
    cfg_doc_free(e2);
    cfg_errors_fini(&errs);
}

/* One echo run; its statistics as JSON text. */
static char *echo_stats(uint64_t seed) {
    struct nic_config cfg;
    nic_test_config(&cfg);
    cfg.mpipe.rings = 3;
    cfg.mpipe.bucket_mode = MPIPE_BUCKET_STATIC; /* ring counts depend on the flows */
    struct sim_engine *eng = sim_engine_create();
    struct nic_test_dev dev;
    cr_assert(nic_test_dev_create(&dev, eng, &cfg, "chip"));
    struct nic_echo echo = {0};
    nic_echo_attach(&echo, dev.m);
    char err[256];
    struct eth_gen_params p = {.count = 3000,
                               .frame_bytes = 300,
                               .flows = 77,
                               .proto = IP_PROTO_TCP,
                               .seed = seed,
                               .rate_pps = 5000000};
    struct eth_gen *g = eth_gen_create(eng, &cfg.eth, &p, "gen", err, sizeof err);
    eth_cable_connect(&g->port, mpipe_port(dev.m, 0));
    eth_gen_start(g, 0);
    sim_engine_run_until(eng, SIM_TIME_MAX);
    char *buf = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&buf, &len);
    struct json_writer w;
    json_init(&w, out);
    mpipe_write_stats(dev.m, &w);
    fprintf(out, "\nrx_last %llu\n", (unsigned long long)g->rx_last);
    fclose(out);
    eth_gen_destroy(g);
    nic_test_dev_destroy(&dev);
    sim_engine_destroy(eng);
    nic_test_config_fini(&cfg);
    return buf;
}

Test(nic_config, same_seed_same_results) {
    char *a = echo_stats(42), *b = echo_stats(42), *c = echo_stats(43);
    cr_assert_str_eq(a, b);
    cr_assert_str_neq(a, c);
    free(a);
    free(b);
    free(c);
}
