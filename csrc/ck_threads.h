/* Kernel-owned threading: one persistent helper thread per process that a
 * kernel call may share its work with, and one job API for every kernel
 * that does (batch-1 LSTM inference, the first pass of pad_sequences).
 *
 * Why a persistent thread: a batch-1 recurrent step is a few microseconds,
 * and creating a thread costs tens of them. After each job the helper polls
 * for the next one for ~0.3 ms (so back-to-back calls find it awake), then
 * sleeps on a condition variable: it never spins beyond that bounded wait
 * while another process may need the core.
 *
 * A job is written so that the caller can finish it alone: the helper may
 * start late or never (the other core is busy, another call holds it, the
 * thread could not be created, threading is disabled). Work is claimed
 * through atomics in the job, never assigned, and both threads run the same
 * code on the same values, so a result is bit-identical whoever computed
 * which part.
 *
 *   ck_job j = {run};              (embedded first in the kernel's job)
 *   if (ck_threads_start(&j)) { ...caller's part...; ck_threads_finish(); }
 *   else                      { ...caller does everything... }
 *
 * After ck_threads_finish returns the helper no longer touches the job.
 * Only one job runs at a time; ck_threads_start returns 0 while another
 * caller holds the helper, while more than one kernel call announced itself
 * with ck_threads_enter (then the other core is taken by that call's thread,
 * and a helper would only compete with it), and for 20 ms after calls last
 * overlapped. The helper runs with every signal blocked (CPython handles
 * signals on the main thread only), and a forked child starts without one:
 * its first job creates a new helper.
 *
 * One helper per process, though every extension module compiles the C
 * sources it needs into itself (with hidden symbols, so two modules never
 * share a global): as with the BLAS table (ck_blas.h), the _threads module's
 * copy of this file is the one that runs, and every other module attaches
 * its copy to _threads' table at import (ck_threads_attach). Until then a
 * module's kernels see the table of no helper: ck_threads_start returns 0
 * and they run on the caller's thread. So a second helper can never start.
 */
#ifndef CK_THREADS_H
#define CK_THREADS_H

#include "ck_common.h"

typedef struct ck_job {
    void (*run)(struct ck_job *job);
} ck_job;

int ck_threads_start(ck_job *job);
void ck_threads_finish(void);

/* Kernel calls that could use the helper bracket themselves with these, so
 * that concurrent calls from several threads each run alone. */
void ck_threads_enter(void);
void ck_threads_leave(void);
/* Number of such calls in flight (the caller's included). */
int ck_threads_calls(void);

/* 1 (default) lets kernels use the helper, 0 keeps every call on its
 * caller's thread. Returns the previous setting. */
int ck_threads_set_enabled(int on);
int ck_threads_enabled(void);
/* How many jobs the helper took part in since the process started (tests). */
long ck_threads_jobs_taken(void);
/* How many jobs were late: the helper was off its core for more than
 * 0.5 ms during its part or took more than 1 ms to start it, or the caller
 * was off its core for more than 0.5 ms during its own. After a second late
 * job among the last 16, ck_threads_run_chunks runs on the caller alone for
 * 20 ms, doubling (up to 1.28 s) while jobs stay late, so a machine whose
 * other processes hold the cores gets single-threaded calls instead of a
 * scheduler time slice per call; a single late job (a tick lost now and
 * then on an idle machine) does not back off. (ck_threads_start does not
 * back off: a kernel that starts its own job, the batch-1 LSTM split,
 * decides for itself.) Enabling the helper (ck_threads_set_enabled(1))
 * ends a back-off and forgets the late jobs. */
long ck_threads_jobs_late(void);
int ck_threads_backing_off(void);

/* Call fn(ctx, lo, hi) on ranges of at most `chunk` indices that together
 * cover [0, n) once, the caller taking ranges from the front and the helper
 * (if it comes) from the back, so each works through one contiguous part.
 * fn must accept two calls at once on disjoint ranges. Without the helper
 * the caller runs fn(ctx, 0, n). Returns when every range is done. */
void ck_threads_run_chunks(void (*fn)(void *ctx, size_t lo, size_t hi), void *ctx,
                           size_t n, size_t chunk);

/* The functions above as a table. _threads publishes its own; the other
 * modules attach to it. */
typedef struct ck_threads_table {
    int (*start)(ck_job *job);
    void (*finish)(void);
    void (*enter)(void);
    void (*leave)(void);
    int (*calls)(void);
    int (*set_enabled)(int on);
    int (*enabled)(void);
    long (*jobs_taken)(void);
    /* ck_threads_run_chunks: how code that does not compile ck_threads.c
     * (the GEMM split in ck_blas.c) shares a call with the helper. */
    void (*run_chunks)(void (*fn)(void *ctx, size_t lo, size_t hi), void *ctx, size_t n,
                       size_t chunk);
    long (*jobs_late)(void);
    int (*backing_off)(void);
} ck_threads_table;

/* This copy's own helper (what _threads publishes). */
const ck_threads_table *ck_threads_own(void);
/* Route this copy's calls to `t`; CK_ERR_ARG for NULL. */
int ck_threads_attach(const ck_threads_table *t);

/* Atomics and a spin hint for the jobs' claim counters. Without GCC-style
 * builtins there are no threads (ck_threads_start always returns 0), so
 * plain accesses suffice. */
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

#endif /* CK_THREADS_H */
