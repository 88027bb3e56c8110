/* workloads/httpd.h: a small HTTP/1.1 server on the socket layer API only.
 *
 * GET and HEAD of files held in memory (loaded from a directory by the host
 * program, or given by the caller); keep-alive (HTTP/1.1 default, HTTP/1.0
 * with "Connection: keep-alive", as ab -k sends), pipelined requests answered
 * in order, Content-Length on every response, 400 on malformed requests (then
 * close), 404 on unknown paths, 501 on other methods, 413 when a request
 * head exceeds 8 KiB. Bodies are sent zero-touch (references to the file
 * memory, shared by all connections); each response head lives in its own
 * small allocation until data_acked covers it. Request bytes are copied into
 * a per-connection 8 KiB parse buffer (requests are small).
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
    uint64_t conns, requests, r200, r400, r404, r413, r501, body_bytes;
    uint64_t idle_closed;
};

struct httpd;
/* Files are referenced, not copied: they must outlive the server. */
struct httpd *httpd_create(const struct httpd_file *files, unsigned n);
void httpd_destroy(struct httpd *h);
struct sock_events httpd_events(void);
int httpd_start(struct httpd *h, struct sock *k, uint64_t listen_id, uint16_t port,
                unsigned backlog);
const struct httpd_stats *httpd_stats(const struct httpd *h);
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
