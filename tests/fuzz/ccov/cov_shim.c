/* Edge-ish coverage of the C kernels for libFuzzer (atheris) without clang.
 *
 * GCC's -fsanitize-coverage=trace-pc calls __sanitizer_cov_trace_pc() at
 * every basic block; libFuzzer (as shipped in atheris) only counts clang's
 * inline 8-bit counters. This file, linked into each instrumented extension,
 * turns the calls into such counters: the block's return address, as an
 * offset from this module, hashed into CK_COV_N one-byte counters that the
 * harness registers with libFuzzer (__sanitizer_cov_8bit_counters_init and
 * __sanitizer_cov_pcs_init, found through ckeras_fuzz_cov_tables()).
 */
#include <stdint.h>

#define CK_COV_BITS 16
#define CK_COV_N (1u << CK_COV_BITS)

static uint8_t ck_cov_counters[CK_COV_N];
static uintptr_t ck_cov_pcs[2 * CK_COV_N];

static void ck_cov_anchor(void) {}

__attribute__((visibility("hidden"))) void __sanitizer_cov_trace_pc(void)
{
    uintptr_t off = (uintptr_t)__builtin_return_address(0) - (uintptr_t)&ck_cov_anchor;
    uint32_t h = (uint32_t)((off * UINT64_C(0x9E3779B97F4A7C15)) >> (64 - CK_COV_BITS));
    uint8_t c = ck_cov_counters[h];
    ck_cov_counters[h] = (uint8_t)(c + (c != 255));
}

/* The tables to register: counters [*cb, *ce), pc table [*pb, *pe). */
__attribute__((visibility("default"))) void ckeras_fuzz_cov_tables(
    uint8_t **cb, uint8_t **ce, uintptr_t **pb, uintptr_t **pe)
{
    uint32_t i;
    for (i = 0; i < CK_COV_N; ++i) {
        ck_cov_pcs[2 * i] = (uintptr_t)&ck_cov_anchor + i;
        ck_cov_pcs[2 * i + 1] = 0;
    }
    *cb = ck_cov_counters;
    *ce = ck_cov_counters + CK_COV_N;
    *pb = ck_cov_pcs;
    *pe = ck_cov_pcs + 2 * CK_COV_N;
}
