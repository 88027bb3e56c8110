/* workloads/mcload.h: a mutilate-like open-loop memcached load generator
 * (ASCII protocol) on the socket layer API only (stack/sock.h), so it runs
 * over any transport: tessera-load drives it over a TAP device against a
 * real server; a simulated client can drive it as well.
 *
 * What it does: two groups of connections, the load (cfg.conns, at most
 * cfg.depth requests outstanding on each) and an optional observer
 * (cfg.obs_conns, depth 1, at its own low rate: mutilate's separate
 * latency-measuring connections); connection i of a group goes to server
 * i mod nservers. Each connection is an open-loop arrival process of its
 * own, as in mutilate: its intended send times are spaced by independent
 * inter-arrival times, exponential or generalized Pareto (mutilate's ETC
 * "fb_ia", GPareto(0, 16.0292 us, 0.154971), its scale rescaled so that
 * the mean is the target), with the mean conns / qps, so that the group
 * offers qps in all. A connection's process starts when it is established
 * (or when the preload ends). Each arrival is a GET, or a SET with
 * probability cfg.update, of a key drawn uniformly over cfg.records
 * records; the record's key is its index in zero-padded decimal, of width
 * cfg.key_size (USR, 19: the paper's keys < 20 B) or, for ETC, of width
 * max(round(GEV(30.7984, 8.20449, 0.078688) at u = FNV-1a(index) / 2^64),
 * the digits of records) capped at 250 (as mutilate's KeyGenerator, so a
 * record keeps its key). A SET's value is cfg.value_size bytes (USR: 2) or,
 * for ETC, drawn from mutilate's "fb_value": 0..14 B from a table (the
 * mass at each, 0.00536 at 0 ... 0.01980 at 14, 0.44155 in all; source:
 * mutilate Generator.cc), else GPareto(15, 214.476, 0.348238), truncated
 * to an integer and capped at cfg.value_max.
 *
 * Depth and waiting (what this client does; mutilate differs): a request
 * whose intended time comes while its connection has depth requests
 * outstanding waits until a reply frees a place (so do the ones due after
 * it: they are sent back to back, none is skipped). Latency is measured
 * from the intended time to the handler that consumes the reply's last
 * byte, so the wait counts in it (no coordinated omission). The "service"
 * histogram measures from the actual send instead, as mutilate does (its
 * Operation start_time is taken when the request is issued, so mutilate
 * leaves the wait out).
 *
 * Preload (cfg.preload): first every record is SET once (keys 0..records-1
 * in order, spread over the load connections, depth outstanding on each,
 * closed loop), as mutilate does before a run; the open-loop phase starts
 * when the last of those replies has come. Time t0 is the start of the
 * open-loop phase; the measured window is [t0 + warmup, t0 + warmup +
 * duration). No request is intended at or after the window's end.
 * Results: the rate is the replies that completed inside the window over
 * its length; the latency histograms hold the requests intended inside the
 * window (whenever they complete: drain after the window before reading
 * them; those still outstanding are counted as incomplete). Hits, misses,
 * errors are counted over the whole run (preload excluded).
 *
 * Randomness: every connection has its own splitmix64 stream seeded from
 * (cfg.seed, group, index), drawn in a fixed order per request (the
 * inter-arrival time, then GET or SET, the record, a SET's value size), so
 * each connection's intended times, keys and operations depend only on the
 * seed, never on the network's timing. No rand(), no clock of its own:
 * cfg.now gives the time in ps.
 *
 * Replies are parsed incrementally over any segmentation (mcload_reply_feed
 * below): VALUE <key> <flags> <bytes> [<cas>] + data block, END, STORED,
 * NOT_STORED, EXISTS, NOT_FOUND, ERROR, CLIENT_ERROR <msg>, SERVER_ERROR
 * <msg>. Errors are counted, never fatal: an ERROR/CLIENT_ERROR/
 * SERVER_ERROR reply completes its request (counted in server_errors); an
 * unparsable reply, a reply of the wrong kind (STORED to a GET) or bytes
 * with nothing outstanding is a protocol error: the connection is closed.
 * A connection closed by the server, failed or refused is not opened again
 * (its group offers less: the stats say how many are open).
 *
 * Memory: from the allocator passed in (NULL: the default): the instance,
 * one value block of cfg.value_max bytes (filled once, sent zero-touch by
 * every SET and never written again), the connection array with, per
 * connection, 2 * depth + 2 request slots of MCLOAD_REQ_MAX bytes (a request
 * line stays in its slot until data_acked covers it; a request due when no
 * slot is free waits as at depth) and a ring of depth outstanding entries,
 * a heap of the connections waiting for their next intended time, the
 * connection map, and four histograms (lathist.h, 58 KiB each). The stack
 * may refer to the slots and the value block until data_acked: destroy the
 * client after the transport's stacks are gone or mcload_quiet().
 *
 * Cost: per request O(log C) (the heap) plus formatting the request line;
 * per reply byte O(1) (head bytes are copied into a 320-byte line buffer,
 * value bytes only counted).
 *
 * Left out: the binary protocol, multi-get, key popularity other than
 * uniform, mutilate's --skip and --moderate, reconnecting, timeouts.
 */
#ifndef TESSERA_WORKLOADS_MCLOAD_H
#define TESSERA_WORKLOADS_MCLOAD_H

#include "stack/sock.h"
#include "workloads/lathist.h"

/* ---- The distributions: pure functions of uniforms u in [0, 1) ---- */

/* Exponential with the given mean: -mean ln(1 - u). */
double mcload_exponential(double u, double mean);
/* Generalized Pareto (shape != 0): loc + scale ((1 - u)^-shape - 1) / shape
 * (mutilate draws with u, the same law). Mean loc + scale / (1 - shape). */
double mcload_gpareto(double u, double loc, double scale, double shape);
/* GEV (shape != 0): loc + scale ((-ln u)^-shape - 1) / shape. */
double mcload_gev(double u, double loc, double scale, double shape);
/* The GPareto scale whose mean is `mean` for loc 0 (mutilate's set_lambda). */
double mcload_gpareto_scale_for_mean(double mean, double shape);
/* mutilate's ETC inter-arrival shape and scale (us), key GEV, values. */
#define MCLOAD_FB_IA_SHAPE 0.154971
#define MCLOAD_FB_IA_SCALE_US 16.0292
#define MCLOAD_FB_KEY_LOC 30.7984
#define MCLOAD_FB_KEY_SCALE 8.20449
#define MCLOAD_FB_KEY_SHAPE 0.078688
#define MCLOAD_FB_VALUE_LOC 15.0
#define MCLOAD_FB_VALUE_SCALE 214.476
#define MCLOAD_FB_VALUE_SHAPE 0.348238
#define MCLOAD_KEY_MAX 250 /* memcached's limit */
/* ETC's value size: u picks from the 0..14 B table, else u2 the GPareto
 * tail; truncated, at most vmax. */
uint32_t mcload_etc_value(double u, double u2, uint32_t vmax);
/* ETC's key width for record `index` of `records` (see above). */
unsigned mcload_etc_key_width(uint64_t index, uint64_t records);
/* The key of record `index`, zero-padded to `width` (at least the digits of
 * the index; at most MCLOAD_KEY_MAX), into buf (MCLOAD_KEY_MAX + 1 bytes);
 * returns its length. */
unsigned mcload_key(char *buf, uint64_t index, unsigned width);
/* splitmix64: the per-connection stream; a uniform double in [0, 1). */
uint64_t mcload_splitmix(uint64_t *state);
double mcload_unit(uint64_t *state);

/* ---- The client ---- */

enum mcload_ia { MCLOAD_IA_EXP, MCLOAD_IA_GPARETO };
enum mcload_dist { MCLOAD_USR, MCLOAD_ETC };

struct mcload_server {
    uint32_t ip; /* as sock_connect takes it */
    uint16_t port;
};

#define MCLOAD_REQ_MAX 288 /* "set <key> 0 0 <bytes>\r\n" with a 250-byte key */

struct mcload_config {
    const struct mcload_server *servers; /* copied */
    unsigned nservers;                   /* >= 1 (at most 64) */
    unsigned conns;                      /* the load group (>= 1) */
    unsigned depth;                      /* requests outstanding per connection (>= 1) */
    double qps;                          /* offered by the load group in all (> 0) */
    unsigned obs_conns;                  /* the observer group (0: none) */
    double obs_qps;                      /* offered by it in all (> 0 if obs_conns) */
    enum mcload_ia ia;
    enum mcload_dist dist;
    uint64_t records;    /* the key space (>= 1) */
    double update;       /* fraction of SETs, 0..1 */
    unsigned key_size;   /* USR: key width (0: 19) */
    uint32_t value_size; /* USR: SET value bytes (0: 2) */
    uint32_t value_max;  /* value cap (0: 1,000,000) */
    bool preload;        /* SET every record first */
    uint64_t seed;
    uint64_t warmup, duration;  /* ps, from t0 */
    uint64_t (*now)(void *ctx); /* ps; required */
    void *ctx;
};

struct mcload_stats {
    uint64_t gets, sets;         /* sent */
    uint64_t hits, misses;       /* GET replies: a VALUE, or END alone */
    uint64_t stored, not_stored; /* SET replies (EXISTS, NOT_FOUND count as not_stored) */
    uint64_t server_errors;      /* ERROR, CLIENT_ERROR, SERVER_ERROR replies */
    uint64_t protocol_errors;    /* unparsable, wrong kind, unasked-for bytes */
    uint64_t rx_bytes, tx_bytes; /* reply bytes consumed; request bytes sent */
    /* times a due request found its connection full (depth or slots); the
     * ones due behind it while it waits are not counted again */
    uint64_t waited;
    uint64_t connects, connect_failed, conns_open, closed_by_server, send_failed, no_memory;
    /* the measured window */
    uint64_t win_intended; /* requests intended inside it */
    uint64_t win_done;     /* replies completed inside it */
    uint64_t win_measured; /* replies to requests intended inside it (in the histograms) */
};

struct mcload_result {
    double qps;                        /* win_done / window length */
    double offered_qps;                /* win_intended / window length */
    uint64_t p50, p90, p99, p999, max; /* latency, ps (from the intended time) */
    double mean;                       /* ps */
    uint64_t svc_p50, svc_p99;         /* from the actual send (mutilate's), ps */
    uint64_t measured, incomplete;     /* win_measured; intended inside, not replied */
};

enum { MCLOAD_LOAD = 0, MCLOAD_OBS = 1 };

struct mcload;
/* NULL when the configuration is unusable or out of memory. */
struct mcload *mcload_create(const struct mcload_config *cfg, const struct stk_alloc *alloc);
void mcload_destroy(struct mcload *m);
struct sock_events mcload_events(void); /* ctx: the client */
/* Opens every connection (cookie: the connection's number). 0, or -1. */
int mcload_start(struct mcload *m, struct sock *k);
/* Sends every request due by cfg.now() (call it at mcload_next_due() or
 * sooner; replies also send the requests they unblock). */
void mcload_poll(struct mcload *m);
/* The earliest intended time of a connection waiting for it (UINT64_MAX:
 * none). */
uint64_t mcload_next_due(const struct mcload *m);
/* The preload is done and the open-loop phase has begun: *t0 its start. */
bool mcload_running(const struct mcload *m, uint64_t *t0);
/* Running, every connection past the window's end (or gone) and no request
 * outstanding. */
bool mcload_done(const struct mcload *m);
/* Closes every connection; nothing more is sent. */
void mcload_close(struct mcload *m);
/* Started and every connection has had its cleanup. */
bool mcload_quiet(const struct mcload *m);
const struct mcload_stats *mcload_stats(const struct mcload *m, unsigned group);
/* The group's latency histogram (service: from the actual send). */
const struct lathist *mcload_hist(const struct mcload *m, unsigned group, bool service);
void mcload_result(const struct mcload *m, unsigned group, struct mcload_result *r);

/* ---- The reply parser, exposed for tests ---- */
#define MCLOAD_LINE_MAX 320
enum { MCLOAD_REPLY_MORE = 0, MCLOAD_REPLY_DONE = 1, MCLOAD_REPLY_ERR = -1 };
enum mcload_kind {
    MCLOAD_R_NONE,
    MCLOAD_R_HIT,  /* VALUE ... END */
    MCLOAD_R_MISS, /* END alone */
    MCLOAD_R_STORED,
    MCLOAD_R_NOT_STORED, /* NOT_STORED, EXISTS, NOT_FOUND */
    MCLOAD_R_ERROR,      /* ERROR, CLIENT_ERROR, SERVER_ERROR */
};
struct mcload_reply {
    enum mcload_kind kind; /* once done */
    unsigned values;       /* VALUE blocks */
    uint64_t bytes;        /* consumed */
    uint64_t value_bytes;  /* data bytes of the VALUE blocks */
    int st;
    uint64_t data_left;
    size_t line_len;
    char line[MCLOAD_LINE_MAX];
};
void mcload_reply_init(struct mcload_reply *r);
/* Parses what it can of p[0..len) (*used bytes: it stops at the end of the
 * reply). MORE, DONE (fed again: consumes nothing) or ERR (stays so). */
int mcload_reply_feed(struct mcload_reply *r, const char *p, size_t len, size_t *used);

#endif
