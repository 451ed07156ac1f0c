/* The helper thread and the job API (see ck_threads.h). clock_gettime and
 * pthread_sigmask are POSIX, not C99: ask for them before any header. */
#if !defined(_WIN32) && !defined(_POSIX_C_SOURCE)
#define _POSIX_C_SOURCE 200809L
#endif
/* Linux: sched_getcpu and pthread_setaffinity_np (see keep_off_caller). */
#if defined(__linux__) && !defined(_GNU_SOURCE)
#define _GNU_SOURCE
#endif

#include "ck_threads.h"

#include <stdint.h>

#if !defined(_WIN32) && !defined(CK_NO_THREADS) && (defined(__GNUC__) || defined(__clang__))
#define CK_THREADS 1
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <time.h>
#else
#define CK_THREADS 0
#endif

static void cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#endif
}

void ck_spin_pause(unsigned *spins)
{
    /* After ~50 us of polling the other thread is probably not running:
     * give its core back to the scheduler. */
    if (++*spins < 1024) {
        cpu_relax();
        return;
    }
    *spins = 0;
#if CK_THREADS
    sched_yield();
#endif
}

/* ------------------------------------------------------------ the helper */

enum { JOB_NONE, JOB_OPEN, JOB_TAKEN, JOB_DONE, JOB_CLOSED };

static int enabled = 1;
static int calls;
static long taken;

static int own_enabled(void) { return CK_LOAD(&enabled); }

/* How long the helper stays out after late jobs (see own_finish): 20 ms,
 * doubling while it stays late, up to 1.28 s. */
#define CK_LATE_BACKOFF_NS 20000000LL
#define CK_LATE_BACKOFF_MAX_NS 1280000000LL
static long long late_until; /* no job starts before this time */
static long long backoff = CK_LATE_BACKOFF_NS;
/* The recent jobs, one bit each (1: late), newest in bit 0. One late job is
 * not a busy machine: on the idle VM another thread or the hypervisor takes
 * a core for a 4 ms tick now and then (measured: 5-18 such jobs in 1000,
 * at random); backing off for each left batched LSTM inference on one
 * thread for a tenth of its calls. A second late job among the last
 * CK_LATE_WINDOW is: a busy neighbour makes nearly every job late. */
#define CK_LATE_WINDOW 16
static unsigned late_hist;

/* Enabling starts afresh: no backoff from earlier late jobs. */
static int own_set_enabled(int on)
{
    const int prev = CK_LOAD(&enabled);
    if (on) {
        __atomic_store_n(&late_hist, 0U, __ATOMIC_RELAXED);
        __atomic_store_n(&late_until, 0LL, __ATOMIC_RELAXED);
        __atomic_store_n(&backoff, CK_LATE_BACKOFF_NS, __ATOMIC_RELAXED);
    }
    CK_STORE(&enabled, on != 0);
    return prev;
}

#if CK_THREADS
static long long now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* When calls overlap (several threads predicting), the helper stays out
 * for a while: between two overlaps a call would often find it free, wake
 * it, and then compete with the other call's thread for the second core
 * (measured: 8% less throughput from two threads). */
#define CK_CONTENDED_NS 20000000LL
static long long contended_at = -CK_CONTENDED_NS;

/* Signs that other processes want the cores (a scheduler time slice is
 * 0.75-3 ms): the helper was off its core for more than CK_LATE_MIN_NS
 * while it ran its part, or took more than
 * CK_LATE_WAKE_NS to start it (a scheduler time slice: its core was busy),
 * or the caller itself was off its core for more than CK_LATE_MIN_NS while
 * it ran its part (waking the helper made the scheduler run another thread
 * in its place). Then the helper stays out for a while: on a busy machine a
 * call costs what it costs on one thread, instead of a scheduler time slice
 * per call. On the idle VM a thread's start is delayed by 0.1-0.4 ms and it
 * is stalled for 0.1-0.2 ms now and then (measured): counting those as late
 * backed off the first calls after every pause, doubling, so batched LSTM
 * inference ran on one core for most of its first second. */
#define CK_LATE_MIN_NS 500000LL
#define CK_LATE_WAKE_NS 1000000LL
static long long started_at; /* when the job in flight was posted */
static long long started_cpu; /* the caller's CPU time then */
/* The helper's start delay and time off its core in the job it last ran,
 * written before it marks the job done. */
static long long helper_wake_ns, helper_off_ns;

static long long thread_cpu_ns(void)
{
    struct timespec ts;
    if (clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts) != 0) return -1;
    return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}
static long late_count;

/* Calls nest (an LSTM call's GEMMs announce themselves too): only a
 * thread's outermost call counts, or one call would look like two. */
static __thread int depth;

static void own_enter(void)
{
    if (depth++ > 0) return;
    if (__atomic_add_fetch(&calls, 1, __ATOMIC_SEQ_CST) > 1)
        __atomic_store_n(&contended_at, now_ns(), __ATOMIC_RELAXED);
}

static void own_leave(void)
{
    if (--depth > 0) return;
    __atomic_sub_fetch(&calls, 1, __ATOMIC_SEQ_CST);
}
static int own_calls(void) { return __atomic_load_n(&calls, __ATOMIC_SEQ_CST); }
static long own_jobs_taken(void) { return __atomic_load_n(&taken, __ATOMIC_RELAXED); }
static long own_jobs_late(void) { return __atomic_load_n(&late_count, __ATOMIC_RELAXED); }
static int own_backing_off(void) { return now_ns() < __atomic_load_n(&late_until, __ATOMIC_RELAXED); }

/* After a job the helper polls this long for the next one before sleeping:
 * longer than the Python work between two predict calls, short enough that
 * an idle process gives the core back quickly. */
#define CK_IDLE_SPIN_NS 300000LL

/* A caller whose helper has not finished its part polls this long, then
 * sleeps until the helper is done. Blocking matters on a busy machine: a
 * caller that polls (or only yields) keeps its core, so a helper that another
 * process pushed off its own core cannot move to the caller's. */
#define CK_FINISH_SPIN_NS 50000LL

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t wake = PTHREAD_COND_INITIALIZER;
static pthread_cond_t done = PTHREAD_COND_INITIALIZER;
static int finishing;    /* the caller sleeps on `done` */
static int spawned;      /* 0 not tried, 1 running, -1 could not start */
static int atfork_set;
static unsigned seq_at_spawn;
static int busy;         /* a caller holds the helper */
static int state = JOB_NONE;
static unsigned seq;     /* bumped for every posted job */
static int sleeping;
static ck_job *posted;
static pthread_t helper_thread;

#if defined(__linux__)
/* The CPUs this process could use when the helper was made, and the caller
 * CPU the helper's affinity now leaves out (-1: none). */
static cpu_set_t helper_cpus;
static int helper_cpus_n;
static int kept_off = -1;

/* Keeps a sleeping helper off the CPU its caller runs on. Measured on the
 * 2-vCPU VM: a helper woken after a long sleep was placed on the caller's
 * CPU and ran there in the caller's place (the caller off its core for
 * 1.9-2.0 ms of a 2 ms call, the other CPU idle); that counted as late,
 * backed the helper off, and the next wake after the backoff went the same
 * way, so batched LSTM inference ran at one-thread speed for seconds. A
 * syscall only when the caller moved to another CPU. */
static void keep_off_caller(void)
{
    cpu_set_t set;
    const int cpu = sched_getcpu();
    if (cpu < 0 || cpu == kept_off || helper_cpus_n < 2 || !CPU_ISSET(cpu, &helper_cpus)) return;
    set = helper_cpus;
    CPU_CLR(cpu, &set);
    if (pthread_setaffinity_np(helper_thread, sizeof set, &set) == 0) kept_off = cpu;
}
#else
static void keep_off_caller(void) {}
#endif

static void *helper_main(void *arg)
{
    /* seq when the thread was made: a job posted before this thread first
     * runs is still seen as new. */
    unsigned seen = *(unsigned *)arg;
    for (;;) {
        const long long t0 = now_ns();
        unsigned polls = 0;
        int expected = JOB_OPEN;
        /* Two calls in flight hold both cores: stop polling at once. */
        while (CK_LOAD(&seq) == seen) {
            if ((++polls & 255) == 0
                && (now_ns() - t0 > CK_IDLE_SPIN_NS || own_calls() > 1))
                break;
            cpu_relax();
        }
        if (CK_LOAD(&seq) == seen) {
            pthread_mutex_lock(&lock);
            /* seq_cst on both sides: a caller that bumps seq after this
             * store sees sleeping and signals. */
            __atomic_store_n(&sleeping, 1, __ATOMIC_SEQ_CST);
            while (__atomic_load_n(&seq, __ATOMIC_SEQ_CST) == seen)
                pthread_cond_wait(&wake, &lock);
            __atomic_store_n(&sleeping, 0, __ATOMIC_SEQ_CST);
            pthread_mutex_unlock(&lock);
        }
        seen = CK_LOAD(&seq);
        /* A job its caller already closed (it finished alone) stays closed. */
        if (CK_CAS(&state, &expected, JOB_TAKEN)) {
            ck_job *job = posted;
            const long long w0 = now_ns(), c0 = thread_cpu_ns();
            long long c1;
            __atomic_add_fetch(&taken, 1, __ATOMIC_RELAXED);
            job->run(job);
            c1 = thread_cpu_ns();
            __atomic_store_n(&helper_wake_ns, w0 - started_at, __ATOMIC_RELAXED);
            __atomic_store_n(&helper_off_ns, c0 >= 0 && c1 >= 0 ? (now_ns() - w0) - (c1 - c0) : 0,
                             __ATOMIC_RELAXED);
            /* seq_cst pairs with own_finish: either the caller sees DONE
             * before it sleeps, or this thread sees it sleeping. */
            __atomic_store_n(&state, JOB_DONE, __ATOMIC_SEQ_CST);
            if (__atomic_load_n(&finishing, __ATOMIC_SEQ_CST)) {
                pthread_mutex_lock(&lock);
                pthread_cond_signal(&done);
                pthread_mutex_unlock(&lock);
            }
        }
    }
    return NULL;
}

/* In a forked child the helper does not exist: start from scratch. */
static void after_fork_child(void)
{
    pthread_mutex_init(&lock, NULL);
    pthread_cond_init(&wake, NULL);
    pthread_cond_init(&done, NULL);
    finishing = 0;
    depth = 0;
    spawned = 0;
    busy = 0;
    state = JOB_NONE;
    sleeping = 0;
    calls = 0;
    contended_at = -CK_CONTENDED_NS;
    late_until = 0;
    late_hist = 0;
    backoff = CK_LATE_BACKOFF_NS;
}

static int ensure_thread(void)
{
    int s = CK_LOAD(&spawned);
    if (s != 0) return s > 0;
    pthread_mutex_lock(&lock);
    if (spawned == 0) {
        pthread_t th;
        pthread_attr_t attr;
        sigset_t all, old;
        int ok = 0;
        if (!atfork_set) atfork_set = pthread_atfork(NULL, NULL, after_fork_child) == 0;
        if (atfork_set && pthread_attr_init(&attr) == 0) {
            pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
            /* Signals keep going to the caller's threads (CPython handles
             * them on the main thread only). */
            sigfillset(&all);
            pthread_sigmask(SIG_SETMASK, &all, &old);
            seq_at_spawn = CK_LOAD(&seq);
            ok = pthread_create(&th, &attr, helper_main, &seq_at_spawn) == 0;
            if (ok) helper_thread = th;
#if defined(__linux__)
            kept_off = -1;
            helper_cpus_n = ok && pthread_getaffinity_np(th, sizeof helper_cpus, &helper_cpus) == 0
                            ? CPU_COUNT(&helper_cpus) : 0;
#endif
            pthread_sigmask(SIG_SETMASK, &old, NULL);
            pthread_attr_destroy(&attr);
        }
        CK_STORE(&spawned, ok ? 1 : -1);
    }
    s = spawned;
    pthread_mutex_unlock(&lock);
    return s > 0;
}

static int own_start(ck_job *job)
{
    int free_ = 0;
    if (!CK_LOAD(&enabled) || own_calls() > 1
        || now_ns() - __atomic_load_n(&contended_at, __ATOMIC_RELAXED) < CK_CONTENDED_NS
        || !ensure_thread())
        return 0;
    if (!CK_CAS(&busy, &free_, 1)) return 0;
    started_cpu = thread_cpu_ns();
    started_at = now_ns();
    posted = job;
    CK_STORE(&state, JOB_OPEN);
    __atomic_add_fetch(&seq, 1, __ATOMIC_SEQ_CST);
    if (__atomic_load_n(&sleeping, __ATOMIC_SEQ_CST)) {
        keep_off_caller();
        pthread_mutex_lock(&lock);
        pthread_cond_signal(&wake);
        pthread_mutex_unlock(&lock);
    }
    return 1;
}

static void own_finish(void)
{
    unsigned hist;
    int open = JOB_OPEN;
    const long long t0 = now_ns(), cpu = thread_cpu_ns();
    int late = started_cpu >= 0 && cpu >= 0
               && (t0 - started_at) - (cpu - started_cpu) > CK_LATE_MIN_NS;
    if (!CK_CAS(&state, &open, JOB_CLOSED)) {
        unsigned polls = 0;
        while (CK_LOAD(&state) != JOB_DONE) {
            if ((++polls & 63) == 0 && now_ns() - t0 > CK_FINISH_SPIN_NS) break;
            cpu_relax();
        }
        if (CK_LOAD(&state) != JOB_DONE) {
            pthread_mutex_lock(&lock);
            __atomic_store_n(&finishing, 1, __ATOMIC_SEQ_CST);
            while (__atomic_load_n(&state, __ATOMIC_SEQ_CST) != JOB_DONE)
                pthread_cond_wait(&done, &lock);
            __atomic_store_n(&finishing, 0, __ATOMIC_SEQ_CST);
            pthread_mutex_unlock(&lock);
        }
        if (__atomic_load_n(&helper_off_ns, __ATOMIC_RELAXED) > CK_LATE_MIN_NS
            || __atomic_load_n(&helper_wake_ns, __ATOMIC_RELAXED) > CK_LATE_WAKE_NS)
            late = 1;
    }
    /* Only the caller holding the helper (busy) writes backoff and late_hist. */
    hist = (__atomic_load_n(&late_hist, __ATOMIC_RELAXED) << 1 | (late != 0))
           & ((1U << CK_LATE_WINDOW) - 1);
    if (late) __atomic_add_fetch(&late_count, 1, __ATOMIC_RELAXED);
    if (late && (hist & (hist - 1)) != 0) { /* two bits set */
        const long long wait = __atomic_load_n(&backoff, __ATOMIC_RELAXED);
        __atomic_store_n(&late_until, now_ns() + wait, __ATOMIC_RELAXED);
        if (wait < CK_LATE_BACKOFF_MAX_NS)
            __atomic_store_n(&backoff, 2 * wait, __ATOMIC_RELAXED);
    } else if (!late) {
        __atomic_store_n(&backoff, CK_LATE_BACKOFF_NS, __ATOMIC_RELAXED);
    }
    __atomic_store_n(&late_hist, hist, __ATOMIC_RELAXED);
    CK_STORE(&busy, 0);
}
#else
static void own_enter(void) { ++calls; }
static void own_leave(void) { --calls; }
static int own_calls(void) { return calls; }
static long own_jobs_taken(void) { return taken; }
static long own_jobs_late(void) { return 0; }
static int own_backing_off(void) { return 0; }

static int own_start(ck_job *job)
{
    (void)job;
    return 0;
}

static void own_finish(void) {}
#endif

static const ck_threads_table own_table = {
    own_start, own_finish, own_enter, own_leave, own_calls,
    own_set_enabled, own_enabled, own_jobs_taken, ck_threads_run_chunks, own_jobs_late,
    own_backing_off,
};

/* ------------------------------------------- no helper, until attached */

static int none_start(ck_job *job)
{
    (void)job;
    return 0;
}

static void none_void(void) {}
static int none_int(void) { return 0; }
static long none_long(void) { return 0; }

static int none_set_enabled(int on)
{
    (void)on;
    return 0;
}

static const ck_threads_table none_table = {
    none_start, none_void, none_void, none_void, none_int,
    none_set_enabled, none_int, none_long, ck_threads_run_chunks, none_long, none_int,
};

/* Written once, at import, before any kernel of the module can run. */
static const ck_threads_table *active = &none_table;

const ck_threads_table *ck_threads_own(void) { return &own_table; }

int ck_threads_attach(const ck_threads_table *t)
{
    if (t == NULL) return CK_ERR_ARG;
    active = t;
    return CK_OK;
}

int ck_threads_start(ck_job *job) { return active->start(job); }
void ck_threads_finish(void) { active->finish(); }
void ck_threads_enter(void) { active->enter(); }
void ck_threads_leave(void) { active->leave(); }
int ck_threads_calls(void) { return active->calls(); }
int ck_threads_set_enabled(int on) { return active->set_enabled(on); }
int ck_threads_enabled(void) { return active->enabled(); }
long ck_threads_jobs_taken(void) { return active->jobs_taken(); }
long ck_threads_jobs_late(void) { return active->jobs_late(); }
int ck_threads_backing_off(void) { return active->backing_off(); }

/* --------------------------------------------------------------- chunks */

/* The chunks claimed from either end of [0, nchunks), in one word so that a
 * claim is one CAS: the low half counts the chunks the caller took from the
 * front, the high half is the first chunk the helper took from the back.
 * Taking from the two ends, each thread writes next to the other only where
 * they meet, not at every chunk. */
typedef struct {
    ck_job job; /* first: the helper receives a ck_job * */
    void (*fn)(void *ctx, size_t lo, size_t hi);
    void *ctx;
    size_t n, chunk;
    uint64_t ends;
} ck_chunks;

static int chunks_claim(ck_chunks *c, int from_back, size_t *lo, size_t *hi)
{
    uint64_t cur = CK_LOAD(&c->ends), next;
    uint32_t front, back;
    size_t k;
    do {
        front = (uint32_t)cur;
        back = (uint32_t)(cur >> 32);
        if (front >= back) return 0;
        next = from_back ? ((uint64_t)(back - 1) << 32) | front
                         : ((uint64_t)back << 32) | (front + 1);
    } while (!CK_CAS(&c->ends, &cur, next));
    k = from_back ? back - 1 : front;
    *lo = k * c->chunk;
    *hi = c->n - *lo < c->chunk ? c->n : *lo + c->chunk;
    return 1;
}

static void chunks_drain(ck_chunks *c, int from_back)
{
    size_t lo, hi;
    while (chunks_claim(c, from_back, &lo, &hi)) c->fn(c->ctx, lo, hi);
}

static void chunks_run(ck_job *job) { chunks_drain((ck_chunks *)job, 1); }

void ck_threads_run_chunks(void (*fn)(void *ctx, size_t lo, size_t hi), void *ctx,
                           size_t n, size_t chunk)
{
    ck_chunks c;
    size_t nchunks;
    if (chunk == 0) chunk = 1;
    /* The chunk indices must fit the halves of the claim word. */
    if (n / chunk >= UINT32_MAX) chunk = n / (UINT32_MAX - 1) + 1;
    nchunks = n / chunk + (n % chunk != 0);
    ck_threads_enter();
    c.job.run = chunks_run;
    c.fn = fn;
    c.ctx = ctx;
    c.n = n;
    c.chunk = chunk;
    c.ends = (uint64_t)nchunks << 32;
    /* Chunks are handed out on demand rather than split in halves: when the
     * other core is busy and the helper starts late, the caller simply takes
     * more of them, and all of them when the helper never comes. */
    if (nchunks > 1 && !ck_threads_backing_off() && ck_threads_start(&c.job)) {
        chunks_drain(&c, 0);
        ck_threads_finish();
    } else {
        fn(ctx, 0, n);
    }
    ck_threads_leave();
}
