/* workloads/httpd.h: a small HTTP/1.1 server on the socket layer API only.
 *
 * GET and HEAD of files held in memory (loaded from a directory by the host
 * program, or given by the caller); keep-alive (HTTP/1.1 default, HTTP/1.0
 * with "Connection: keep-alive", as ab -k sends), pipelined requests answered
 * in order, Content-Length on every response, 404 on unknown paths, 501 on
 * other methods (their bodies are read and discarded first). Requests are
 * parsed per RFC 9112 (docs/stack.md, "The HTTP server"): bare-LF line ends
 * and leading empty lines accepted, origin- and absolute-form targets,
 * percent-decoded paths, chunked request bodies; malformed or ambiguous
 * framing, a missing or doubled Host on HTTP/1.1, obs-fold, NUL or control
 * characters give 400, an unknown transfer coding 501, a head over 16 KiB
 * 431; each of these closes the connection. Bodies are sent zero-touch
 * (references to the file memory, shared by all connections), and so are
 * the heads of 200 responses: built once per file at create (keep-alive and
 * close), as the DLibOS paper's webserver sends prebuilt headers; the heads
 * of other statuses are formatted per response into a small allocation.
 * Each response keeps a record (its bytes) until data_acked covers it. Request
 * bytes are copied into a per-connection parse buffer that grows from 2 KiB
 * to 16 KiB as a head needs.
 */
#ifndef TESSERA_WORKLOADS_HTTPD_H
#define TESSERA_WORKLOADS_HTTPD_H

#include "stack/sock.h"

struct httpd_file {
    const char *path; /* "/index.html" */
    const uint8_t *data;
    size_t len;
    const char *content_type;
};

struct httpd_stats {
    uint64_t conns, requests, r200, r400, r404, r431, r501, body_bytes;
    uint64_t idle_closed;
};

struct httpd;
/* Files are referenced, not copied: they must outlive the server. */
/* Its instance, connections, parse buffers and responses come from alloc
 * (NULL: the default); `files` stay the caller's. */
struct httpd *httpd_create(const struct httpd_file *files, unsigned n,
                           const struct stk_alloc *alloc);
void httpd_destroy(struct httpd *h);
struct sock_events httpd_events(void);
int httpd_start(struct httpd *h, struct sock *k, uint64_t listen_id, uint16_t port,
                unsigned backlog);
const struct httpd_stats *httpd_stats(const struct httpd *h);
/* The request parser (RFC 9112), exposed for tests and the fuzz target. */
#define HTTPD_HEAD_MAX 16384 /* request line + header fields, bytes; more: 431 */
enum { HTTPD_REQ_MORE = 0, HTTPD_REQ_OK = 1, HTTPD_REQ_ERR = -1 };
struct httpd_req {
    size_t head_len; /* bytes of the head, leading empty lines included */
    const char *method;
    size_t method_len;
    const char *path; /* percent-decoded, without the query; NUL-terminated */
    size_t path_len;
    bool http11, keep_alive, chunked;
    bool has_content_length, has_transfer_encoding;
    uint64_t content_length;
    int status; /* HTTPD_REQ_ERR: the status to answer (400, 431, 501), then close */
};
/* Parses the request head at the start of buf. `path` must hold max_head
 * bytes. Returns HTTPD_REQ_MORE (incomplete, below max_head), _OK (r is
 * filled; r->head_len bytes make the head) or _ERR (r->status). */
int httpd_parse_request(const char *buf, size_t len, size_t max_head, struct httpd_req *r,
                        char *path);
/* A streaming decoder of a chunked body (RFC 9112 7.1), which it discards:
 * zero it to start; feed returns the bytes consumed (it stops after the
 * last chunk's trailer section) or -1 on a malformed body. */
struct httpd_chunked {
    int st;
    unsigned digits;
    uint64_t left, body;
    size_t line;
};
long httpd_chunked_feed(struct httpd_chunked *d, const char *p, size_t len);
bool httpd_chunked_done(const struct httpd_chunked *d);

/* Idle timeout, picoseconds (0: none; default 60 s, nginx's
 * client_header_timeout): a connection with no response in flight that has
 * not completed a request for this long (since it opened, or since its last
 * response was acknowledged, or since its last request head or body bytes)
 * is closed (stats.idle_closed). Partial request heads do not restart it
 * (slowloris). The server has no clock of its own: httpd_poll gives it the
 * time (call it at least every timeout / 4). */
void httpd_set_idle_timeout(struct httpd *h, uint64_t ps);
void httpd_poll(struct httpd *h, uint64_t now);

#endif
