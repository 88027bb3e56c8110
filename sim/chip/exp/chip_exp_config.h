/* sim/chip/exp/chip_exp_config.h: the configuration sections of the whole-
 * chip experiment kind `chip` (chip_exp.h): `dlibos` (the layout and the
 * UDN transport), `workload` (the server on the application or RTC tiles)
 * and `clients` (the client hosts and their load generator). The stack's
 * settings are the `stack` section (sim/chip/stack_config.h); the chip,
 * mesh and NIC are `chip`, `noc` and `nic`.
 *
 * Memory: bound structs own copies of their strings (cfg_release).
 * Cost: start-up only.
 */
#ifndef TESSERA_SIM_CHIP_EXP_CHIP_EXP_CONFIG_H
#define TESSERA_SIM_CHIP_EXP_CHIP_EXP_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sim/kernel/config.h"

struct dlibos_config {
    char *layout;                 /* a layout file (configs/layouts/) */
    uint64_t batch_words;         /* words per UDN message (batching bound) */
    bool credit_checks;           /* credit-checked sends (false: stalling sends) */
    uint64_t retry_ns;            /* retry of messages waiting for credits */
    uint64_t rx_credits;          /* frames an application tile's flows may hold */
    uint64_t nic_batch;           /* descriptors per poll of a stack tile */
    uint64_t rx_descs;            /* frames a stack tile's instance may hold */
    int64_t inject_rx_write_tile; /* an app tile that writes Rx memory (-1: none) */
};

enum workload_app { WORKLOAD_HTTP, WORKLOAD_HTTP_CLIENT, WORKLOAD_NETPIPE, WORKLOAD_MEMCACHED };
extern const char *const workload_app_names[];

struct workload_config {
    int app;     /* enum workload_app */
    char *files; /* file sizes in bytes, comma-separated */
    uint64_t port;
    uint64_t backlog;
    uint64_t idle_timeout_ms;
    uint64_t busy_ns; /* computation per received data event */
    int netpipe_mode; /* enum netpipe_mode (workloads/netpipe.h) */
    /* memcached: each process's store */
    uint64_t mcd_hashpower, mcd_lock_power, mcd_memory_mb, mcd_records, mcd_key_size,
        mcd_value_size;
};

struct clients_config {
    uint64_t hosts;
    uint64_t connections; /* per host */
    bool keepalive;
    uint64_t requests; /* per host; 0: until the run's duration */
    bool verify;
    uint64_t cores;    /* per host */
    uint64_t start_us; /* the clients' first connect */
    /* workload.app netpipe: client host 0's NetPIPE client */
    uint64_t netpipe_max_bytes, netpipe_repeats;
    bool netpipe_integrity;
    /* workload.app memcached: the hosts' mutilate-like clients */
    double mc_qps, mc_get_frac, mc_observer_qps;
    uint64_t mc_depth, mc_observer_conns;
    int mc_dist, mc_ia; /* enum mcload_dist, enum mcload_ia */
    /* a TAP device bridged to the chip's port 0, real time (empty: none) */
    char *tap, *tap_peer_ip, *tap_peer_mac;
    uint64_t tap_pace_us;
};
/* Keys set (to other than their defaults) that the chosen workload.app or
 * mode would ignore: false with a message naming the first one and what it
 * applies to (a key a user sets takes effect or is refused). */
bool chip_keys_apply(const struct workload_config *w, const struct clients_config *cl, char *err,
                     size_t errlen);
/* clients.tap_peer_ip and _mac parsed; false with a message naming the key. */
bool clients_tap_peer(const struct clients_config *c, uint32_t *ip, uint8_t mac[6], char *err,
                      size_t errlen);
extern const char *const mc_dist_names[];
extern const char *const mc_ia_names[];

extern const struct cfg_section dlibos_config_section;
extern const struct cfg_section workload_config_section;
extern const struct cfg_section clients_config_section;

#define WORKLOAD_FILES_MAX 64
/* Parses workload.files into sizes (at most WORKLOAD_FILES_MAX). Returns
 * the count, or 0 with a message naming the key. */
unsigned workload_file_sizes(const struct workload_config *w, uint64_t *sizes, char *err,
                             size_t errlen);

/* The file dlibos.layout names: a name without '/' or ".yaml" (e.g.
 * "d12-all") is a shipped layout, TESSERA_LAYOUTS_DIR/<name>.yaml (the
 * source tree's configs/layouts/); anything else is a path as given
 * (relative to the current folder). */
void dlibos_layout_path(const char *value, char *out, size_t len);

bool dlibos_config_check(const void *cfg, char *err, size_t errlen);
bool workload_config_check(const void *cfg, char *err, size_t errlen);

#endif
