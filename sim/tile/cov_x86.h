/* sim/tile/cov_x86.h: x86-64 instruction length decoder for block weights.
 *
 * What it does: given machine code bytes, returns the length of the first
 * instruction and what kind of control transfer it is. It covers what clang
 * emits for C at -O0..-O3 without -mavx512 (legacy prefixes, REX, one-byte,
 * 0F, 0F38, 0F3A opcode maps, VEX), and reports failure on anything else so
 * the caller can fall back to a bytes-per-instruction estimate.
 *
 * Memory: none. Cost: a few table lookups per instruction (start-up only).
 */
#ifndef TESSERA_SIM_TILE_COV_X86_H
#define TESSERA_SIM_TILE_COV_X86_H

#include <stddef.h>
#include <stdint.h>

enum x86_flow {
    X86_FLOW_NONE, /* falls through */
    X86_FLOW_CALL, /* call rel32 (target filled in) or indirect call */
    X86_FLOW_JCC,  /* conditional branch */
    X86_FLOW_JMP,  /* unconditional jump (direct or indirect) */
    X86_FLOW_END,  /* ret, ud2, hlt, int3: no fall-through */
};

struct x86_insn {
    unsigned len;
    enum x86_flow flow;
    int has_target; /* direct call, jmp or jcc: target = address of next insn + rel */
    int64_t rel;
    int is_nop;     /* 90 (xchg %eax,%eax), 0F 1F /0: alignment padding */
    int writes_rdi; /* mov/lea with destination %rdi/%edi (sanitizer hook argument) */
};

/* Decodes one instruction at p (at most `avail` bytes readable). Returns its
 * length (>0) or 0 if it cannot be decoded. */
unsigned x86_decode(const uint8_t *p, size_t avail, struct x86_insn *out);

#endif
