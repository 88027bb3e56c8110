#include "sim/tile/cov_x86.h"

#include <string.h>

/* One-byte opcode map. Bits: M has ModRM; I8/I32/I16 immediate size;
 * Z immediate is 16-bit with 66 / 32 otherwise (I32 with operand-size);
 * X invalid in 64-bit mode; P prefix (handled before lookup). */
enum { M = 1, I8 = 2, I32 = 4, I16 = 8, X = 16, V = 32 /* imm64 with REX.W (B8-BF) */ };

/* one row of 16 opcodes per line (kept by hand) */
// clang-format off
static const uint8_t one[256] = {
    /* 00 */ M, M, M, M, I8, I32, X, X, M, M, M, M, I8, I32, X, 0,
    /* 10 */ M, M, M, M, I8, I32, X, X, M, M, M, M, I8, I32, X, X,
    /* 20 */ M, M, M, M, I8, I32, 0, X, M, M, M, M, I8, I32, 0, X,
    /* 30 */ M, M, M, M, I8, I32, 0, X, M, M, M, M, I8, I32, 0, X,
    /* 40 */ 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    /* 50 */ 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    /* 60 */ X, X, X, M, 0, 0, 0, 0, I32, M | I32, I8, M | I8, 0, 0, 0, 0,
    /* 70 */ I8, I8, I8, I8, I8, I8, I8, I8, I8, I8, I8, I8, I8, I8, I8, I8,
    /* 80 */ M | I8, M | I32, X, M | I8, M, M, M, M, M, M, M, M, M, M, M, M,
    /* 90 */ 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, X, 0, 0, 0, 0, 0,
    /* A0 */ 0, 0, 0, 0, 0, 0, 0, 0, I8, I32, 0, 0, 0, 0, 0, 0,
    /* B0 */ I8, I8, I8, I8, I8, I8, I8, I8, V, V, V, V, V, V, V, V,
    /* C0 */ M | I8, M | I8, I16, 0, X, X, M | I8, M | I32, 0, 0, I16, 0, 0, I8, X, 0,
    /* D0 */ M, M, M, M, X, X, X, 0, M, M, M, M, M, M, M, M,
    /* E0 */ I8, I8, I8, I8, I8, I8, I8, I8, I32, I32, X, I8, 0, 0, 0, 0,
    /* F0 */ 0, 0, 0, 0, 0, 0, M, M, 0, 0, 0, 0, 0, 0, M, M,
};
// clang-format on

/* 0F map: which opcodes have no ModRM, and which carry an imm8. */
static int twobyte_has_modrm(uint8_t op) {
    switch (op) {
    case 0x05:
    case 0x06:
    case 0x07:
    case 0x08:
    case 0x09:
    case 0x0B:
    case 0x0E:
    case 0x30:
    case 0x31:
    case 0x32:
    case 0x33:
    case 0x34:
    case 0x35:
    case 0x37:
    case 0x77:
    case 0xA0:
    case 0xA1:
    case 0xA2:
    case 0xA8:
    case 0xA9:
    case 0xAA: return 0;
    default:
        if (op >= 0x80 && op <= 0x8F) return 0; /* jcc rel32 */
        if (op >= 0xC8 && op <= 0xCF) return 0; /* bswap */
        return 1;
    }
}
static int twobyte_imm8(uint8_t op) {
    return (op >= 0x70 && op <= 0x73) || op == 0xA4 || op == 0xAC || op == 0xBA || op == 0xC2 ||
           op == 0xC4 || op == 0xC5 || op == 0xC6;
}

/* Length of ModRM + SIB + displacement starting at p; 0 if out of bytes. */
static unsigned modrm_len(const uint8_t *p, size_t avail) {
    if (avail < 1) return 0;
    uint8_t m = p[0];
    unsigned mod = m >> 6, rm = m & 7, n = 1;
    if (mod == 3) return 1;
    if (rm == 4) {
        if (avail < 2) return 0;
        n = 2;
        if (mod == 0 && (p[1] & 7) == 5) n += 4;
    } else if (mod == 0 && rm == 5) {
        n += 4;
    }
    if (mod == 1) n += 1;
    if (mod == 2) n += 4;
    return n <= avail ? n : 0;
}

unsigned x86_decode(const uint8_t *p, size_t avail, struct x86_insn *out) {
    memset(out, 0, sizeof *out);
    size_t i = 0;
    int opsize16 = 0, rex = 0;
    /* legacy prefixes */
    while (i < avail && i < 14) {
        uint8_t b = p[i];
        if (b == 0x66)
            opsize16 = 1;
        else if (b == 0x67 || b == 0xF0 || b == 0xF2 || b == 0xF3 || b == 0x2E || b == 0x3E ||
                 b == 0x26 || b == 0x36 || b == 0x64 || b == 0x65) {
        } else
            break;
        i++;
    }
    if (i < avail && (p[i] & 0xF0) == 0x40) rex = p[i++];
    if (i >= avail) return 0;
    uint8_t op = p[i++];
    unsigned imm = 0, n;
    if (op == 0xC4 || op == 0xC5) { /* VEX */
        unsigned map = 1;
        if (op == 0xC4) {
            if (i + 2 > avail) return 0;
            map = p[i] & 0x1F;
            i += 2;
        } else {
            if (i + 1 > avail) return 0;
            i += 1;
        }
        if (i >= avail || map < 1 || map > 3) return 0;
        uint8_t vop = p[i++];
        n = modrm_len(p + i, avail - i);
        if (!n) return 0;
        i += n;
        if (map == 3 || (map == 1 && twobyte_imm8(vop))) i += 1;
        if (i > avail) return 0;
        out->len = (unsigned)i;
        return out->len;
    }
    if (op == 0x0F) {
        if (i >= avail) return 0;
        uint8_t op2 = p[i++];
        if (op2 == 0x38 || op2 == 0x3A) {
            if (i >= avail) return 0;
            i++; /* third opcode byte */
            n = modrm_len(p + i, avail - i);
            if (!n) return 0;
            i += n + (op2 == 0x3A ? 1 : 0);
        } else if (op2 == 0x0F) {
            return 0; /* 3DNow!: never emitted for x86-64 C */
        } else {
            if (twobyte_has_modrm(op2)) {
                n = modrm_len(p + i, avail - i);
                if (!n) return 0;
                i += n;
            }
            if (twobyte_imm8(op2)) i += 1;
            if (op2 >= 0x80 && op2 <= 0x8F) {
                i += 4;
                out->flow = X86_FLOW_JCC;
                if (i <= avail) {
                    int32_t r;
                    memcpy(&r, p + i - 4, 4);
                    out->has_target = 1;
                    out->rel = r;
                }
            }
            if (op2 == 0x0B) out->flow = X86_FLOW_END; /* ud2 */
            if (op2 == 0x1F) out->is_nop = 1;
        }
        if (i > avail) return 0;
        out->len = (unsigned)i;
        return out->len;
    }
    uint8_t f = one[op];
    if (f & X) return 0;
    size_t modrm_at = i;
    if (f & M) {
        n = modrm_len(p + i, avail - i);
        if (!n) return 0;
        i += n;
    }
    if (f & I8) imm = 1;
    if (f & I16) imm = 2;
    if (f & I32) imm = opsize16 ? 2 : 4;
    if (f & V) imm = (rex & 8) ? 8 : (opsize16 ? 2 : 4);
    if (op == 0xC8) imm = 3;
    if (op >= 0xA0 && op <= 0xA3) imm = 8; /* moffs */
    if (op == 0xF6 || op == 0xF7) {
        unsigned reg = (p[modrm_at] >> 3) & 7;
        if (reg < 2) imm = op == 0xF6 ? 1 : (opsize16 ? 2 : 4);
    }
    if (op == 0xE8 || op == 0xE9) imm = 4; /* rel32 regardless of 66 */
    i += imm;
    if (i > avail) return 0;
    out->len = (unsigned)i;
    /* control flow */
    if (op == 0xE8) {
        out->flow = X86_FLOW_CALL;
        int32_t r;
        memcpy(&r, p + i - 4, 4);
        out->has_target = 1;
        out->rel = r;
    } else if (op == 0xE9 || op == 0xEB) {
        out->flow = X86_FLOW_JMP;
        out->has_target = 1;
        if (op == 0xEB) {
            out->rel = (int8_t)p[i - 1];
        } else {
            int32_t r;
            memcpy(&r, p + i - 4, 4);
            out->rel = r;
        }
    } else if (op == 0xC3 || op == 0xC2 || op == 0xF4 || op == 0xCC) {
        out->flow = X86_FLOW_END;
    } else if ((op >= 0x70 && op <= 0x7F) || (op >= 0xE0 && op <= 0xE3)) {
        out->flow = X86_FLOW_JCC;
        out->has_target = 1;
        out->rel = (int8_t)p[i - 1];
    } else if (op == 0xFF) {
        unsigned reg = (p[modrm_at] >> 3) & 7;
        if (reg == 2 || reg == 3) out->flow = X86_FLOW_CALL;
        if (reg == 4 || reg == 5) out->flow = X86_FLOW_JMP;
    }
    /* destination %rdi / %edi (the hooks' argument register): mov r -> r/m with
     * rm = rdi (89), mov r/m -> r and lea with reg = rdi (8B, 8D), mov imm
     * (C7 /0, B8+7) */
    if (f & M) {
        uint8_t m = p[modrm_at];
        unsigned mod = m >> 6, reg = (m >> 3) & 7, rm = m & 7;
        int rex_r = rex & 4, rex_b = rex & 1;
        if (op == 0x89 && mod == 3 && rm == 7 && !rex_b) out->writes_rdi = 1;
        if ((op == 0x8B || op == 0x8D) && reg == 7 && !rex_r) out->writes_rdi = 1;
        if (op == 0xC7 && mod == 3 && rm == 7 && reg == 0 && !rex_b) out->writes_rdi = 1;
    }
    if (op == 0xBF && !(rex & 1)) out->writes_rdi = 1;
    if (op == 0x90 && !(rex & 1)) out->is_nop = 1;
    return out->len;
}
