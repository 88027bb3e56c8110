/* nic/nic_config.c: the `nic:` schema and the checks it cannot express.
 * See nic_config.h. */
#include "nic/nic_config.h"

#include <assert.h>
#include <ctype.h>
#include <stdio.h>
#include <string.h>

const char *const mpipe_bucket_mode_names[] = {"static", "round-robin", "sticky", "sticky-locality",
                                               NULL};
const char *const nic_topology_names[] = {"switch", "direct", NULL};
const char *const nic_impair_cables_names[] = {"clients", "all", NULL};

static const struct cfg_key eth_keys[] = {
    CFG_UINT_KEY(struct nic_eth_config, rate_bps, "10000000000", 1e6, 4e11, "bit/s",
                 "Line rate of a port: 10 GbE (XAUI) MACs [S K-mconst]."),
    CFG_UINT_KEY(struct nic_eth_config, preamble_bytes, "8", 0, 64, "B",
                 "Preamble (7 B) + start-of-frame delimiter (1 B) before every frame "
                 "[S IEEE 802.3]."),
    CFG_UINT_KEY(struct nic_eth_config, ifg_bytes, "12", 0, 1024, "B",
                 "Minimum inter-frame gap after every frame [S IEEE 802.3]."),
    CFG_UINT_KEY(struct nic_eth_config, fcs_bytes, "4", 0, 8, "B",
                 "Frame check sequence appended by the MAC (not stored in frames or pcap) "
                 "[S IEEE 802.3]."),
    CFG_UINT_KEY(struct nic_eth_config, min_frame_bytes, "64", 0, 1024, "B",
                 "Minimum frame including the FCS; shorter frames are padded with zeros "
                 "[S IEEE 802.3]."),
    CFG_UINT_KEY(struct nic_eth_config, max_frame_bytes, "1518", 64, 10240, "B",
                 "Maximum frame including the FCS: 1518 standard; up to 10240 for jumbo "
                 "frames [S IEEE 802.3, K-drv]."),
    CFG_UINT_KEY(struct nic_eth_config, propagation_ns, "10", 0, 1e9, "ns",
                 "Propagation delay of a cable (about 2 m at 5 ns/m) [A]."),
    CFG_UINT_KEY(struct nic_eth_config, tx_queue_frames, "4", 1, 1e6, "frames",
                 "Transmit FIFO of a MAC; a sender finding it full is refused and told when "
                 "room opens [A]."),
};
static CFG_SECTION_DEF(eth_section, "eth", "An Ethernet port and its cable (nic/eth.h).", eth_keys);

static const struct cfg_key mpipe_keys[] = {
    CFG_UINT_KEY(struct nic_mpipe_config, ports, "4", 1, 16, "ports",
                 "Ethernet ports of the device: 4 x 10 GbE [S K-mconst]."),
    CFG_UINT_KEY(struct nic_mpipe_config, freq_hz, "1200000000", 1e6, 1e11, "Hz",
                 "Clock of the classifiers and DMA engines: 1.2 GHz [S K-mconst]."),
    CFG_UINT_KEY(struct nic_mpipe_config, classifiers, "10", 1, 1024, "classifiers",
                 "Programmable classifiers working in parallel [S K-mconst]."),
    CFG_UINT_KEY(struct nic_mpipe_config, classifier_cycles, "200", 1, 1e6, "cycles",
                 "Classifier work per packet: 10 x 1.2 GHz / 59.5 Mpps (4 x 10G at 64 B) "
                 "= ~200 cycles [D]."),
    CFG_UINT_KEY(struct nic_mpipe_config, classifier_queue_frames, "128", 1, 1e6, "frames",
                 "Frames waiting for a classifier; a frame arriving to a full queue is "
                 "dropped (no pause frames) [A]."),
    CFG_UINT_KEY(struct nic_mpipe_config, rings, "4", 1, 256, "rings",
                 "Notification rings in use (one per network tile); the device has 256 "
                 "[S tilegx.md]."),
    CFG_UINT_KEY(struct nic_mpipe_config, ring_entries, "512", 1, 65536, "descriptors",
                 "Entries of a notification ring (Linux driver iqueue: 512) [S K-net]."),
    CFG_UINT_KEY(struct nic_mpipe_config, buckets, "256", 1, 4160, "buckets",
                 "Load-balancer buckets, chosen by the flow hash modulo this count (Linux "
                 "driver: 256; device: 4160) [S K-net]."),
    CFG_ENUM_KEY(struct nic_mpipe_config, bucket_mode, "static", mpipe_bucket_mode_names,
                 "static: a bucket keeps its ring (flows stay on their network tile, which "
                 "holds their TCP state); round-robin: least full ring; sticky: keep the ring "
                 "while the bucket has packets in flight (Linux driver); sticky-locality: "
                 "keep it until it is full [S K-mpipe-h, I]."),
    CFG_BOOL_KEY(struct nic_mpipe_config, rss_symmetric, "false",
                 "Hash (ip, port) pairs in a canonical order so both directions of a flow get "
                 "the same hash [A]."),
    CFG_STRING_KEY(struct nic_mpipe_config, rss_key,
                   "6d5a56da255b0ec24167253d43a38fb0d0ca2bcbae7b30b477cb2da38030f20c"
                   "6a42b73bbeac01fa",
                   "Toeplitz key, 40 bytes as 80 hex digits (Microsoft's RSS verification "
                   "key) [S workloads.md]."),
    CFG_BOOL_KEY(struct nic_mpipe_config, drop_bad_ip_csum, "true",
                 "Drop (and count) frames whose IPv4 header checksum is wrong [S K-mpipe-h]."),
    CFG_UINT_KEY(struct nic_mpipe_config, small_buffer_bytes, "128", 128, 16384, "B",
                 "Buffer size of the small Rx buffer stack (Linux driver: 128) [S K-net]."),
    CFG_UINT_KEY(struct nic_mpipe_config, small_buffers, "4096", 0, 1e7, "buffers",
                 "Buffers in the small Rx stack (0: no such stack) [A]."),
    CFG_UINT_KEY(struct nic_mpipe_config, large_buffer_bytes, "1664", 128, 16384, "B",
                 "Buffer size of the large Rx buffer stack (Linux driver: 1664) [S K-net]."),
    CFG_UINT_KEY(struct nic_mpipe_config, large_buffers, "4096", 0, 1e7, "buffers",
                 "Buffers in the large Rx stack (0: no such stack) [A]."),
    CFG_UINT_KEY(struct nic_mpipe_config, jumbo_buffer_bytes, "10368", 128, 16384, "B",
                 "Buffer size of the jumbo Rx buffer stack [S tilegx.md]."),
    CFG_UINT_KEY(struct nic_mpipe_config, jumbo_buffers, "0", 0, 1e7, "buffers",
                 "Buffers in the jumbo Rx stack (0: no such stack) [A]."),
    CFG_UINT_KEY(struct nic_mpipe_config, tx_header_buffer_bytes, "128", 128, 16384, "B",
                 "Buffer size of the Tx header stack in Tx memory [A]."),
    CFG_UINT_KEY(struct nic_mpipe_config, tx_header_buffers, "4096", 0, 1e7, "buffers",
                 "Buffers in the Tx header stack [A]."),
    CFG_UINT_KEY(struct nic_mpipe_config, edma_rings, "4", 1, 24, "rings",
                 "eDMA (egress) rings in use; the device has 24 [S tilegx.md]."),
    CFG_UINT_KEY(struct nic_mpipe_config, edma_ring_entries, "2048", 1, 65536, "descriptors",
                 "Entries of an eDMA ring (Linux driver equeue: 2048) [S K-net]."),
    CFG_UINT_KEY(struct nic_mpipe_config, edma_max_gather, "16", 1, 1024, "descriptors",
                 "Longest descriptor chain (header + payload pieces) of one packet [A]."),
    CFG_UINT_KEY(struct nic_mpipe_config, edma_desc_cycles, "8", 0, 1e6, "cycles",
                 "eDMA engine occupancy per descriptor (fetch + issue of its reads) [A]."),
    CFG_UINT_KEY(struct nic_mpipe_config, edma_inflight, "8", 1, 1024, "packets",
                 "Packets an eDMA engine gathers concurrently per port [A]."),
    CFG_UINT_KEY(struct nic_mpipe_config, idma_cycles, "16", 0, 1e6, "cycles",
                 "iDMA latency before the buffer write is issued, on top of the memory "
                 "model's write latency [A]."),
    CFG_UINT_KEY(struct nic_mpipe_config, doorbell_cycles, "20", 0, 1e6, "cycles",
                 "Delay from a tile's doorbell MMIO store to the eDMA engine seeing the "
                 "descriptors (mesh trip to the shim) [A]."),
    CFG_UINT_KEY(struct nic_mpipe_config, shim_tile, "0", 0, 4095, "tile",
                 "Tile whose mesh switch the device's I/O shim attaches to, one hop off the "
                 "mesh edge; DMA to a line's L3 home crosses the mesh from there (Gx36 shim "
                 "positions not found [A])."),
};
static CFG_SECTION_DEF(mpipe_section, "mpipe", "The mPIPE-like device (nic/mpipe.h).", mpipe_keys);

static const struct cfg_key driver_keys[] = {
    CFG_UINT_KEY(struct nic_driver_config, idesc_read_cycles, "40", 0, 1e6, "cycles",
                 "Reading one 64 B ingress descriptor that the NIC wrote to its L3 home: "
                 "a remote L3 hit [P]."),
    CFG_UINT_KEY(struct nic_driver_config, edesc_write_cycles, "2", 0, 1e6, "cycles",
                 "Writing one 16 B egress descriptor into the eDMA ring (store to L1) [A]."),
    CFG_UINT_KEY(struct nic_driver_config, mmio_write_cycles, "5", 0, 1e6, "cycles",
                 "A posted MMIO store to the device (credit return, buffer push, doorbell) "
                 "[A]."),
    CFG_UINT_KEY(struct nic_driver_config, mmio_read_cycles, "60", 0, 1e6, "cycles",
                 "An MMIO load from the device (buffer pop, eDMA completion count): a mesh "
                 "round trip to the shim [A]."),
};
static CFG_SECTION_DEF(driver_section, "driver",
                       "Costs charged to tile code by the driver calls (nic/mpipe_driver.h).",
                       driver_keys);

static const struct cfg_key switch_keys[] = {
    CFG_UINT_KEY(struct nic_switch_config, latency_ns, "300", 0, 1e9, "ns",
                 "Port-to-port forwarding latency after a frame is fully received "
                 "(store-and-forward) [A]."),
    CFG_UINT_KEY(struct nic_switch_config, port_queue_frames, "1024", 1, 1e7, "frames",
                 "Output queue of a switch port; a frame finding it full is dropped [A]."),
    CFG_UINT_KEY(struct nic_switch_config, mac_table_entries, "4096", 1, 1e7, "entries",
                 "Learned MAC addresses; when full, unknown destinations are flooded [A]."),
};
static CFG_SECTION_DEF(switch_section, "switch",
                       "The switch joining chip ports and client hosts (nic/switch.h).",
                       switch_keys);

static const struct cfg_key echo_keys[] = {
    CFG_UINT_KEY(struct nic_echo_config, frames, "100000", 1, 1e9, "frames",
                 "Frames the generator sends into port 0 [A]."),
    CFG_UINT_KEY(struct nic_echo_config, frame_bytes, "64", 64, 10240, "B",
                 "Size of every frame including the FCS (64: the minimum Ethernet frame); at "
                 "most nic.eth.max_frame_bytes [A]."),
    CFG_DOUBLE_KEY(struct nic_echo_config, rate, "1.0", 1e-6, 1.0, "",
                   "Offered load as a fraction of the line rate (1.0: back to back, respecting "
                   "the port's flow control; less: frames evenly spaced) [A]."),
    CFG_UINT_KEY(struct nic_echo_config, flows, "1024", 1, 1e6, "flows",
                 "Distinct UDP 5-tuples (random addresses and ports), taken round robin, so "
                 "the flow hash spreads frames over the rings [A]."),
    CFG_UINT_KEY(struct nic_echo_config, echo_tiles, "4", 1, 256, "tiles",
                 "Network tiles running the echo program, one per notification ring (must "
                 "equal nic.mpipe.rings; nic.mpipe.edma_rings >= this) [A]."),
    CFG_UINT_KEY(struct nic_echo_config, first_tile, "1", 0, 4095, "tile",
                 "Echo tiles are first_tile .. first_tile + echo_tiles - 1 (row-major); 1 "
                 "puts 4 of them on the edge row beside the shim at tile 0 [A]."),
    CFG_UINT_KEY(struct nic_echo_config, batch, "32", 1, 64, "descriptors",
                 "Descriptors an echo tile takes per poll (and posts per doorbell) [A]."),
};
static CFG_SECTION_DEF(echo_section, "echo",
                       "The nic-echo experiment: a frame generator on port 0 and echo tile "
                       "programs (nic/nic_echo_exp.h).",
                       echo_keys);

static const struct cfg_key impair_keys[] = {
    CFG_DOUBLE_KEY(struct nic_impair_config, loss, "0", 0.0, 1.0, "",
                   "Fraction of frames lost on the wire, in each direction of every cable "
                   "nic.impair.cables selects: each frame is lost or not independently (no "
                   "bursts), counted by the sending port as drops.wire_loss; 0: no loss [A]."),
    CFG_DOUBLE_KEY(struct nic_impair_config, reorder, "0", 0.0, 1.0, "",
                   "Fraction of the frames not lost that are held back on the wire by "
                   "nic.impair.reorder_delay_ns, so frames sent after them within that delay "
                   "arrive first; counted by the sending port as wire_reordered; 0: none [A]."),
    CFG_UINT_KEY(struct nic_impair_config, reorder_delay_ns, "1000", 0, 1e9, "ns",
                 "Extra delay of a held-back frame (1 us: about 15 minimum frames at 10 Gb/s "
                 "overtake it at line rate); must be above 0 when nic.impair.reorder is [A]."),
    CFG_ENUM_KEY(struct nic_impair_config, cables, "clients", nic_impair_cables_names,
                 "Which cables are impaired (both directions): clients: the cables of load "
                 "generators and client hosts (nic-echo: the generator's); all: every cable the "
                 "kind builds (nic-echo has only the generator's) [A]."),
};
static CFG_SECTION_DEF(impair_section, "impair",
                       "Loss and reordering on the wire, per direction of a cable, from a random "
                       "stream per sending port (nic/eth.h, eth_cable_impair).",
                       impair_keys);

static const struct cfg_key nic_keys[] = {
    CFG_ENUM_KEY(struct nic_config, topology, "switch", nic_topology_names,
                 "switch: chip ports bonded (L3+L4 hash) at a switch with the clients; "
                 "direct: port 0 of two chips joined by a cable (NetPIPE; in the chip kind: a "
                 "peer chip running NetPIPE's transmitter, workload.app netpipe, every eDMA ring "
                 "sending on port 0, no client hosts) [P]."),
    CFG_STRING_KEY(struct nic_config, pcap_ports, "",
                   "Ports that write a pcap file (output folder)/(port name).pcap, listed in the "
                   "run's stats (pcap_files): a comma-separated list of port names, \"all\", or "
                   "empty for none. nic-echo's ports are gen (the generator) and chip0.p0 .. "
                   "chip0.p(nic.mpipe.ports - 1); the chip kind's chip0.p0 .. and client0 .. "
                   "client(clients.hosts - 1); another name is refused [A]."),
    CFG_SECTION_KEY(struct nic_config, eth, eth_section),
    CFG_SECTION_KEY(struct nic_config, mpipe, mpipe_section),
    CFG_SECTION_KEY(struct nic_config, driver, driver_section),
    {"switch", CFG_SECTION, offsetof(struct nic_config, sw), "", "", NULL, CFG_NO_RANGE, NULL,
     &switch_section},
    CFG_SECTION_KEY(struct nic_config, echo, echo_section),
    CFG_SECTION_KEY(struct nic_config, impair, impair_section),
};
CFG_SECTION_DEF(nic_config_section, "nic",
                "The NIC: Ethernet ports and cables, the mPIPE-like device, driver costs, the "
                "switch.",
                nic_keys);

static int hexval(int c) {
    if (c >= '0' && c <= '9') return c - '0';
    c = tolower(c);
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
}

bool nic_config_parse_rss_key(const char *hex, uint8_t key[40]) {
    if (!hex || strlen(hex) != 80) return false;
    for (size_t i = 0; i < 40; i++) {
        int hi = hexval((unsigned char)hex[2 * i]), lo = hexval((unsigned char)hex[2 * i + 1]);
        if (hi < 0 || lo < 0) return false;
        key[i] = (uint8_t)(hi << 4 | lo);
    }
    return true;
}

/* "no port named X; expected ..." for the unknown name p[0..len) */
static void unknown_port(const char *p, size_t len, const char *const *names, size_t n, char *err,
                         size_t errlen) {
    size_t at = 0;
    int k = snprintf(err, errlen,
                     "nic.pcap_ports: no port named \"%.*s\"; expected \"all\" or a "
                     "comma-separated list of port names:",
                     (int)len, p);
    for (size_t i = 0; k >= 0 && i < n; i++) {
        at += (size_t)k;
        if (at >= errlen) return;
        k = snprintf(err + at, errlen - at, "%s %s", i ? "," : "", names[i]);
    }
}

bool nic_pcap_ports_select(const char *spec, const char *const *names, size_t n, bool *want,
                           char *err, size_t errlen) {
    for (size_t i = 0; i < n; i++) want[i] = false;
    if (!spec || !*spec) return true;
    if (strcmp(spec, "all") == 0) {
        for (size_t i = 0; i < n; i++) want[i] = true;
        return true;
    }
    for (const char *p = spec;; p++) {
        size_t len = strcspn(p, ",");
        const char *next = p + len;
        while (len > 0 && *p == ' ') p++, len--;
        while (len > 0 && p[len - 1] == ' ') len--;
        size_t i = 0;
        while (i < n && !(strlen(names[i]) == len && strncmp(names[i], p, len) == 0)) i++;
        if (i == n) {
            unknown_port(p, len, names, n, err, errlen);
            return false;
        }
        want[i] = true;
        if (*next == '\0') return true;
        p = next;
    }
}

size_t nic_echo_port_count(const struct nic_config *c) { return 1 + (size_t)c->mpipe.ports; }

void nic_echo_port_name(const struct nic_config *c, size_t i, char name[NIC_PORT_NAME_MAX]) {
    assert(i < nic_echo_port_count(c));
    if (i == 0)
        snprintf(name, NIC_PORT_NAME_MAX, "%s", NIC_ECHO_GEN_NAME);
    else
        snprintf(name, NIC_PORT_NAME_MAX, "%s.p%zu", NIC_ECHO_CHIP_NAME, i - 1);
}

bool nic_echo_pcap_check(const struct nic_config *c, char *err, size_t errlen) {
    if (!c->pcap_ports || !*c->pcap_ports) return true;
    char names[1 + 16][NIC_PORT_NAME_MAX]; /* nic.mpipe.ports is at most 16 */
    const char *np[1 + 16];
    bool want[1 + 16];
    size_t n = nic_echo_port_count(c);
    assert(n <= sizeof names / sizeof names[0]);
    for (size_t i = 0; i < n; i++) {
        nic_echo_port_name(c, i, names[i]);
        np[i] = names[i];
    }
    return nic_pcap_ports_select(c->pcap_ports, np, n, want, err, errlen);
}

bool nic_config_check(const struct nic_config *c, char *err, size_t errlen) {
    uint8_t key[40];
    const struct nic_mpipe_config *m = &c->mpipe;
    if (!nic_config_parse_rss_key(m->rss_key, key)) {
        snprintf(err, errlen, "nic.mpipe.rss_key: expected 80 hex digits (40 bytes), found \"%s\"",
                 m->rss_key ? m->rss_key : "");
        return false;
    }
    const struct {
        const char *name;
        uint64_t v;
    } sizes[] = {{"small_buffer_bytes", m->small_buffer_bytes},
                 {"large_buffer_bytes", m->large_buffer_bytes},
                 {"jumbo_buffer_bytes", m->jumbo_buffer_bytes},
                 {"tx_header_buffer_bytes", m->tx_header_buffer_bytes}};
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        if (sizes[i].v % 128 != 0) {
            snprintf(err, errlen,
                     "nic.mpipe.%s: buffers are 128 B aligned, expected a multiple of 128, "
                     "found %llu",
                     sizes[i].name, (unsigned long long)sizes[i].v);
            return false;
        }
    }
    if (m->small_buffers == 0 && m->large_buffers == 0 && m->jumbo_buffers == 0) {
        snprintf(err, errlen,
                 "nic.mpipe: small_buffers, large_buffers and jumbo_buffers are all 0: "
                 "ingress needs at least one buffer stack");
        return false;
    }
    if (c->eth.min_frame_bytes > c->eth.max_frame_bytes ||
        c->eth.min_frame_bytes < c->eth.fcs_bytes + 14) {
        snprintf(err, errlen,
                 "nic.eth.min_frame_bytes: expected fcs_bytes + 14 <= min_frame_bytes <= "
                 "max_frame_bytes, found %llu",
                 (unsigned long long)c->eth.min_frame_bytes);
        return false;
    }
    /* UDP headers (42 B) + the 8 B sequence number the echo's latency needs */
    if (c->echo.frame_bytes > c->eth.max_frame_bytes ||
        c->echo.frame_bytes < c->eth.fcs_bytes + 42 + 8) {
        snprintf(err, errlen,
                 "nic.echo.frame_bytes: expected fcs_bytes + 50 (UDP headers and a sequence "
                 "number) <= frame_bytes <= nic.eth.max_frame_bytes (%llu), found %llu",
                 (unsigned long long)c->eth.max_frame_bytes,
                 (unsigned long long)c->echo.frame_bytes);
        return false;
    }
    return true;
}

struct nic_buffer_memory nic_buffer_memory(const struct nic_config *c) {
    const struct nic_mpipe_config *m = &c->mpipe;
    const struct {
        const char *key;
        uint64_t bytes;
    } rx[] = {{"nic.mpipe.small_buffers", m->small_buffers * m->small_buffer_bytes},
              {"nic.mpipe.large_buffers", m->large_buffers * m->large_buffer_bytes},
              {"nic.mpipe.jumbo_buffers", m->jumbo_buffers * m->jumbo_buffer_bytes}};
    /* (the schema bounds each product below 2^38: no overflow) */
    struct nic_buffer_memory out = {0, rx[0].key, m->tx_header_buffers * m->tx_header_buffer_bytes,
                                    "nic.mpipe.tx_header_buffers"};
    uint64_t most = 0;
    for (size_t i = 0; i < sizeof rx / sizeof rx[0]; i++) {
        out.rx_bytes += rx[i].bytes;
        if (rx[i].bytes > most) most = rx[i].bytes, out.rx_key = rx[i].key;
    }
    return out;
}
