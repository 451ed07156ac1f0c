/* Shared definitions for the ckeras C kernels: status codes and build macros.
 *
 * Kernel conventions: plain C99, no Python.h, the caller allocates every
 * buffer, arrays are row-major with explicit dims, and every kernel returns
 * one of the status codes below.
 */
#ifndef CK_COMMON_H
#define CK_COMMON_H

#include <stddef.h>
#include <stdlib.h> /* pulls in <features.h> on glibc, so __GLIBC__ is known below */

enum {
    CK_OK = 0,
    CK_ERR_ARG = -1,       /* NULL pointer where a buffer is required, bad flag */
    CK_ERR_CODE = -2,      /* unknown activation code */
    CK_ERR_TOO_LARGE = -3, /* a dimension does not fit the BLAS integer type */
    CK_ERR_NO_BLAS = -4    /* the BLAS table is not filled */
};

/* Hot elementwise loops are compiled three times (SSE2 baseline, AVX2+FMA,
 * AVX-512) and picked at load time through an ifunc: wheels cannot assume
 * AVX2, and -march=native is not allowed in the default build. ifuncs need
 * GCC >= 11 (for the arch=x86-64-vN names), x86 and glibc; everywhere else
 * the macro is empty and the baseline build is used. The same toolchains
 * also compile whole functions for AVX-512 and pick them at run time
 * (__builtin_cpu_supports): CK_X86_DISPATCH. CK_NO_TARGET_CLONES keeps only
 * the baseline of the cloned loops (ThreadSanitizer builds: its runtime
 * crashes in ifunc resolvers, which run before it is set up). */
#if defined(__GNUC__) && !defined(__clang__) && (__GNUC__ >= 11)              \
    && (defined(__x86_64__) || defined(__i386__)) && defined(__GLIBC__)
#define CK_X86_DISPATCH 1
#if !defined(CK_NO_TARGET_CLONES)
#define CK_TARGET_CLONES                                                      \
    __attribute__((target_clones("default", "arch=x86-64-v3", "arch=x86-64-v4")))
#endif
#endif
#ifndef CK_TARGET_CLONES
#define CK_TARGET_CLONES
#endif

/* Return the status of a call that failed. */
#define CK_TRY(call)                                                          \
    do {                                                                      \
        const int ck_st_ = (call);                                            \
        if (ck_st_ != CK_OK) return ck_st_;                                   \
    } while (0)

#if defined(__GNUC__) || defined(__clang__)
#define CK_INLINE static __inline__ __attribute__((always_inline))
#else
#define CK_INLINE static inline
#endif

/* Flush-to-zero and denormals-are-zero inside a kernel call: denormal
 * operands (Adam's moments of parameters whose gradient stays zero) cost
 * ~100 cycles each on x86, slowing an update ~6x after a few hundred steps.
 *   const ck_fpmode fp = ck_ftz_enter();  ...kernel body...;  ck_ftz_leave(fp);
 * sets both modes on the calling thread and restores its previous control
 * and status word exactly, so the caller's floating-point state (NumPy's
 * included) is unchanged. A helper thread sharing the work sets its own.
 * Elsewhere than x86 SSE and AArch64 both are no-ops. */
#if defined(__SSE2__) || defined(__x86_64__) || defined(_M_X64)
#include <xmmintrin.h>
typedef unsigned int ck_fpmode;
#define CK_MXCSR_FTZ_DAZ 0x8040u /* bit 15 flush-to-zero, bit 6 denormals-are-zero */
CK_INLINE ck_fpmode ck_ftz_enter(void)
{
    const unsigned int old = _mm_getcsr();
    _mm_setcsr(old | CK_MXCSR_FTZ_DAZ);
    return old;
}
CK_INLINE void ck_ftz_leave(ck_fpmode old) { _mm_setcsr(old); }
#elif defined(__aarch64__) && defined(__GNUC__)
typedef unsigned long long ck_fpmode;
CK_INLINE ck_fpmode ck_ftz_enter(void)
{
    unsigned long long old;
    __asm__ __volatile__("mrs %0, fpcr" : "=r"(old));
    __asm__ __volatile__("msr fpcr, %0" : : "r"(old | (1ull << 24))); /* FZ */
    return old;
}
CK_INLINE void ck_ftz_leave(ck_fpmode old) { __asm__ __volatile__("msr fpcr, %0" : : "r"(old)); }
#else
typedef int ck_fpmode;
CK_INLINE ck_fpmode ck_ftz_enter(void) { return 0; }
CK_INLINE void ck_ftz_leave(ck_fpmode old) { (void)old; }
#endif

#endif /* CK_COMMON_H */
