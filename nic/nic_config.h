/* nic/nic_config.h: configuration of the NIC model (the `nic:` section):
 * Ethernet ports and wires, the mPIPE-like device, the driver-call costs
 * charged to tile code, and the switch.
 *
 * Declared once here, with type, default, range, unit and source tag; the
 * root schema embeds nic_config_section as `nic:`. Every key has a default.
 * What the schema cannot check (the RSS key's hex text, a buffer size that
 * is not a multiple of 128 B) is checked by nic_config_check(), which
 * mpipe_create() also calls. See docs/nic.md.
 */
#ifndef TESSERA_NIC_NIC_CONFIG_H
#define TESSERA_NIC_NIC_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sim/kernel/config.h"

/* nic.eth: one 10 GbE port and its cable. */
struct nic_eth_config {
    uint64_t rate_bps;
    uint64_t preamble_bytes;  /* preamble + start-of-frame delimiter */
    uint64_t ifg_bytes;       /* inter-frame gap */
    uint64_t fcs_bytes;       /* frame check sequence (not stored in frames) */
    uint64_t min_frame_bytes; /* including the FCS; shorter frames are padded */
    uint64_t max_frame_bytes; /* including the FCS; 1518, or up to 10240 (jumbo) */
    uint64_t propagation_ns;  /* cable delay */
    uint64_t tx_queue_frames; /* MAC transmit FIFO in frames */
};

/* Bucket modes of the load balancer (facts: gxio/mpipe.h). */
enum mpipe_bucket_mode {
    MPIPE_BUCKET_STATIC,          /* a bucket always uses its ring */
    MPIPE_BUCKET_ROUND_ROBIN,     /* every packet to the least full ring */
    MPIPE_BUCKET_STICKY,          /* keep the ring while packets are in flight */
    MPIPE_BUCKET_STICKY_LOCALITY, /* keep the ring until it is full */
};
extern const char *const mpipe_bucket_mode_names[];

/* nic.mpipe: the device. */
struct nic_mpipe_config {
    uint64_t ports;
    uint64_t freq_hz;
    uint64_t classifiers;
    uint64_t classifier_cycles;
    uint64_t classifier_queue_frames;
    uint64_t rings;
    uint64_t ring_entries;
    uint64_t buckets;
    int bucket_mode; /* enum mpipe_bucket_mode */
    bool rss_symmetric;
    char *rss_key; /* 40 bytes as 80 hex digits */
    bool drop_bad_ip_csum;
    uint64_t small_buffer_bytes;
    uint64_t small_buffers;
    uint64_t large_buffer_bytes;
    uint64_t large_buffers;
    uint64_t jumbo_buffer_bytes;
    uint64_t jumbo_buffers;
    uint64_t tx_header_buffer_bytes;
    uint64_t tx_header_buffers;
    uint64_t edma_rings;
    uint64_t edma_ring_entries;
    uint64_t edma_max_gather;
    uint64_t edma_desc_cycles;
    uint64_t edma_inflight;
    uint64_t idma_cycles;
    uint64_t doorbell_cycles;
    uint64_t shim_tile; /* edge tile the device's shim attaches to (DMA mesh trips) */
};

/* nic.driver: what tile code is charged for each driver call (tile cycles). */
struct nic_driver_config {
    uint64_t idesc_read_cycles;
    uint64_t edesc_write_cycles;
    uint64_t mmio_write_cycles;
    uint64_t mmio_read_cycles;
};

/* nic.switch: the top-of-rack switch. */
struct nic_switch_config {
    uint64_t latency_ns;
    uint64_t port_queue_frames;
    uint64_t mac_table_entries;
};

/* nic.echo: the "nic-echo" experiment (nic/nic_echo_exp.h): a generator on
 * port 0, echo tile programs on network tiles. */
struct nic_echo_config {
    uint64_t frames;      /* frames the generator sends */
    uint64_t frame_bytes; /* including the FCS (64: the minimum Ethernet frame) */
    double rate;          /* offered load as a fraction of the line rate */
    uint64_t flows;       /* distinct UDP 5-tuples */
    uint64_t echo_tiles;  /* network tiles running the echo (= nic.mpipe.rings) */
    uint64_t first_tile;  /* echo tiles are first_tile .. first_tile + echo_tiles - 1 */
    uint64_t batch;       /* descriptors per poll of an echo tile */
};

/* Which cables nic.impair applies to. */
enum nic_impair_cables {
    NIC_IMPAIR_CLIENTS, /* cables of load generators and client hosts */
    NIC_IMPAIR_ALL,     /* every cable a kind builds */
};
extern const char *const nic_impair_cables_names[];

/* nic.impair: loss and reordering on the wire (nic/eth.h, eth_cable_impair),
 * per direction of each cable it applies to. All 0: a perfect wire. */
struct nic_impair_config {
    double loss;               /* fraction of frames lost */
    double reorder;            /* fraction of the rest held back by reorder_delay_ns */
    uint64_t reorder_delay_ns; /* extra delay of a held-back frame */
    int cables;                /* enum nic_impair_cables */
};

enum nic_topology { NIC_TOPO_SWITCH, NIC_TOPO_DIRECT };
extern const char *const nic_topology_names[];

struct nic_config {
    int topology;     /* enum nic_topology */
    char *pcap_ports; /* "", "all" or "name,name,..." */
    struct nic_eth_config eth;
    struct nic_mpipe_config mpipe;
    struct nic_driver_config driver;
    struct nic_switch_config sw; /* key `switch` */
    struct nic_echo_config echo;
    struct nic_impair_config impair;
};

extern const struct cfg_section nic_config_section;

/* Checks what the schema cannot. Returns false and writes one message naming
 * the key (nic.mpipe.rss_key, ...) into err. nic.pcap_ports names ports of
 * the experiment, so each kind that builds ports checks it against its own
 * (nic_echo_pcap_check for nic-echo; the chip kind its chip and client
 * ports). (What depends on other sections, such as nic.echo.echo_tiles
 * against the mesh, is checked by the experiment that uses it.) */
bool nic_config_check(const struct nic_config *c, char *err, size_t errlen);

/* The chip memory the device's buffers take: the two regions chip_nic_create
 * (sim/chip/chip_nic.h) lays out on a chip, Rx buffers (the small, large and
 * jumbo stacks, buffers x buffer bytes each) and Tx headers
 * (tx_header_buffers x tx_header_buffer_bytes), the sums mpipe_rx_bytes()
 * and mpipe_tx_bytes() give the device. rx_key names the count key of the Rx
 * stack that takes the most ("nic.mpipe.jumbo_buffers"), tx_key the Tx one,
 * for a kind's check of the chip's simulated memory (chip_sim_memory_check,
 * sim/tile/chip_config.h). */
struct nic_buffer_memory {
    uint64_t rx_bytes;
    const char *rx_key;
    uint64_t tx_bytes;
    const char *tx_key;
};
struct nic_buffer_memory nic_buffer_memory(const struct nic_config *c);

/* The ports of the nic-echo experiment, the names nic.pcap_ports may use:
 * the generator's port NIC_ECHO_GEN_NAME, then the device's ports
 * NIC_ECHO_CHIP_NAME.p0 .. .p<nic.mpipe.ports - 1>. */
#define NIC_ECHO_GEN_NAME "gen"
#define NIC_ECHO_CHIP_NAME "chip0"
#define NIC_PORT_NAME_MAX 48 /* bytes of a port name with its NUL (struct eth_port) */
/* nic.pcap_ports against the ports of nic-echo (nic_echo_port_name). */
bool nic_echo_pcap_check(const struct nic_config *c, char *err, size_t errlen);
/* How many ports nic-echo has (1 + nic.mpipe.ports). */
size_t nic_echo_port_count(const struct nic_config *c);
/* The name of its port i < nic_echo_port_count(c). */
void nic_echo_port_name(const struct nic_config *c, size_t i, char name[NIC_PORT_NAME_MAX]);

/* Which of names[0..n) the nic.pcap_ports text spec selects: want[i] is set
 * for each ("" none, "all" every one, else a comma-separated list of names;
 * spaces around a name are ignored). Returns false, with a message naming
 * nic.pcap_ports, the unknown name and the valid names in err. */
bool nic_pcap_ports_select(const char *spec, const char *const *names, size_t n, bool *want,
                           char *err, size_t errlen);

/* Parse the 80-hex-digit RSS key into 40 bytes; false if malformed. */
bool nic_config_parse_rss_key(const char *hex, uint8_t key[40]);

#endif
