/* nic/pcap.h: pcap files: a writer of frames (given to ports by
 * nic/capture.h) and a reader (used by the replay, nic/pcap_replay.h, and by
 * tests).
 *
 * What it does: the writer produces the classic libpcap format with
 * nanosecond timestamps (magic 0xa1b23c4d, version 2.4, link type 1 =
 * Ethernet), little-endian, one record per frame with the simulated time of
 * the capture; frames are stored without the FCS. The reader accepts both
 * microsecond and nanosecond files in either byte order, Ethernet link type
 * only; a truncated or malformed file gives an error naming the file, the
 * record number and what was wrong, never a crash.
 *
 * Memory: a writer/reader owns its FILE and the reader its record buffer.
 * Cost: one fwrite per record (stdio buffered).
 * Left out: pcapng.
 */
#ifndef TESSERA_NIC_PCAP_H
#define TESSERA_NIC_PCAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "sim/kernel/engine.h"

struct pcap_writer {
    FILE *f;
    char path[256]; /* for messages */
    uint32_t snaplen;
    uint64_t records, bytes;
    bool failed; /* a write failed (disk full, ...): reported by _close */
};

/* Create/truncate path. Returns NULL and a message in err on failure. */
struct pcap_writer *pcap_writer_open(const char *path, uint32_t snaplen, char *err, size_t errlen);
/* Append one frame captured at time t (frames longer than snaplen are cut). */
void pcap_writer_frame(struct pcap_writer *w, sim_time_t t, const void *data, size_t len);
/* Flush and close; returns false (message in err) if any write failed. */
bool pcap_writer_close(struct pcap_writer *w, char *err, size_t errlen);

struct pcap_reader {
    FILE *f;
    char path[256];
    bool swapped, nanos;
    uint32_t snaplen, linktype;
    uint64_t records;
    uint8_t *buf;
    size_t bufcap;
};

/* Open and check the file header. NULL and a message in err on failure. */
struct pcap_reader *pcap_reader_open(const char *path, char *err, size_t errlen);
/* Next record: 1 with *data, *len, *t_ps (time since the epoch of the file's
 * clock, in ps) valid until the next call; 0 at a clean end of file; -1 on a
 * malformed or truncated record (message in err). */
int pcap_reader_next(struct pcap_reader *r, const uint8_t **data, size_t *len, uint64_t *t_ps,
                     char *err, size_t errlen);
void pcap_reader_close(struct pcap_reader *r);

#endif
