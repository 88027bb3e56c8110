/* sim/tile/tile_api.h: the runtime API that tile code (stack/, workloads/) sees.
 * It is the only simulator header tile code includes.
 *
 * Model (docs/tiles.md): a tile is idle until input arrives (a word in one of
 * its UDN demux queues, a notification on one of its rings, an expired
 * timer). It then runs the registered handler natively, once, at that
 * simulated time; the handler's cost is measured by instrumentation
 * (instructions x chip.cpi + memory cycles beyond L1 hits) plus what it
 * charges explicitly through this API (UDN words, copies, lock waits). The
 * tile is busy until start + cost, then polls again (chip.tile.poll_cycles per
 * iteration). Every action taken through this API is time-stamped at the
 * handler's start + the cycles consumed so far (tile_now()).
 *
 * Handlers: run to completion; a lock taken in a handler must be released in
 * it. Memory: tile code allocates from arenas (tile_alloc: the tile's private
 * memory; tile_proc_alloc: its process's heap; tile_shared_alloc: chip-wide
 * shared memory); host malloc memory is outside every region and faults in
 * protected mode. Errors: calls with bad arguments return -1 / NULL / false and
 * never crash; protection, lock and budget faults are handled by the runtime
 * (chip.protection.on_fault).
 */
#ifndef TESSERA_SIM_TILE_TILE_API_H
#define TESSERA_SIM_TILE_TILE_API_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct tile;

enum tile_role { TILE_ROLE_NONE, TILE_ROLE_NET, TILE_ROLE_APP, TILE_ROLE_RTC };

/* Profile labels: cycles of a tile are split by these. */
enum tile_label {
    TILE_LABEL_APP,
    TILE_LABEL_STACK,
    TILE_LABEL_DRIVER,
    TILE_LABEL_LOCK,  /* waiting for a spin lock (set by the runtime) */
    TILE_LABEL_STALL, /* stalled on a full UDN send (set by the runtime) */
    TILE_LABEL_IDLE,  /* no input (set by the runtime) */
    TILE_LABEL_COUNT,
};

#define TILE_UDN_QUEUES 4u
#define TILE_UDN_MAX_WORDS 126u
#define TILE_RINGS 8u

typedef void (*tile_handler_fn)(struct tile *t, void *ctx);
/* A tile program's start: runs once at time 0 to register handlers. */
typedef void (*tile_main_fn)(struct tile *t, void *arg);
typedef uint64_t tile_timer_id;

/* Input sources. Return 0, or -1 for a bad queue/ring number. fn NULL removes. */
int tile_on_udn(struct tile *t, unsigned queue, tile_handler_fn fn, void *ctx);
int tile_on_ring(struct tile *t, unsigned ring, tile_handler_fn fn, void *ctx);
/* Take up to max pending notifications of a ring; returns how many were taken. */
uint64_t tile_ring_take(struct tile *t, unsigned ring, uint64_t max);

/* Timers: fn runs on this tile once at least delay_ps after now. 0 = failed
 * (no fn, or a delay beyond 2^63 ps). */
tile_timer_id tile_timer_arm(struct tile *t, uint64_t delay_ps, tile_handler_fn fn, void *ctx);
/* true if the timer was pending and will not run. */
bool tile_timer_cancel(struct tile *t, tile_timer_id id);

/* UDN. A message is 1..TILE_UDN_MAX_WORDS words to (dst tile, demux queue).
 * tile_udn_send stalls the tile while the network cannot take the message
 * (the tile takes no new input meanwhile); returns 0, or -1 on bad arguments.
 * tile_udn_try_send returns 1 if sent, 0 if there are not enough credits
 * (nothing sent), -1 on bad arguments. */
int tile_udn_send(struct tile *t, unsigned dst, unsigned queue, const uint64_t *words, size_t n);
int tile_udn_try_send(struct tile *t, unsigned dst, unsigned queue, const uint64_t *words,
                      size_t n);
/* Words that may be sent to (dst, queue) now without stalling. */
uint64_t tile_udn_credits(struct tile *t, unsigned dst, unsigned queue);
/* Words waiting in this tile's demux queue / receive up to max of them. */
size_t tile_udn_avail(struct tile *t, unsigned queue);
size_t tile_udn_recv(struct tile *t, unsigned queue, uint64_t *words, size_t max);
/* Blocking receive, as a core reading its UDN register: waits (labelled idle)
 * until n words are in the queue, then takes them. Returns n, or 0 for bad
 * arguments or outside a handler. */
size_t tile_udn_recv_wait(struct tile *t, unsigned queue, uint64_t *words, size_t n);

/* Arenas (16-byte aligned; NULL when full or size 0). */
void *tile_alloc(struct tile *t, size_t size);
void tile_free(struct tile *t, void *p);
void *tile_proc_alloc(struct tile *t, size_t size);
void tile_proc_free(struct tile *t, void *p);
/* tile_alloc and tile_proc_alloc that also say whether the block is fresh:
 * never handed out since the region was made, so all zero (as an OS's
 * fresh pages are: a calloc need not clear it). */
void *tile_alloc_fresh(struct tile *t, size_t size, bool *fresh);
void *tile_proc_alloc_fresh(struct tile *t, size_t size, bool *fresh);
void *tile_shared_alloc(struct tile *t, size_t size);
void tile_shared_free(struct tile *t, void *p);

/* Copy through the cache model (one load and one store per line, plus
 * chip.tile.copy_line_cycles); checked like any access. */
void tile_copy(struct tile *t, void *dst, const void *src, size_t n);

/* Spin locks in simulated memory (the struct must live in an arena). */
struct tile_lock {
    uint64_t word;    /* holder tile + 1, 0 when free */
    uint64_t free_at; /* simulated time of the last release (ps) */
    uint64_t acquisitions, contended, wait_cycles;
};
void tile_lock_init(struct tile *t, struct tile_lock *l);
/* Returns 0, or -1 if l is not in simulated memory. */
int tile_lock_acquire(struct tile *t, struct tile_lock *l);
/* Returns 0; a release by a tile that does not hold the lock is a fault (-1). */
int tile_lock_release(struct tile *t, struct tile_lock *l);

/* Charge cycles the C code cannot show (hardware work such as a doorbell). */
void tile_charge(struct tile *t, uint64_t cycles);
/* Ring a device doorbell (e.g. the NIC's egress queue): the chip's doorbell
 * callback runs at tile_now(). Returns -1 if no device is attached. */
int tile_doorbell(struct tile *t, unsigned port, uint64_t value);

/* The NIC (the mPIPE-like device), as the driver in tile code sees it. The
 * simulator plugs a device in (nic/chip_nic.h); without one every call fails
 * (returns 0 / -1). Rings: `ring` is the tile's own ring number (the one
 * given to tile_on_ring), mapped to a device notification ring when the
 * device was attached; `ering` is a device eDMA ring number. Each call is
 * charged as the hardware operation it is (nic.driver: descriptor reads,
 * MMIO stores and loads, descriptor writes), time-stamped at tile_now() and
 * labelled `driver` in the profile. Bad arguments return 0 / -1, change
 * nothing and are counted by the device. */
struct tile_pkt {  /* an ingress descriptor */
    void *data;    /* the frame, in Rx memory (the iDMA wrote it) */
    uint32_t size; /* frame bytes, no FCS */
    uint32_t flow_hash;
    uint64_t timestamp_ps; /* arrival of its last bit at the port */
    uint16_t l3_off, l4_off;
    uint16_t l4_csum; /* folded sum over pseudo-header + segment */
    uint16_t flags;   /* TILE_PKT_* */
    uint8_t port;     /* device port it arrived on */
    uint8_t stack;    /* buffer stack of its buffer */
};
#define TILE_PKT_IPV4 0x01u
#define TILE_PKT_TCP 0x02u
#define TILE_PKT_UDP 0x04u
#define TILE_PKT_L4_CSUM_OK 0x08u
#define TILE_PKT_IP_CSUM_BAD 0x10u
#define TILE_PKT_FRAGMENT 0x20u

struct tile_txd {     /* an egress descriptor: one piece of a packet */
    const void *data; /* in registered memory (Rx, Tx headers, or tile_nic_register) */
    uint16_t size;
    bool eop;  /* last piece of its packet */
    bool csum; /* checksum offload (first piece of a packet) */
    uint16_t csum_start, csum_dest, csum_seed;
    bool hwb; /* the device returns the buffer at data to `stack` after the send */
    uint8_t stack;
};
/* Buffer stacks (as the device numbers them). */
#define TILE_NIC_STACK_SMALL 0u
#define TILE_NIC_STACK_LARGE 1u
#define TILE_NIC_STACK_JUMBO 2u
#define TILE_NIC_STACK_TX_HDR 3u

/* Take up to max visible ingress descriptors (idesc_read_cycles each). Also
 * consumes the ring's pending notifications once it has none left visible. */
uint64_t tile_nic_poll(struct tile *t, unsigned ring, struct tile_pkt *out, uint64_t max);
/* Return n ring slots (descriptors consumed): one MMIO store. 0 or -1. */
int tile_nic_credit(struct tile *t, unsigned ring, uint64_t n);
/* Push a buffer (a tile_pkt's data, or one from tile_nic_buffer_alloc) back
 * on its stack: one MMIO store. 0 or -1. */
int tile_nic_buffer_return(struct tile *t, unsigned stack, void *buf);
/* Pop a buffer (Tx headers): one MMIO load. NULL when empty or bad. */
void *tile_nic_buffer_alloc(struct tile *t, unsigned stack);
/* Write n egress descriptors (all or none; edesc_write_cycles each). Returns
 * n, or 0 when they do not fit or a piece is outside simulated memory. */
uint64_t tile_nic_post(struct tile *t, unsigned ering, const struct tile_txd *d, uint64_t n);
/* Publish the descriptors posted so far: one MMIO store. 0 or -1. */
int tile_nic_doorbell(struct tile *t, unsigned ering);
/* Descriptors of ering completed so far (one MMIO load). */
uint64_t tile_nic_completed(struct tile *t, unsigned ering);
/* Free eDMA slots as software counts them (no cost). */
uint64_t tile_nic_space(struct tile *t, unsigned ering);
/* Register [p, p + len) of this tile's process memory for transmit (the
 * IO-TLB, DLibOS 4.5): gathers from elsewhere than Rx, Tx headers and
 * registered ranges are refused by the device. 0, or -1 (not simulated
 * memory, or no device). */
int tile_nic_register(struct tile *t, const void *p, size_t len);

/* Time and identity. */
uint64_t tile_now(struct tile *t);            /* ps */
uint64_t tile_now_cycles(struct tile *t);     /* core cycles since time 0 */
uint64_t tile_handler_cycles(struct tile *t); /* cycles consumed by the running handler */
unsigned tile_id(const struct tile *t);
/* The tile whose handler is running (NULL outside handlers): for code that
 * is handed no tile, such as the lock operations of a structure several
 * tiles share. */
struct tile *tile_current(void);
unsigned tile_count(const struct tile *t);
enum tile_role tile_role(const struct tile *t);
unsigned tile_process(const struct tile *t);

/* Set the profile label of the cycles that follow; returns the previous one.
 * Runtime labels (lock, stall, idle) cannot be set. */
enum tile_label tile_label_set(struct tile *t, enum tile_label l);

#endif
