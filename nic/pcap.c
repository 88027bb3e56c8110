/* nic/pcap.c: pcap writer and reader. See pcap.h. */
#include "nic/pcap.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define PCAP_MAGIC_US 0xa1b2c3d4u
#define PCAP_MAGIC_NS 0xa1b23c4du
#define PCAP_LINKTYPE_ETHERNET 1u
#define PCAP_MAX_RECORD 262144u

static void put32le(uint8_t *p, uint32_t v) {
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)(v >> 16);
    p[3] = (uint8_t)(v >> 24);
}

static uint32_t get32(const uint8_t *p, bool swapped) {
    uint32_t le =
        (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
    uint32_t be =
        (uint32_t)p[3] | (uint32_t)p[2] << 8 | (uint32_t)p[1] << 16 | (uint32_t)p[0] << 24;
    return swapped ? be : le;
}

struct pcap_writer *pcap_writer_open(const char *path, uint32_t snaplen, char *err, size_t errlen) {
    if (snaplen == 0) snaplen = 65535;
    FILE *f = fopen(path, "wb");
    if (!f) {
        snprintf(err, errlen, "pcap %s: cannot create: %s", path, strerror(errno));
        return NULL;
    }
    struct pcap_writer *w = calloc(1, sizeof *w);
    if (!w) {
        fclose(f);
        snprintf(err, errlen, "pcap %s: out of memory", path);
        return NULL;
    }
    w->f = f;
    snprintf(w->path, sizeof w->path, "%s", path);
    w->snaplen = snaplen;
    uint8_t h[24];
    put32le(h, PCAP_MAGIC_NS);
    h[4] = 2, h[5] = 0, h[6] = 4, h[7] = 0; /* version 2.4 */
    put32le(h + 8, 0);                      /* thiszone */
    put32le(h + 12, 0);                     /* sigfigs */
    put32le(h + 16, snaplen);
    put32le(h + 20, PCAP_LINKTYPE_ETHERNET);
    if (fwrite(h, 1, sizeof h, f) != sizeof h) w->failed = true;
    return w;
}

void pcap_writer_frame(struct pcap_writer *w, sim_time_t t, const void *data, size_t len) {
    uint32_t incl = len > w->snaplen ? w->snaplen : (uint32_t)len;
    uint8_t h[16];
    put32le(h, (uint32_t)(t / 1000000000000ull));
    put32le(h + 4, (uint32_t)((t / 1000u) % 1000000000u));
    put32le(h + 8, incl);
    put32le(h + 12, (uint32_t)len);
    if (fwrite(h, 1, sizeof h, w->f) != sizeof h || fwrite(data, 1, incl, w->f) != incl)
        w->failed = true;
    w->records++;
    w->bytes += incl;
}

bool pcap_writer_close(struct pcap_writer *w, char *err, size_t errlen) {
    if (!w) return true;
    bool ok = !w->failed;
    if (fclose(w->f) != 0) ok = false;
    if (!ok)
        snprintf(err, errlen, "pcap %s: a write failed (%llu records)", w->path,
                 (unsigned long long)w->records);
    free(w);
    return ok;
}

struct pcap_reader *pcap_reader_open(const char *path, char *err, size_t errlen) {
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(err, errlen, "pcap %s: cannot open: %s", path, strerror(errno));
        return NULL;
    }
    uint8_t h[24];
    if (fread(h, 1, sizeof h, f) != sizeof h) {
        snprintf(err, errlen, "pcap %s: file header truncated (expected 24 bytes)", path);
        fclose(f);
        return NULL;
    }
    struct pcap_reader *r = calloc(1, sizeof *r);
    if (!r) {
        fclose(f);
        snprintf(err, errlen, "pcap %s: out of memory", path);
        return NULL;
    }
    snprintf(r->path, sizeof r->path, "%s", path);
    r->f = f;
    uint32_t m = get32(h, false);
    if (m == PCAP_MAGIC_US || m == PCAP_MAGIC_NS) {
        r->swapped = false;
    } else if (get32(h, true) == PCAP_MAGIC_US || get32(h, true) == PCAP_MAGIC_NS) {
        r->swapped = true;
        m = get32(h, true);
    } else {
        snprintf(err, errlen,
                 "pcap %s: bad magic 0x%08x (expected a libpcap file; pcapng is "
                 "not supported)",
                 path, get32(h, false));
        pcap_reader_close(r);
        return NULL;
    }
    r->nanos = m == PCAP_MAGIC_NS;
    r->snaplen = get32(h + 16, r->swapped);
    r->linktype = get32(h + 20, r->swapped) & 0x0fffffffu;
    if (r->linktype != PCAP_LINKTYPE_ETHERNET) {
        snprintf(err, errlen, "pcap %s: link type %u (expected 1, Ethernet)", path, r->linktype);
        pcap_reader_close(r);
        return NULL;
    }
    return r;
}

int pcap_reader_next(struct pcap_reader *r, const uint8_t **data, size_t *len, uint64_t *t_ps,
                     char *err, size_t errlen) {
    uint8_t h[16];
    size_t got = fread(h, 1, sizeof h, r->f);
    if (got == 0 && feof(r->f)) return 0;
    uint64_t rec = r->records + 1;
    if (got != sizeof h) {
        snprintf(err, errlen, "pcap %s: record %llu: header truncated", r->path,
                 (unsigned long long)rec);
        return -1;
    }
    uint32_t sec = get32(h, r->swapped), frac = get32(h + 4, r->swapped);
    uint32_t incl = get32(h + 8, r->swapped);
    if (frac >= (r->nanos ? 1000000000u : 1000000u)) {
        snprintf(err, errlen, "pcap %s: record %llu: fraction of a second %u out of range", r->path,
                 (unsigned long long)rec, frac);
        return -1;
    }
    if (incl > PCAP_MAX_RECORD) {
        snprintf(err, errlen, "pcap %s: record %llu: length %u exceeds %u", r->path,
                 (unsigned long long)rec, incl, PCAP_MAX_RECORD);
        return -1;
    }
    if (incl > r->bufcap) {
        uint8_t *nb = realloc(r->buf, incl);
        if (!nb) {
            snprintf(err, errlen, "pcap %s: out of memory", r->path);
            return -1;
        }
        r->buf = nb;
        r->bufcap = incl;
    }
    if (incl && fread(r->buf, 1, incl, r->f) != incl) {
        snprintf(err, errlen, "pcap %s: record %llu: data truncated (expected %u bytes)", r->path,
                 (unsigned long long)rec, incl);
        return -1;
    }
    r->records = rec;
    *data = r->buf;
    *len = incl;
    *t_ps = (uint64_t)sec * 1000000000000ull + (uint64_t)frac * (r->nanos ? 1000ull : 1000000ull);
    return 1;
}

void pcap_reader_close(struct pcap_reader *r) {
    if (!r) return;
    if (r->f) fclose(r->f);
    free(r->buf);
    free(r);
}
