/* nic/mpipe_driver.c: driver calls of tile code on the device. See mpipe_driver.h. */
#include "nic/mpipe_driver.h"

#include <string.h>

static void charge(uint64_t *cycles, uint64_t c) {
    if (cycles) *cycles += c;
}

static sim_time_t clamp_now(const struct mpipe *m, sim_time_t now) {
    sim_time_t e = sim_engine_now(m->engine);
    return now < e ? e : now;
}

uint64_t mpipe_drv_poll(struct mpipe *m, unsigned ring, sim_time_t now, struct mpipe_idesc *out,
                        uint64_t max, uint64_t *cycles) {
    if (ring >= m->nrings || (!out && max > 0)) {
        m->st.drv_errors++;
        return 0;
    }
    now = clamp_now(m, now);
    struct mpipe_ring *r = &m->ring[ring];
    uint64_t n = 0;
    while (n < max && r->head < r->tail) {
        const struct mpipe_slot *s = &r->slot[r->head % m->ring_entries];
        if (s->ready_at > now) break; /* its iDMA write has not landed yet */
        out[n++] = s->d;
        r->head++;
    }
    r->taken += n;
    charge(cycles, n * m->cfg->driver.idesc_read_cycles);
    return n;
}

int mpipe_drv_credit(struct mpipe *m, unsigned ring, uint64_t n, sim_time_t now, uint64_t *cycles) {
    (void)now;
    if (ring >= m->nrings) {
        m->st.drv_errors++;
        return -1;
    }
    struct mpipe_ring *r = &m->ring[ring];
    charge(cycles, m->cfg->driver.mmio_write_cycles);
    if (n > r->head - r->credit) {
        r->bad_credit++;
        m->st.drv_errors++;
        return -1;
    }
    for (uint64_t i = 0; i < n; i++) {
        const struct mpipe_slot *s = &r->slot[(r->credit + i) % m->ring_entries];
        m->bucket_inflight[s->d.bucket]--;
    }
    r->credit += n;
    r->credits += n;
    return 0;
}

int mpipe_drv_buffer_return(struct mpipe *m, unsigned stack, uint64_t addr, sim_time_t now,
                            uint64_t *cycles) {
    (void)now;
    if (stack >= MPIPE_STACKS) {
        m->st.drv_errors++;
        return -1;
    }
    charge(cycles, m->cfg->driver.mmio_write_cycles);
    if (!mpipe_stack_push(&m->stack[stack], addr)) {
        m->st.drv_errors++;
        return -1;
    }
    return 0;
}

int mpipe_drv_buffer_alloc(struct mpipe *m, unsigned stack, uint64_t *addr, sim_time_t now,
                           uint64_t *cycles) {
    (void)now;
    if (stack >= MPIPE_STACKS || !addr) {
        m->st.drv_errors++;
        return -1;
    }
    charge(cycles, m->cfg->driver.mmio_read_cycles);
    struct mpipe_stack *s = &m->stack[stack];
    if (s->top == 0) {
        s->empty++;
        return -1;
    }
    *addr = s->lifo[--s->top];
    s->present[(*addr - s->base) / s->buf_bytes] = 0;
    s->pops++;
    return 0;
}

uint64_t mpipe_drv_edma_space(const struct mpipe *m, unsigned ring) {
    if (ring >= m->nerings) return 0;
    const struct mpipe_ering *er = &m->ering[ring];
    return m->cfg->mpipe.edma_ring_entries - (er->tail - er->completed);
}

uint64_t mpipe_drv_edma_post(struct mpipe *m, unsigned ring, const struct mpipe_edesc *d,
                             uint64_t n, sim_time_t now, uint64_t *cycles) {
    (void)now;
    if (ring >= m->nerings || (!d && n > 0)) {
        m->st.drv_errors++;
        return 0;
    }
    struct mpipe_ering *er = &m->ering[ring];
    if (n > mpipe_drv_edma_space(m, ring)) {
        er->post_full++;
        return 0;
    }
    uint64_t entries = m->cfg->mpipe.edma_ring_entries;
    for (uint64_t i = 0; i < n; i++) er->slot[(er->tail + i) % entries].d = d[i];
    er->tail += n;
    charge(cycles, n * m->cfg->driver.edesc_write_cycles);
    return n;
}

static void doorbell_arrive(void *ctx, void *arg) {
    struct mpipe *m = ctx;
    unsigned ring = (unsigned)(uintptr_t)arg;
    struct mpipe_ering *er = &m->ering[ring];
    /* Doorbells of a ring arrive in the order they were rung. */
    uint64_t upto = er->bell_upto[er->bell_head % MPIPE_BELLS];
    er->bell_head++;
    mpipe_edma_publish(m, ring, upto);
}

int mpipe_drv_edma_doorbell(struct mpipe *m, unsigned ring, sim_time_t now, uint64_t *cycles) {
    if (ring >= m->nerings) {
        m->st.drv_errors++;
        return -1;
    }
    now = clamp_now(m, now);
    struct mpipe_ering *er = &m->ering[ring];
    charge(cycles, m->cfg->driver.mmio_write_cycles);
    er->doorbells++;
    sim_time_t at = now + sim_clock_cycles_to_ps(&m->clk, m->cfg->mpipe.doorbell_cycles);
    if (at < er->bell_last_at) at = er->bell_last_at; /* keep arrivals in order */
    if (er->bell_tail - er->bell_head == MPIPE_BELLS) {
        /* Too many doorbells in flight: the newest one also covers these slots. */
        er->bell_upto[(er->bell_tail - 1) % MPIPE_BELLS] = er->tail;
        return 0;
    }
    er->bell_upto[er->bell_tail % MPIPE_BELLS] = er->tail;
    er->bell_tail++;
    er->bell_last_at = at;
    sim_engine_schedule_at(m->engine, at, doorbell_arrive, m, (void *)(uintptr_t)ring);
    return 0;
}

uint64_t mpipe_drv_edma_completed(struct mpipe *m, unsigned ring, sim_time_t now,
                                  uint64_t *cycles) {
    (void)now;
    if (ring >= m->nerings) {
        m->st.drv_errors++;
        return 0;
    }
    charge(cycles, m->cfg->driver.mmio_read_cycles);
    return m->ering[ring].completed;
}

unsigned mpipe_drv_rings(const struct mpipe *m) { return m->nrings; }
unsigned mpipe_drv_erings(const struct mpipe *m) { return m->nerings; }

uint64_t mpipe_drv_ring_waiting(const struct mpipe *m, unsigned ring) {
    return ring < m->nrings ? m->ring[ring].tail - m->ring[ring].head : 0;
}

bool mpipe_drv_ring_visible(const struct mpipe *m, unsigned ring, sim_time_t now) {
    if (ring >= m->nrings) return false;
    const struct mpipe_ring *r = &m->ring[ring];
    return r->head < r->tail && r->slot[r->head % m->ring_entries].ready_at <= now;
}

void mpipe_drv_count_error(struct mpipe *m) { m->st.drv_errors++; }

void mpipe_drv_count_post_full(struct mpipe *m, unsigned ring) {
    if (ring < m->nerings) m->ering[ring].post_full++;
}
