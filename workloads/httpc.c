#include "workloads/httpc.h"

#include <string.h>
#include <strings.h>

/* ---- The response parser ---- */

enum { P_STATUS, P_FIELDS, P_BODY, P_DONE, P_ERR };

void httpc_resp_init(struct httpc_resp *r, bool verify, const uint8_t *expect, size_t expect_len) {
    r->status = 0;
    r->keep_alive = false;
    r->body_len = r->head_bytes = r->body_bytes = r->body_left = 0;
    r->interim = 0;
    r->mismatch = false;
    r->st = P_STATUS;
    r->http11 = r->has_cl = r->conn_close = r->conn_keep = r->check = false;
    r->line_len = 0;
    r->verify = verify;
    r->expect = expect;
    r->expect_len = expect_len;
}

/* A field name against a lowercase literal, without case. */
static bool name_is(const char *p, size_t n, const char *lit) {
    return n == strlen(lit) && strncasecmp(p, lit, n) == 0;
}

/* "HTTP/1.x DDD[ reason]" (RFC 9112 4). */
static bool status_line(struct httpc_resp *r, const char *p, size_t n) {
    if (n < 12 || memcmp(p, "HTTP/1.", 7) != 0 || (p[7] != '0' && p[7] != '1') || p[8] != ' ')
        return false;
    if (n > 12 && p[12] != ' ') return false;
    int code = 0;
    for (int i = 9; i < 12; i++) {
        if (p[i] < '0' || p[i] > '9') return false;
        code = code * 10 + (p[i] - '0');
    }
    if (code < 100 || code > 599) return false;
    r->status = code;
    r->http11 = p[7] == '1';
    return true;
}

/* The tokens of a Connection value (RFC 9110 7.6.1; a token holds no
 * white space): close, keep-alive. */
static void connection_tokens(struct httpc_resp *r, const char *v, size_t n) {
    for (size_t i = 0; i < n;) {
        if (v[i] == ',' || v[i] == ' ' || v[i] == '\t') {
            i++;
            continue;
        }
        size_t t = i;
        while (i < n && v[i] != ',' && v[i] != ' ' && v[i] != '\t') i++;
        if (name_is(v + t, i - t, "close")) r->conn_close = true;
        if (name_is(v + t, i - t, "keep-alive")) r->conn_keep = true;
    }
}

/* One field line p[0..n) (without its end); `cut`: the line went on past
 * the line buffer. */
static bool field_line(struct httpc_resp *r, const char *p, size_t n, bool cut) {
    size_t k = 0; /* the name: up to the colon, no white space or control characters */
    while (k < n && p[k] != ':' && (unsigned char)p[k] > ' ' && p[k] != 0x7f) k++;
    /* no name, obs-fold (RFC 9112 5.2), or space before the colon (5.1) */
    if (k == 0 || k == n || p[k] != ':') return false;
    bool cl = name_is(p, k, "content-length"), conn = name_is(p, k, "connection");
    if (name_is(p, k, "transfer-encoding")) return false; /* chunked: not supported */
    if (!cl && !conn) return true;
    if (cut) return false; /* a field we read, longer than we keep */
    const char *v = p + k + 1, *e = p + n;
    while (v < e && (*v == ' ' || *v == '\t')) v++;
    while (e > v && (e[-1] == ' ' || e[-1] == '\t')) e--;
    if (conn) {
        connection_tokens(r, v, (size_t)(e - v));
        return true;
    }
    if (v == e) return false;
    uint64_t x = 0;
    for (const char *q = v; q < e; q++) {
        if (*q < '0' || *q > '9') return false;
        x = x * 10 + (uint64_t)(*q - '0');
        if (x > (1ull << 50)) return false;
    }
    if (r->has_cl && x != r->body_len) return false; /* RFC 9112 6.3: differing values */
    r->has_cl = true;
    r->body_len = x;
    return true;
}

/* The empty line ending a head. */
static bool head_end(struct httpc_resp *r) {
    if (r->status < 200) {
        if (r->status == 101) return false; /* no upgrade was asked for */
        r->interim++;
        r->st = P_STATUS;
        r->has_cl = r->conn_close = r->conn_keep = false;
        r->body_len = 0;
        return true;
    }
    if (r->status == 204 || r->status == 304)
        r->body_len = 0;
    else if (!r->has_cl)
        return false; /* a body delimited by the close: not supported */
    r->keep_alive = r->http11 ? !r->conn_close : r->conn_keep && !r->conn_close;
    if (r->verify && r->status < 300) {
        r->mismatch = r->body_len != r->expect_len;
        r->check = !r->mismatch;
    }
    r->body_left = r->body_len;
    r->st = r->body_left ? P_BODY : P_DONE;
    return true;
}

static bool line_end(struct httpc_resp *r) {
    bool cut = r->line_len > HTTPC_LINE_MAX;
    size_t n = cut ? HTTPC_LINE_MAX : r->line_len;
    if (!cut && n && r->line[n - 1] == '\r') n--;
    r->line_len = 0;
    if (r->st == P_STATUS) {
        r->st = P_FIELDS;
        return status_line(r, r->line, n);
    }
    if (n == 0 && !cut) return head_end(r);
    return field_line(r, r->line, n, cut);
}

int httpc_resp_feed(struct httpc_resp *r, const char *p, size_t len, size_t *used) {
    size_t i = 0;
    while (i < len && (r->st == P_STATUS || r->st == P_FIELDS)) {
        const char *nl = memchr(p + i, '\n', len - i);
        size_t end = nl ? (size_t)(nl - p) + 1 : len, k = end - i;
        if (r->head_bytes + k > HTTPC_HEAD_MAX) {
            r->st = P_ERR;
            break;
        }
        if (r->line_len < HTTPC_LINE_MAX) {
            size_t room = HTTPC_LINE_MAX - r->line_len, c = nl ? k - 1 : k;
            memcpy(r->line + r->line_len, p + i, c < room ? c : room);
        }
        r->line_len += nl ? k - 1 : k;
        r->head_bytes += k;
        i = end;
        if (nl && !line_end(r)) r->st = P_ERR;
    }
    if (r->st == P_BODY && i < len) {
        size_t k = len - i < r->body_left ? len - i : (size_t)r->body_left;
        if (r->check && memcmp(p + i, r->expect + r->body_bytes, k) != 0) {
            r->mismatch = true;
            r->check = false;
        }
        r->body_bytes += k;
        r->body_left -= k;
        i += k;
        if (!r->body_left) r->st = P_DONE;
    }
    *used = i;
    return r->st == P_DONE ? HTTPC_RESP_DONE : r->st == P_ERR ? HTTPC_RESP_ERR : HTTPC_RESP_MORE;
}
