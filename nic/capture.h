/* nic/capture.h: pcap captures of an experiment's ports, chosen by name
 * (the nic.pcap_ports key).
 *
 * What it does: for each port a spec names ("" none, "all", or a comma-
 * separated list of port names, see nic_pcap_ports_select()), opens a pcap
 * writer (nic/pcap.h) as <dir>/<port name>.pcap and gives it to the port
 * (eth_port_set_pcap); after the run, takes the writers back from the ports
 * and closes them, reporting a write that failed. The pcap writer knows
 * nothing of ports: this module is where the two meet.
 *
 * Memory: writers[] is the caller's array of n slots (one per port);
 * capture_ports_open fills it, capture_ports_close frees every writer in it
 * and sets the slots to NULL. The ports are the caller's and must outlive
 * the capture (until capture_ports_close).
 * Cost: one file opened per captured port; one pcap record written per frame
 * sent or received on it (pcap.h).
 */
#ifndef TESSERA_NIC_CAPTURE_H
#define TESSERA_NIC_CAPTURE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "nic/eth.h"
#include "nic/pcap.h"

struct json_writer;

/* Open a writer for each port of ports[0..n) that spec names as
 * dir/<name>.pcap and attach it to the port; writers[i] is the writer of
 * ports[i] or NULL. Returns the number opened, or -1 (nothing left open,
 * message naming nic.pcap_ports in err) for an unknown name or a file that
 * cannot be created. */
int capture_ports_open(struct eth_port *const *ports, size_t n, const char *spec, const char *dir,
                       struct pcap_writer **writers, char *err, size_t errlen);

/* What a closed capture wrote, for the run's stats. */
struct capture_record {
    bool opened;
    uint64_t frames; /* pcap records written */
};

/* Detach and close every writer of writers[0..n) (NULL slots are skipped);
 * rec (n entries, or NULL) keeps what each wrote. Returns false, with a
 * message naming the file, if any write failed; every writer is closed
 * either way. */
bool capture_ports_close(struct eth_port *const *ports, size_t n, struct pcap_writer **writers,
                         struct capture_record *rec, char *err, size_t errlen);

/* "pcap_files": [{"port", "file", "frames"}] for the ports rec says were
 * captured (an empty array when none). */
void capture_write_json(struct eth_port *const *ports, size_t n, const struct capture_record *rec,
                        struct json_writer *w);

#endif
