/* workloads/httpc.h: a closed-loop HTTP/1.1 load generator on the socket
 * layer API only (stack/sock.h), so it runs over any transport.
 *
 * What it does: C connection slots, each a closed loop: open a connection,
 * send one GET, read the whole response, then the next request (keep-alive:
 * on the same connection; keep-alive off: the request says
 * "Connection: close", and the slot opens a new connection for the next
 * one). One request outstanding per connection, no pipelining. Slot i
 * requests the targets round-robin, starting at target i mod n (no
 * randomness). A total request limit stops issuing once that many requests
 * are sent. Responses are parsed incrementally over any segmentation
 * (httpc_resp_feed below): status line, header fields (names compared
 * without case), Content-Length required (but for 1xx, 204 and 304), a
 * "Connection: close" (or HTTP/1.0 without keep-alive) honoured by closing
 * after that response; 1xx interim responses are skipped. Bytes are
 * returned with recv_done as soon as they are parsed. With verify on, the
 * body of every 2xx response is compared byte for byte with the target's
 * expected body (its length too).
 *
 * Errors are counted, never fatal: a failed connect, a connection closed or
 * reset by the server before its response was complete, a malformed
 * response (the connection is closed) and a failed send each let the slot
 * open a new connection while the run goes on; a body that differs is
 * counted; non-2xx statuses are counted by class. A failed request is not
 * sent again.
 *
 * Time: the client has no clock of its own; cfg.now gives the time in ps.
 * Latency: from cfg.now just before the request's send to cfg.now in the
 * handler that consumes the response's last byte. Per complete response
 * cfg.record is called so the caller can fill its own histogram.
 *
 * Memory: from the allocator passed in (NULL: the default): the instance,
 * the slots (24 bytes each), one block holding the request of every target
 * (built once, sent zero-touch by every connection and never written
 * again), the connection map, and per connection, from established to
 * cleanup, one record of 384 bytes (its parser included; on x86-64). The
 * targets and their expected bodies stay the caller's and must outlive the
 * client. The stack may refer to the request block until data_acked:
 * destroy the client once httpc_quiet() or after the transport's stacks
 * are gone.
 *
 * Cost per event: O(bytes in it) for parsing (head bytes are copied into
 * the parser's 256-byte line buffer, body bytes compared when verifying,
 * otherwise only counted), O(1) expected for the rest; a cleanup while
 * some slot waits to retry its connect scans the slots (O(C)).
 *
 * Left out: request bodies and methods other than GET, pipelining, chunked
 * responses and bodies delimited by the close (counted as malformed), a
 * response timeout (an outstanding request whose response never comes
 * holds its slot), redirects, TLS.
 */
#ifndef TESSERA_WORKLOADS_HTTPC_H
#define TESSERA_WORKLOADS_HTTPC_H

#include "stack/sock.h"
#include "workloads/httpd.h"

/* One complete response, as cfg.record sees it. */
struct httpc_record {
    int status;          /* the final status, 200..599 (1xx are skipped) */
    unsigned target;     /* index into cfg.targets */
    unsigned slot;       /* 0..conns-1 */
    uint64_t head_bytes; /* status line and fields (of 1xx heads too) */
    uint64_t body_bytes;
    uint64_t latency_ps; /* request sent -> last byte consumed */
    bool body_ok;        /* false: verified and different */
};

struct httpc_config {
    uint32_t server_ip; /* as sock_connect takes it: 10.0.0.2 is 0x0a000002 */
    uint16_t port;
    unsigned conns; /* C, the closed loops (>= 1) */
    /* The request targets: path (origin form, "/index.html": no spaces or
     * control characters) and, for verify, the expected body (data, len;
     * data may be NULL when len is 0): the server's own file array fits. */
    const struct httpd_file *targets;
    unsigned ntargets;          /* >= 1 */
    bool verify;                /* compare the body of every 2xx response */
    bool no_keepalive;          /* one request per connection, "Connection: close" */
    uint64_t max_requests;      /* requests to send in all; 0: no limit */
    uint64_t (*now)(void *ctx); /* ps; NULL: latencies are 0 */
    void (*record)(void *ctx, const struct httpc_record *r); /* NULL: none */
    void *ctx;                                               /* passed to now and record */
};

struct httpc_stats {
    uint64_t requests;                     /* sent */
    uint64_t responses;                    /* complete, any final status */
    uint64_t responses_ok;                 /* complete, 2xx, body as expected */
    uint64_t s1xx, s2xx, s3xx, s4xx, s5xx; /* by class (1xx: interim, skipped) */
    uint64_t rx_bytes;                     /* response bytes consumed, complete or not */
    uint64_t body_bytes;                   /* bodies of complete responses */
    uint64_t connects;                     /* connections asked for */
    uint64_t conns_opened, conns_closed;   /* established; gone (cleanup) */
    /* errors */
    uint64_t connect_failed;      /* refused by the transport, or failed */
    uint64_t closed_mid_response; /* closed or reset by the server, request outstanding */
    uint64_t malformed;           /* response unparsable, or bytes nobody asked for */
    uint64_t body_mismatch;       /* verified 2xx bodies that differ */
    uint64_t send_failed;         /* the transport refused a request */
    uint64_t no_memory;           /* a connection's record (the connection is closed) */
};

struct httpc;
/* NULL when the configuration is unusable (no conns or targets, a bad
 * path, port 0) or out of memory. cfg is copied. */
struct httpc *httpc_create(const struct httpc_config *cfg, const struct stk_alloc *alloc);
void httpc_destroy(struct httpc *c);
/* Handlers to register with a transport; their ctx is the client. */
struct sock_events httpc_events(void);
/* Opens the C connections (a connection's cookie is its slot). 0, or -1
 * when already started. */
int httpc_start(struct httpc *c, struct sock *k);
/* Issues no new request: connections being opened are closed as soon as
 * they are, open ones once their outstanding response is complete (every
 * open connection has one). */
void httpc_stop(struct httpc *c);
/* True once started, no connection is open or being opened (every one has
 * had its cleanup) and none will be (stopped, or the limit sent). */
bool httpc_quiet(const struct httpc *c);
/* Retries the slots whose connect the transport refused at once (no free
 * port or connection slot); those are also retried whenever one of the
 * client's connections is cleaned up. Call it now and then if connects
 * can be refused. */
void httpc_poll(struct httpc *c);
const struct httpc_stats *httpc_stats(const struct httpc *c);

/* The response parser, exposed for tests: zero-copy over any
 * segmentation. Init before each response with the expected body (verify:
 * compare a 2xx body with expect[0..expect_len)). */
#define HTTPC_LINE_MAX 256   /* bytes of a head line kept (the rest is skipped) */
#define HTTPC_HEAD_MAX 16384 /* bytes of heads per response; more: malformed */
enum { HTTPC_RESP_MORE = 0, HTTPC_RESP_DONE = 1, HTTPC_RESP_ERR = -1 };
struct httpc_resp {
    /* results (once the final head is parsed) */
    int status;
    bool keep_alive;                 /* the server keeps the connection open */
    uint64_t body_len;               /* Content-Length (0 for 204, 304) */
    uint64_t head_bytes, body_bytes; /* consumed so far */
    unsigned interim;                /* 1xx heads skipped */
    bool mismatch;                   /* verified, and the body differs */
    /* state */
    int st;
    bool http11, has_cl, conn_close, conn_keep, check;
    uint64_t body_left;
    size_t line_len; /* of the current line, all of it */
    const uint8_t *expect;
    size_t expect_len;
    bool verify;
    char line[HTTPC_LINE_MAX];
};
void httpc_resp_init(struct httpc_resp *r, bool verify, const uint8_t *expect, size_t expect_len);
/* Parses what it can of p[0..len): *used bytes were consumed (it stops at
 * the end of the response: bytes past it are not its). Returns
 * HTTPC_RESP_MORE, _DONE (complete; fed again, it consumes nothing) or _ERR
 * (malformed; stays so). */
int httpc_resp_feed(struct httpc_resp *r, const char *p, size_t len, size_t *used);

#endif
