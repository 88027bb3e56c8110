/* nic/mpipe.c: the mPIPE-like device: ingress and egress. See mpipe.h. */
#include "nic/mpipe.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nic/eth_pkt.h"
#include "sim/kernel/json.h"

static sim_time_t cycles_ps(const struct mpipe *m, uint64_t cycles) {
    /* A duration of `cycles` device cycles (exact rational period). */
    return sim_clock_cycles_to_ps(&m->clk, cycles);
}

/* ---------------------------------------------------------------- stacks */

static const char *const stack_names[MPIPE_STACKS] = {"small", "large", "jumbo", "tx_header"};

static void stack_sizes(const struct nic_config *cfg, uint64_t bytes[MPIPE_STACKS],
                        uint64_t count[MPIPE_STACKS]) {
    const struct nic_mpipe_config *c = &cfg->mpipe;
    bytes[MPIPE_STACK_SMALL] = c->small_buffer_bytes, count[MPIPE_STACK_SMALL] = c->small_buffers;
    bytes[MPIPE_STACK_LARGE] = c->large_buffer_bytes, count[MPIPE_STACK_LARGE] = c->large_buffers;
    bytes[MPIPE_STACK_JUMBO] = c->jumbo_buffer_bytes, count[MPIPE_STACK_JUMBO] = c->jumbo_buffers;
    bytes[MPIPE_STACK_TX_HDR] = c->tx_header_buffer_bytes;
    count[MPIPE_STACK_TX_HDR] = c->tx_header_buffers;
}

uint64_t mpipe_rx_bytes(const struct nic_config *cfg) {
    uint64_t b[MPIPE_STACKS], n[MPIPE_STACKS], sum = 0;
    stack_sizes(cfg, b, n);
    for (int i = 0; i < MPIPE_STACK_TX_HDR; i++) sum += b[i] * n[i];
    return sum;
}

uint64_t mpipe_tx_bytes(const struct nic_config *cfg) {
    uint64_t b[MPIPE_STACKS], n[MPIPE_STACKS];
    stack_sizes(cfg, b, n);
    return b[MPIPE_STACK_TX_HDR] * n[MPIPE_STACK_TX_HDR];
}

static bool stack_init(struct mpipe_stack *s, uint64_t base, uint64_t bytes, uint64_t count) {
    memset(s, 0, sizeof *s);
    s->base = base, s->buf_bytes = bytes, s->count = count;
    if (count == 0) return true;
    s->lifo = malloc(count * sizeof *s->lifo);
    s->present = malloc(count);
    if (!s->lifo || !s->present) return false;
    /* Push in reverse so the first pops give ascending addresses. */
    for (uint64_t i = 0; i < count; i++) s->lifo[i] = base + (count - 1 - i) * bytes;
    memset(s->present, 1, count);
    s->top = count;
    return true;
}

static bool stack_pop(struct mpipe_stack *s, uint64_t *addr) {
    if (s->top == 0) {
        s->empty++;
        return false;
    }
    *addr = s->lifo[--s->top];
    s->present[(*addr - s->base) / s->buf_bytes] = 0;
    s->pops++;
    return true;
}

/* Push a buffer back; false (counted) if it is not one of this stack's
 * buffers or is already in the stack. */
bool mpipe_stack_push(struct mpipe_stack *s, uint64_t addr) {
    if (s->count == 0 || addr < s->base || addr >= s->base + s->count * s->buf_bytes ||
        (addr - s->base) % s->buf_bytes != 0) {
        s->bad_push++;
        return false;
    }
    uint64_t i = (addr - s->base) / s->buf_bytes;
    if (s->present[i]) {
        s->double_push++;
        return false;
    }
    s->present[i] = 1;
    s->lifo[s->top++] = addr;
    s->pushes++;
    return true;
}

/* -------------------------------------------------------------- creation */

static bool mpipe_rx(void *ctx, struct eth_port *p, struct eth_frame *f);
static void mpipe_tx_space(void *ctx, struct eth_port *p);
static const struct eth_client_ops mpipe_port_ops = {mpipe_rx, mpipe_tx_space};

struct mpipe *mpipe_create(struct sim_engine *e, const struct nic_config *cfg,
                           const struct mpipe_mem_ops *mem, void *mem_ctx, uint64_t rx_base,
                           uint64_t rx_size, uint64_t tx_base, uint64_t tx_size, const char *name,
                           char *err, size_t errlen) {
    if (!nic_config_check(cfg, err, errlen)) return NULL;
    if (!mem || !mem->write || !mem->read || !mem->is_registered) {
        snprintf(err, errlen,
                 "mpipe_create: the memory interface needs write, read and "
                 "is_registered");
        return NULL;
    }
    if (rx_size < mpipe_rx_bytes(cfg) || tx_size < mpipe_tx_bytes(cfg)) {
        snprintf(err, errlen,
                 "mpipe_create: nic.mpipe buffer stacks need %llu B of Rx and %llu B of Tx "
                 "memory, given %llu and %llu",
                 (unsigned long long)mpipe_rx_bytes(cfg), (unsigned long long)mpipe_tx_bytes(cfg),
                 (unsigned long long)rx_size, (unsigned long long)tx_size);
        return NULL;
    }
    const struct nic_mpipe_config *c = &cfg->mpipe;
    struct mpipe *m = calloc(1, sizeof *m);
    if (!m) goto oom;
    m->engine = e;
    m->cfg = cfg;
    sim_clock_init(&m->clk, c->freq_hz);
    nic_config_parse_rss_key(c->rss_key, m->rss_key);
    mpipe_rss_table_init(&m->rss, m->rss_key);
    m->mem = mem;
    m->mem_ctx = mem_ctx;

    m->nports = (unsigned)c->ports;
    m->port = calloc(m->nports, sizeof *m->port);
    m->edma = calloc(m->nports, sizeof *m->edma);
    if (!m->port || !m->edma) goto oom;
    for (unsigned i = 0; i < m->nports; i++) {
        char pn[64];
        snprintf(pn, sizeof pn, "%s.p%u", name ? name : "mpipe", i);
        eth_port_init(&m->port[i], e, &cfg->eth, pn);
        eth_port_attach(&m->port[i], &mpipe_port_ops, m);
        m->edma[i].job = calloc(c->edma_inflight, sizeof *m->edma[i].job);
        if (!m->edma[i].job) goto oom;
    }

    m->free_classifiers = c->classifiers;
    m->cqcap = c->classifier_queue_frames;
    m->cq = calloc(m->cqcap, sizeof *m->cq);
    m->cp = calloc(c->classifiers, sizeof *m->cp);
    m->classify_time = cycles_ps(m, c->classifier_cycles);
    if (!m->cq || !m->cp) goto oom;

    m->nrings = (unsigned)c->rings;
    m->ring_entries = c->ring_entries;
    m->ring = calloc(m->nrings, sizeof *m->ring);
    if (!m->ring) goto oom;
    for (unsigned r = 0; r < m->nrings; r++) {
        m->ring[r].slot = calloc(m->ring_entries, sizeof *m->ring[r].slot);
        if (!m->ring[r].slot) goto oom;
    }
    m->nbuckets = c->buckets;
    m->bucket_ring = calloc(m->nbuckets, sizeof *m->bucket_ring);
    m->bucket_inflight = calloc(m->nbuckets, sizeof *m->bucket_inflight);
    m->bucket_packets = calloc(m->nbuckets, sizeof *m->bucket_packets);
    if (!m->bucket_ring || !m->bucket_inflight || !m->bucket_packets) goto oom;
    for (uint64_t b = 0; b < m->nbuckets; b++) m->bucket_ring[b] = (uint16_t)(b % m->nrings);

    uint64_t bytes[MPIPE_STACKS], count[MPIPE_STACKS], at = rx_base;
    stack_sizes(cfg, bytes, count);
    for (int s = 0; s < MPIPE_STACKS; s++) {
        uint64_t base = s == MPIPE_STACK_TX_HDR ? tx_base : at;
        if (!stack_init(&m->stack[s], base, bytes[s], count[s])) goto oom;
        if (s != MPIPE_STACK_TX_HDR) at += bytes[s] * count[s];
    }

    m->nerings = (unsigned)c->edma_rings;
    m->ering = calloc(m->nerings, sizeof *m->ering);
    if (!m->ering) goto oom;
    for (unsigned r = 0; r < m->nerings; r++) {
        m->ering[r].slot = calloc(c->edma_ring_entries, sizeof *m->ering[r].slot);
        if (!m->ering[r].slot) goto oom;
        m->ering[r].port = r % m->nports;
    }
    return m;
oom:
    mpipe_destroy(m);
    snprintf(err, errlen, "mpipe_create: out of memory");
    return NULL;
}

void mpipe_destroy(struct mpipe *m) {
    if (!m) return;
    for (uint64_t i = 0; i < m->cqlen; i++) eth_frame_free(m->cq[(m->cqhead + i) % m->cqcap].f);
    free(m->cq);
    for (uint64_t i = 0; m->cp && i < m->cplen; i++)
        eth_frame_free(m->cp[(m->cphead + i) % m->cfg->mpipe.classifiers].f);
    free(m->cp);
    if (m->edma) {
        for (unsigned p = 0; p < m->nports; p++) {
            struct mpipe_edma *d = &m->edma[p];
            for (uint64_t j = 0; d->job && j < d->jlen; j++)
                eth_frame_free(d->job[(d->jhead + j) % m->cfg->mpipe.edma_inflight].frame);
            free(d->job);
        }
    }
    free(m->edma);
    if (m->port)
        for (unsigned p = 0; p < m->nports; p++) eth_port_fini(&m->port[p]);
    free(m->port);
    if (m->ring)
        for (unsigned r = 0; r < m->nrings; r++) free(m->ring[r].slot);
    free(m->ring);
    free(m->bucket_ring);
    free(m->bucket_inflight);
    free(m->bucket_packets);
    for (int s = 0; s < MPIPE_STACKS; s++) {
        free(m->stack[s].lifo);
        free(m->stack[s].present);
    }
    if (m->ering)
        for (unsigned r = 0; r < m->nerings; r++) free(m->ering[r].slot);
    free(m->ering);
    free(m);
}

struct eth_port *mpipe_port(struct mpipe *m, unsigned i) {
    return i < m->nports ? &m->port[i] : NULL;
}

void mpipe_set_notify(struct mpipe *m, mpipe_notify_fn fn, void *ctx) {
    m->notify = fn;
    m->notify_ctx = ctx;
}

void mpipe_set_complete(struct mpipe *m, mpipe_complete_fn fn, void *ctx) {
    m->complete = fn;
    m->complete_ctx = ctx;
}

int mpipe_edma_bind(struct mpipe *m, unsigned ring, unsigned port) {
    if (ring >= m->nerings || port >= m->nports) return -1;
    m->ering[ring].port = port;
    return 0;
}

uint64_t mpipe_ring_occupancy(const struct mpipe *m, unsigned r) {
    return m->ring[r].tail - m->ring[r].credit;
}

/* --------------------------------------------------------------- ingress */

static void classify_done(void *ctx, void *arg);

/* Classifiers all take classify_time, so they finish in the order they
 * start: the frames being classified form a FIFO (cp*) beside the waiting
 * queue (cq*). */
static void classifier_start(struct mpipe *m, const struct mpipe_cq_entry *e) {
    uint64_t n = m->cfg->mpipe.classifiers;
    m->cp[(m->cphead + m->cplen) % n] = *e;
    m->cplen++;
    m->free_classifiers--;
    sim_engine_schedule_in(m->engine, m->classify_time, classify_done, m, NULL);
}

static bool mpipe_rx(void *ctx, struct eth_port *p, struct eth_frame *f) {
    struct mpipe *m = ctx;
    m->st.rx_frames++;
    m->st.rx_bytes += f->len;
    struct mpipe_cq_entry e = {f, (unsigned)(p - m->port), sim_engine_now(m->engine)};
    if (m->free_classifiers > 0 && m->cqlen == 0) {
        classifier_start(m, &e);
        return true;
    }
    if (m->cqlen >= m->cqcap) {
        m->st.drop_classifier_full++;
        eth_frame_free(f);
        return true;
    }
    m->cq[(m->cqhead + m->cqlen) % m->cqcap] = e;
    m->cqlen++;
    return true;
}

static bool ring_full(const struct mpipe *m, unsigned r) {
    return m->ring[r].tail - m->ring[r].credit >= m->ring_entries;
}

/* The least full ring, scanning from rr_next so ties rotate. */
static unsigned least_full(struct mpipe *m) {
    unsigned best = m->rr_next % m->nrings;
    uint64_t best_occ = mpipe_ring_occupancy(m, best);
    for (unsigned i = 1; i < m->nrings && best_occ > 0; i++) {
        unsigned r = (m->rr_next + i) % m->nrings;
        uint64_t occ = mpipe_ring_occupancy(m, r);
        if (occ < best_occ) best = r, best_occ = occ;
    }
    m->rr_next = (best + 1) % m->nrings;
    return best;
}

/* The ring for a packet of bucket b, or -1 when the packet must be dropped. */
static int pick_ring(struct mpipe *m, uint64_t b) {
    unsigned r = m->bucket_ring[b];
    switch (m->cfg->mpipe.bucket_mode) {
    case MPIPE_BUCKET_STATIC: break;
    case MPIPE_BUCKET_ROUND_ROBIN: r = least_full(m); break;
    case MPIPE_BUCKET_STICKY:
        if (m->bucket_inflight[b] == 0) r = least_full(m);
        break;
    case MPIPE_BUCKET_STICKY_LOCALITY:
        if (ring_full(m, r)) r = least_full(m);
        break;
    default: assert(!"bucket mode");
    }
    if (ring_full(m, r)) return -1;
    m->bucket_ring[b] = (uint16_t)r;
    return (int)r;
}

static void ring_notify(void *ctx, void *arg) {
    struct mpipe *m = ctx;
    unsigned r = (unsigned)(uintptr_t)arg;
    m->notify(m->notify_ctx, r, sim_engine_now(m->engine));
}

static void classify(struct mpipe *m, struct mpipe_cq_entry *e) {
    struct eth_frame *f = e->f;
    sim_time_t now = sim_engine_now(m->engine);
    struct eth_parsed p;
    enum eth_parse_status ps = eth_parse(f->data, f->len, &p);
    uint16_t flags = 0;
    switch (ps) {
    case ETH_PARSE_OK: break;
    case ETH_PARSE_RUNT: m->st.drop_runt++; return;
    case ETH_PARSE_BAD_IP: m->st.drop_bad_ip++; return;
    case ETH_PARSE_BAD_IP_CSUM:
        if (m->cfg->mpipe.drop_bad_ip_csum) {
            m->st.drop_bad_ip_csum++;
            return;
        }
        flags |= MPIPE_IDESC_IP_CSUM_BAD;
        break;
    }
    uint16_t l4sum = 0;
    if (p.is_ipv4) flags |= MPIPE_IDESC_IPV4;
    if (p.is_fragment) flags |= MPIPE_IDESC_FRAGMENT;
    if (p.is_tcp) flags |= MPIPE_IDESC_TCP;
    if (p.is_udp) flags |= MPIPE_IDESC_UDP;
    if (p.is_tcp || p.is_udp) {
        if (eth_l4_csum_ok(f->data, &p, &l4sum))
            flags |= MPIPE_IDESC_L4_CSUM_OK;
        else
            m->st.l4_csum_bad++;
    }
    uint32_t hash = mpipe_rss_hash_table(&m->rss, &p, m->cfg->mpipe.rss_symmetric);
    uint64_t bucket = hash % m->nbuckets;

    /* The smallest Rx stack whose buffers hold the frame. */
    int s = -1;
    for (int i = 0; i < MPIPE_STACK_TX_HDR; i++) {
        const struct mpipe_stack *st = &m->stack[i];
        if (st->count && st->buf_bytes >= f->len &&
            (s < 0 || st->buf_bytes < m->stack[s].buf_bytes))
            s = i;
    }
    if (s < 0) {
        m->st.drop_too_big++;
        return;
    }
    int r = pick_ring(m, bucket);
    if (r < 0) {
        m->st.drop_ring_full++;
        m->ring[m->bucket_ring[bucket]].full_drops++;
        return;
    }
    uint64_t buf;
    if (!stack_pop(&m->stack[s], &buf)) {
        m->st.drop_no_buffer++;
        return;
    }
    sim_time_t done = now;
    sim_time_t issue = now + cycles_ps(m, m->cfg->mpipe.idma_cycles);
    if (m->mem->write(m->mem_ctx, buf, f->data, f->len, issue, &done) != 0) {
        m->st.drop_dma_error++;
        mpipe_stack_push(&m->stack[s], buf);
        return;
    }
    if (done < now) done = now;
    struct mpipe_ring *ring = &m->ring[r];
    struct mpipe_slot *slot = &ring->slot[ring->tail % m->ring_entries];
    slot->ready_at = done;
    slot->d = (struct mpipe_idesc){
        .buf_addr = buf,
        .timestamp_ps = e->arrival,
        .size = f->len,
        .flow_hash = hash,
        .bucket = (uint16_t)bucket,
        .ring = (uint16_t)r,
        .port = (uint8_t)e->port,
        .stack = (uint8_t)s,
        .l3_off = p.l3_off,
        .l4_off = p.l4_off,
        .l4_csum = l4sum,
        .flags = flags,
    };
    ring->tail++;
    ring->posted++;
    m->bucket_inflight[bucket]++;
    m->bucket_packets[bucket]++;
    m->st.delivered++;
    if (m->notify) sim_engine_schedule_at(m->engine, done, ring_notify, m, (void *)(uintptr_t)r);
}

static void classify_done(void *ctx, void *arg) {
    (void)arg;
    struct mpipe *m = ctx;
    struct mpipe_cq_entry e = m->cp[m->cphead];
    m->cphead = (m->cphead + 1) % m->cfg->mpipe.classifiers;
    m->cplen--;
    m->free_classifiers++;
    classify(m, &e);
    eth_frame_free(e.f);
    if (m->cqlen > 0) {
        struct mpipe_cq_entry n = m->cq[m->cqhead];
        m->cqhead = (m->cqhead + 1) % m->cqcap;
        m->cqlen--;
        classifier_start(m, &n);
    }
}

/* ---------------------------------------------------------------- egress */

static void edma_pump(struct mpipe *m, unsigned port);

static void edma_wake(void *ctx, void *arg) {
    struct mpipe *m = ctx;
    unsigned port = (unsigned)(uintptr_t)arg;
    m->edma[port].wake = 0;
    edma_pump(m, port);
}

static void edma_schedule(struct mpipe *m, unsigned port, sim_time_t t) {
    struct mpipe_edma *d = &m->edma[port];
    if (d->wake && sim_engine_pending(m->engine, d->wake)) {
        if (d->wake_at <= t) return;
        sim_engine_cancel(m->engine, d->wake);
    }
    d->wake_at = t;
    d->wake = sim_engine_schedule_at(m->engine, t, edma_wake, m, (void *)(uintptr_t)port);
}

static void mpipe_tx_space(void *ctx, struct eth_port *p) {
    struct mpipe *m = ctx;
    unsigned port = (unsigned)(p - m->port);
    m->edma[port].waiting_tx = false;
    edma_pump(m, port);
}

static void refuse(struct mpipe *m, unsigned ring, uint64_t slot, uint64_t addr, uint32_t len,
                   const char *reason) {
    struct mpipe_refusal *rf = &m->refusal[m->nrefusals % MPIPE_REFUSALS_KEPT];
    *rf = (struct mpipe_refusal){ring, slot, addr, len, reason};
    m->nrefusals++;
    m->ering[ring].refused++;
}

/* Find a complete packet (descriptors up to eop) on a ring of this port.
 * Returns the ring, or -1. Sets *n to its descriptor count (capped at
 * max_gather + 1 when no eop comes in time). */
static int edma_next_packet(struct mpipe *m, unsigned port, uint64_t *n) {
    struct mpipe_edma *d = &m->edma[port];
    uint64_t max = m->cfg->mpipe.edma_max_gather, entries = m->cfg->mpipe.edma_ring_entries;
    for (unsigned i = 0; i < m->nerings; i++) {
        unsigned r = (d->rr + i) % m->nerings;
        struct mpipe_ering *er = &m->ering[r];
        if (er->port != port || er->head == er->visible) continue;
        uint64_t k = 0;
        for (uint64_t s = er->head; s < er->visible; s++) {
            k++;
            /* A discarded chain's rest goes as far as is visible. */
            if (er->slot[s % entries].d.eop || (!er->discard && k > max) ||
                (er->discard && s + 1 == er->visible)) {
                d->rr = (r + 1) % m->nerings;
                *n = k;
                return (int)r;
            }
        }
    }
    return -1;
}

/* Gather a packet: IO-TLB check, reads, checksum offload. Fills job. */
static void edma_gather(struct mpipe *m, unsigned port, unsigned r, uint64_t n,
                        struct mpipe_job *job) {
    struct mpipe_ering *er = &m->ering[r];
    uint64_t entries = m->cfg->mpipe.edma_ring_entries;
    sim_time_t now = sim_engine_now(m->engine);
    job->ring = r;
    job->first = er->head;
    job->ndesc = n;
    job->frame = NULL;
    sim_time_t occ = cycles_ps(m, n * m->cfg->mpipe.edma_desc_cycles);
    job->ready_at = now + occ;
    er->head += n;
    m->edma[port].busy_until = now + occ;

    if (er->discard) {
        /* The rest of a chain refused as too long: completed with an error. */
        if (er->slot[(job->first + n - 1) % entries].d.eop) er->discard = false;
        return;
    }
    if (n > m->cfg->mpipe.edma_max_gather) {
        m->st.refused_too_long++;
        refuse(m, r, job->first, er->slot[job->first % entries].d.addr, 0, "gather too long");
        /* Unless the refused descriptors end the packet, discard up to its eop. */
        er->discard = !er->slot[(job->first + n - 1) % entries].d.eop;
        return;
    }
    uint64_t total = 0;
    for (uint64_t i = 0; i < n; i++) {
        const struct mpipe_edesc *e = &er->slot[(job->first + i) % entries].d;
        total += e->size;
        if (!m->mem->is_registered(m->mem_ctx, e->addr, e->size)) {
            m->st.refused_unregistered++;
            refuse(m, r, job->first + i, e->addr, e->size, "unregistered memory (IO-TLB)");
            return;
        }
    }
    if (total < ETH_MIN_HEADER || total + m->cfg->eth.fcs_bytes > m->cfg->eth.max_frame_bytes) {
        m->st.refused_oversize++;
        refuse(m, r, job->first, er->slot[job->first % entries].d.addr, (uint32_t)total,
               total < ETH_MIN_HEADER ? "packet shorter than an Ethernet header"
                                      : "packet longer than the maximum frame");
        return;
    }
    struct eth_frame *f = eth_frame_alloc(total);
    assert(f);
    uint64_t off = 0;
    for (uint64_t i = 0; i < n; i++) {
        const struct mpipe_edesc *e = &er->slot[(job->first + i) % entries].d;
        sim_time_t done = now;
        if (m->mem->read(m->mem_ctx, e->addr, f->data + off, e->size, now, &done) != 0) {
            m->st.refused_dma_error++;
            refuse(m, r, job->first + i, e->addr, e->size, "DMA read error");
            eth_frame_free(f);
            return;
        }
        if (done > job->ready_at) job->ready_at = done;
        off += e->size;
    }
    const struct mpipe_edesc *h = &er->slot[job->first % entries].d;
    if (h->csum) {
        if (h->csum_start < total && (uint64_t)h->csum_dest + 2 <= total) {
            uint32_t s = eth_csum_add(h->csum_seed, f->data + h->csum_start, total - h->csum_start);
            /* The result field is summed as zero (software clears it). */
            uint16_t c = eth_csum_finish(s);
            eth_put16(f->data + h->csum_dest, c);
        } else {
            m->st.csum_bad_offsets++;
        }
    }
    job->frame = f;
}

static void edma_complete(struct mpipe *m, struct mpipe_job *job, bool refused, uint32_t len) {
    struct mpipe_ering *er = &m->ering[job->ring];
    uint64_t entries = m->cfg->mpipe.edma_ring_entries;
    for (uint64_t i = 0; i < job->ndesc; i++) {
        const struct mpipe_edesc *e = &er->slot[(job->first + i) % entries].d;
        if (e->hwb) {
            if (e->stack >= MPIPE_STACKS || !mpipe_stack_push(&m->stack[e->stack], e->addr))
                m->st.bad_hwb++;
        }
    }
    er->completed += job->ndesc;
    if (!refused) {
        er->packets++;
        er->bytes += len;
        m->st.tx_frames++;
        m->st.tx_bytes += len;
    }
    if (m->complete)
        m->complete(m->complete_ctx, job->ring, er->completed, refused, sim_engine_now(m->engine));
}

static void edma_pump(struct mpipe *m, unsigned port) {
    struct mpipe_edma *d = &m->edma[port];
    uint64_t cap = m->cfg->mpipe.edma_inflight;
    sim_time_t now = sim_engine_now(m->engine);
    for (;;) {
        bool progress = false;
        /* Hand finished packets to the port, in order. */
        while (d->jlen > 0) {
            struct mpipe_job *job = &d->job[d->jhead];
            if (job->ready_at > now) {
                edma_schedule(m, port, job->ready_at);
                break;
            }
            if (job->frame) {
                if (!eth_port_can_send(&m->port[port])) {
                    d->waiting_tx = true;
                    eth_port_want_space(&m->port[port]);
                    break;
                }
                struct eth_frame *f = job->frame;
                uint32_t len = f->len;
                job->frame = NULL;
                bool taken = eth_port_send(&m->port[port], f);
                assert(taken);
                (void)taken;
                edma_complete(m, job, false, len);
            } else {
                edma_complete(m, job, true, 0);
            }
            d->jhead = (d->jhead + 1) % cap;
            d->jlen--;
            progress = true;
        }
        /* Start gathering more packets. */
        while (d->jlen < cap) {
            if (d->busy_until > now) {
                uint64_t n;
                if (edma_next_packet(m, port, &n) >= 0) edma_schedule(m, port, d->busy_until);
                break;
            }
            uint64_t n;
            int r = edma_next_packet(m, port, &n);
            if (r < 0) break;
            struct mpipe_job *job = &d->job[(d->jhead + d->jlen) % cap];
            edma_gather(m, port, (unsigned)r, n, job);
            d->jlen++;
            progress = true;
        }
        if (!progress) break;
    }
}

/* Called by the driver's doorbell (after the doorbell latency). */
void mpipe_edma_publish(struct mpipe *m, unsigned ring, uint64_t upto) {
    struct mpipe_ering *er = &m->ering[ring];
    if (upto > er->visible) er->visible = upto;
    edma_pump(m, er->port);
}

/* ----------------------------------------------------------------- stats */

void mpipe_write_stats(const struct mpipe *m, struct json_writer *w) {
    const struct mpipe_stats *s = &m->st;
    json_object_begin(w);
    json_key(w, "ingress");
    json_object_begin(w);
    json_kv_uint(w, "frames", s->rx_frames);
    json_kv_uint(w, "bytes", s->rx_bytes);
    json_kv_uint(w, "delivered", s->delivered);
    json_kv_uint(w, "l4_csum_bad", s->l4_csum_bad);
    json_key(w, "drops");
    json_object_begin(w);
    json_kv_uint(w, "classifier_full", s->drop_classifier_full);
    json_kv_uint(w, "runt", s->drop_runt);
    json_kv_uint(w, "bad_ip", s->drop_bad_ip);
    json_kv_uint(w, "bad_ip_csum", s->drop_bad_ip_csum);
    json_kv_uint(w, "too_big", s->drop_too_big);
    json_kv_uint(w, "no_buffer", s->drop_no_buffer);
    json_kv_uint(w, "ring_full", s->drop_ring_full);
    json_kv_uint(w, "dma_error", s->drop_dma_error);
    json_object_end(w);
    json_object_end(w);
    json_key(w, "egress");
    json_object_begin(w);
    json_kv_uint(w, "frames", s->tx_frames);
    json_kv_uint(w, "bytes", s->tx_bytes);
    json_key(w, "refused");
    json_object_begin(w);
    json_kv_uint(w, "unregistered", s->refused_unregistered);
    json_kv_uint(w, "too_long", s->refused_too_long);
    json_kv_uint(w, "bad_size", s->refused_oversize);
    json_kv_uint(w, "dma_error", s->refused_dma_error);
    json_object_end(w);
    json_kv_uint(w, "csum_bad_offsets", s->csum_bad_offsets);
    json_kv_uint(w, "bad_hwb", s->bad_hwb);
    json_key(w, "last_refusals");
    json_array_begin(w);
    uint64_t kept = m->nrefusals < MPIPE_REFUSALS_KEPT ? m->nrefusals : MPIPE_REFUSALS_KEPT;
    for (uint64_t i = m->nrefusals - kept; i < m->nrefusals; i++) {
        const struct mpipe_refusal *rf = &m->refusal[i % MPIPE_REFUSALS_KEPT];
        json_object_begin(w);
        json_kv_uint(w, "ring", rf->ring);
        json_kv_uint(w, "slot", rf->slot);
        json_kv_uint(w, "addr", rf->addr);
        json_kv_uint(w, "len", rf->len);
        json_kv_string(w, "reason", rf->reason);
        json_object_end(w);
    }
    json_array_end(w);
    json_object_end(w);
    json_kv_uint(w, "driver_errors", s->drv_errors);
    json_key(w, "rings");
    json_array_begin(w);
    for (unsigned r = 0; r < m->nrings; r++) {
        const struct mpipe_ring *g = &m->ring[r];
        json_object_begin(w);
        json_kv_uint(w, "posted", g->posted);
        json_kv_uint(w, "taken", g->taken);
        json_kv_uint(w, "credits", g->credits);
        json_kv_uint(w, "full_drops", g->full_drops);
        json_kv_uint(w, "bad_credit", g->bad_credit);
        json_object_end(w);
    }
    json_array_end(w);
    json_key(w, "edma_rings");
    json_array_begin(w);
    for (unsigned r = 0; r < m->nerings; r++) {
        const struct mpipe_ering *g = &m->ering[r];
        json_object_begin(w);
        json_kv_uint(w, "port", g->port);
        json_kv_uint(w, "packets", g->packets);
        json_kv_uint(w, "bytes", g->bytes);
        json_kv_uint(w, "completed", g->completed);
        json_kv_uint(w, "refused", g->refused);
        json_kv_uint(w, "post_full", g->post_full);
        json_kv_uint(w, "doorbells", g->doorbells);
        json_object_end(w);
    }
    json_array_end(w);
    json_key(w, "stacks");
    json_array_begin(w);
    for (int i = 0; i < MPIPE_STACKS; i++) {
        const struct mpipe_stack *st = &m->stack[i];
        json_object_begin(w);
        json_kv_string(w, "name", stack_names[i]);
        json_kv_uint(w, "buffer_bytes", st->buf_bytes);
        json_kv_uint(w, "buffers", st->count);
        json_kv_uint(w, "free", st->top);
        json_kv_uint(w, "pops", st->pops);
        json_kv_uint(w, "pushes", st->pushes);
        json_kv_uint(w, "empty", st->empty);
        json_kv_uint(w, "bad_push", st->bad_push);
        json_kv_uint(w, "double_push", st->double_push);
        json_object_end(w);
    }
    json_array_end(w);
    json_key(w, "ports");
    json_array_begin(w);
    for (unsigned p = 0; p < m->nports; p++) eth_port_write_stats(&m->port[p], w);
    json_array_end(w);
    json_object_end(w);
}
