/* workloads/httpc.h: an HTTP/1.1 client on the socket layer API only
 * (stack/sock.h). This first part: its response parser.
 *
 * The parser reads one response over any segmentation, zero-copy: status
 * line, header fields (names compared without case), Content-Length
 * required (but for 1xx, 204 and 304), "Connection: close" (or HTTP/1.0
 * without keep-alive) reported; 1xx interim responses are skipped. With
 * verify on, the body of a 2xx response is compared byte for byte with the
 * expected body (its length too), never reading past either.
 *
 * Memory: none of its own; the caller holds the struct (352 bytes on
 * x86-64). Cost: O(bytes fed): head bytes are copied into the 256-byte line
 * buffer, body bytes compared when verifying, otherwise only counted.
 *
 * Left out: chunked responses and bodies delimited by the close (malformed).
 */
#ifndef TESSERA_WORKLOADS_HTTPC_H
#define TESSERA_WORKLOADS_HTTPC_H

#include "stack/sock.h"

/* Init before each response with the expected body (verify:
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
