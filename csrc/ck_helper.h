/* One persistent helper thread that a kernel call may share its work with.
 *
 * Why a persistent thread: a batch-1 recurrent step is a few microseconds,
 * and creating a thread costs tens of them. The helper idles in a short spin
 * after each job (so back-to-back calls find it awake), then sleeps.
 *
 * A job is written so that the caller can finish it alone: the helper may
 * start late or never (the other core is busy, another call holds it, the
 * thread could not be created). Work is claimed through atomics in the job,
 * never assigned.
 *
 *   ck_job j = {run};              (embedded first in the kernel's job)
 *   if (ck_helper_start(&j)) { ...caller's part...; ck_helper_finish(); }
 *   else                     { ...caller does everything... }
 *
 * After ck_helper_finish returns the helper no longer touches the job. Only
 * one job runs at a time; ck_helper_start returns 0 while another caller
 * holds the helper, or while more than one kernel call announced itself with
 * ck_helper_enter (then the other core is taken by that call's thread, and a
 * helper would only compete with it).
 */
#ifndef CK_HELPER_H
#define CK_HELPER_H

#include "ck_common.h"

typedef struct ck_job {
    void (*run)(struct ck_job *job);
} ck_job;

int ck_helper_start(ck_job *job);
void ck_helper_finish(void);

/* Kernel calls that could use the helper bracket themselves with these, so
 * that concurrent calls from several threads each run alone. */
void ck_helper_enter(void);
void ck_helper_leave(void);
/* Number of such calls in flight (the caller's included). */
int ck_helper_calls(void);

/* 1 (default) lets kernels use the helper, 0 keeps every call on its
 * caller's thread. Returns the previous setting. */
int ck_helper_set_enabled(int on);
int ck_helper_enabled(void);
/* How many jobs the helper took part in since the process started (tests). */
long ck_helper_jobs_taken(void);

/* Atomics and a spin hint for the jobs' claim counters. Without GCC-style
 * builtins there are no threads (ck_helper_start always returns 0), so plain
 * accesses suffice. */
#if defined(__GNUC__) || defined(__clang__)
#define CK_LOAD(p) __atomic_load_n((p), __ATOMIC_ACQUIRE)
#define CK_STORE(p, v) __atomic_store_n((p), (v), __ATOMIC_RELEASE)
#define CK_CAS(p, expected_ptr, v) \
    __atomic_compare_exchange_n((p), (expected_ptr), (v), 0, __ATOMIC_ACQ_REL, \
                                __ATOMIC_ACQUIRE)
#else
#define CK_LOAD(p) (*(p))
#define CK_STORE(p, v) (*(p) = (v))
#define CK_CAS(p, expected_ptr, v) \
    (*(p) == *(expected_ptr) ? (*(p) = (v), 1) : (*(expected_ptr) = *(p), 0))
#endif

/* Waits between polls of a counter another thread will move soon. */
void ck_spin_pause(unsigned *spins);

#endif /* CK_HELPER_H */
