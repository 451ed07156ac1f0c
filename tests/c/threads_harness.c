/* ThreadSanitizer harness of the kernels' threading (csrc/ck_threads.h) and
 * of the LSTM inference splits that use it: batch 1 by units
 * (csrc/ck_rnn_split_tmpl.h), larger batches by columns on the AVX-512
 * tiles (csrc/ck_rnn_infer_tmpl.h).
 *
 * A Python run under TSan would need an instrumented CPython (the GIL and
 * NumPy are invisible to TSan, and its runtime has to be loaded first), so
 * .ci/sanitize builds this program with -fsanitize=thread instead and runs
 * it: several threads call the kernels at once, GEMMs go through the naive
 * loops of the BLAS table (no BLAS library), and every result is compared
 * bit for bit with a one-thread run. Exit status 0 when every check held
 * (TSan itself exits non-zero on a report). */
#define _POSIX_C_SOURCE 200809L

#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ck_act.h"
#include "ck_blas.h"
#include "ck_rnn.h"
#include "ck_threads.h"

static int failures;

#define CHECK(cond, ...)                                                      \
    do {                                                                      \
        if (!(cond)) {                                                        \
            fprintf(stderr, "FAIL %s:%d: ", __FILE__, __LINE__);              \
            fprintf(stderr, __VA_ARGS__);                                     \
            fputc('\n', stderr);                                              \
            __atomic_add_fetch(&failures, 1, __ATOMIC_RELAXED);               \
        }                                                                     \
    } while (0)

/* ---------------------------------------------------------- LSTM inputs */

typedef struct {
    size_t T, F, U;
    float *x, *W, *R, *b, *h0, *c0;
    uint8_t *mask;
    /* The split step's result: both threads run the same code, so the
     * same bits whoever computes which step, and the caller alone (helper
     * disabled, busy or backing off) runs that code too. */
    float *split_H, *split_h, *split_c;
} lstm_case;

static float frand(unsigned *s)
{
    *s = *s * 1103515245u + 12345u;
    return ((float)((*s >> 8) & 0xffff) / 65536.0f - 0.5f);
}

static float *fill(size_t n, unsigned *s, float scale)
{
    float *a = malloc(n * sizeof(float));
    size_t k;
    for (k = 0; k < n; ++k) a[k] = frand(s) * scale;
    return a;
}

static void lstm_case_init(lstm_case *c, size_t T, size_t F, size_t U, unsigned seed, int masked)
{
    const float scale = 2.0f / (float)(F + U);
    size_t t;
    c->T = T;
    c->F = F;
    c->U = U;
    c->x = fill(T * F + 1, &seed, 2.0f);
    c->W = fill(F * 4 * U + 1, &seed, scale);
    c->R = fill(U * 4 * U, &seed, scale);
    c->b = fill(4 * U, &seed, 1.0f);
    c->h0 = fill(U, &seed, 1.0f);
    c->c0 = fill(U, &seed, 1.0f);
    c->mask = NULL;
    if (masked) {
        c->mask = malloc(T);
        for (t = 0; t < T; ++t) c->mask[t] = (uint8_t)(t % 3 != 1);
    }
    c->split_H = malloc(T * U * sizeof(float));
    c->split_h = malloc(U * sizeof(float));
    c->split_c = malloc(U * sizeof(float));
}

static int lstm_run(const lstm_case *c, float *H, float *h, float *cc)
{
    const size_t ws_n = ck_lstm_infer_ws(1, c->T, c->F, c->U, 0);
    float *ws = malloc(ws_n * sizeof(float));
    const int st = ck_lstm_infer_f32(1, c->T, c->F, c->U, c->x, c->W, c->R, c->b, c->h0,
                                     c->c0, c->mask, 0, CK_ACT_TANH, CK_ACT_SIGMOID, 0, H,
                                     h, cc, ws);
    free(ws);
    return st;
}

static int same(const lstm_case *c, const float *H, const float *h, const float *cc,
                const float *wH, const float *wh, const float *wc)
{
    return memcmp(H, wH, c->T * c->U * sizeof(float)) == 0
        && memcmp(h, wh, c->U * sizeof(float)) == 0
        && memcmp(cc, wc, c->U * sizeof(float)) == 0;
}

static int same_as_split(const lstm_case *c, const float *H, const float *h, const float *cc)
{
    return same(c, H, h, cc, c->split_H, c->split_h, c->split_c);
}

/* The split runs from 4U(F+U) >= 16384 weights: these all split. */
static lstm_case cases[3];

static void lstm_cases_init(void)
{
    size_t k;
    float *H = malloc(20 * 130 * sizeof(float)), h[130], cc[130];
    lstm_case_init(&cases[0], 20, 16, 128, 1, 0); /* 64-unit AVX-512 blocks, packed */
    lstm_case_init(&cases[1], 5, 40, 130, 2, 1);  /* odd halves, masked, unpacked */
    lstm_case_init(&cases[2], 12, 0, 80, 3, 0);   /* no input features */
    /* The helper takes every upper half (strict). Enabling it before each
     * call clears the back-off that follows a late job (a busy machine),
     * so that every strict call gets the helper. */
    ck_rnn_split_strict = 1;
    for (k = 0; k < 3; ++k) {
        ck_threads_set_enabled(1);
        CHECK(lstm_run(&cases[k], cases[k].split_H, cases[k].split_h, cases[k].split_c)
              == CK_OK, "split LSTM %zu", k);
    }
    ck_rnn_split_strict = 0;
    /* The caller alone (no helper) gives the same bits. */
    ck_threads_set_enabled(0);
    for (k = 0; k < 3; ++k)
        CHECK(lstm_run(&cases[k], H, h, cc) == CK_OK && same_as_split(&cases[k], H, h, cc),
              "batch-1 LSTM %zu without the helper differs from the split", k);
    ck_threads_set_enabled(1);
    free(H);
}

/* --------------------------------------------- batched inference split */

/* A batch of 40 (three 16-column chunks: ranges of 32 and 8 columns), odd
 * units, masked steps; transposed, so on AVX-512 CPUs the batch is split
 * between the caller and the helper. Its one-thread result, computed with
 * the helper disabled, is what every later call must give bit for bit. */
#define BB 40
#define BT 6
#define BF 5
#define BU 18
static float *bx, *bW, *bR, *bb, *bh0, *bc0, *bH, *bh, *bc;
static uint8_t bmask[BB * BT];

static int batch_run(float *H, float *h, float *cc)
{
    const size_t ws_n = ck_lstm_infer_ws(BB, BT, BF, BU, 1);
    float *ws = malloc(ws_n * sizeof(float));
    const int st = ck_lstm_infer_f32(BB, BT, BF, BU, bx, bW, bR, bb, bh0, bc0, bmask, 0,
                                     CK_ACT_TANH, CK_ACT_SIGMOID, 1, H, h, cc, ws);
    free(ws);
    return st;
}

static int batch_same(const float *H, const float *h, const float *cc)
{
    return memcmp(H, bH, BB * BT * BU * sizeof(float)) == 0
        && memcmp(h, bh, BB * BU * sizeof(float)) == 0
        && memcmp(cc, bc, BB * BU * sizeof(float)) == 0;
}

static void batch_init(void)
{
    unsigned seed = 4;
    size_t k;
    const float scale = 2.0f / (float)(BF + BU);
    bx = fill(BB * BT * BF, &seed, 2.0f);
    bW = fill(BF * 4 * BU, &seed, scale);
    bR = fill(BU * 4 * BU, &seed, scale);
    bb = fill(4 * BU, &seed, 1.0f);
    bh0 = fill(BB * BU, &seed, 1.0f);
    bc0 = fill(BB * BU, &seed, 1.0f);
    for (k = 0; k < BB * BT; ++k) bmask[k] = (uint8_t)((k / BT + k % BT) % 4 != 1);
    bH = malloc(BB * BT * BU * sizeof(float));
    bh = malloc(BB * BU * sizeof(float));
    bc = malloc(BB * BU * sizeof(float));
    ck_threads_set_enabled(0);
    CHECK(batch_run(bH, bh, bc) == CK_OK, "batched LSTM, one thread");
    ck_threads_set_enabled(1);
}

/* Calls with the helper allowed (each clearing a back-off): the same bits. */
static void check_batch(int calls, const char *who)
{
    float *H = malloc(BB * BT * BU * sizeof(float)), *h = malloc(BB * BU * sizeof(float)),
          *cc = malloc(BB * BU * sizeof(float));
    int it;
    for (it = 0; it < calls; ++it) {
        CHECK(batch_run(H, h, cc) == CK_OK, "batched LSTM (%s)", who);
        CHECK(batch_same(H, h, cc), "batched LSTM result differs (%s, call %d)", who, it);
    }
    free(H);
    free(h);
    free(cc);
}

/* ------------------------------------------------------------- chunks */

typedef struct {
    unsigned *hits;         /* times each index was visited */
    pthread_t caller;
    int helper_ran;         /* a range ran on another thread */
    int wait_for_helper;    /* the caller's first range waits for the helper */
    int helper_sleeps;      /* the helper's ranges take 5 ms more (a late helper) */
} chunks_ctx;

static void chunks_fn(void *ctx, size_t lo, size_t hi)
{
    chunks_ctx *c = ctx;
    size_t i;
    if (!pthread_equal(pthread_self(), c->caller)) {
        __atomic_store_n(&c->helper_ran, 1, __ATOMIC_RELEASE);
        if (c->helper_sleeps) {
            struct timespec late = {0, 5000000};
            nanosleep(&late, NULL);
        }
    } else if (c->wait_for_helper) {
        /* Hold the caller until the helper has taken a range (or 2 s
         * passed), so the two-thread path is what runs. */
        struct timespec ts = {0, 100000};
        int k;
        c->wait_for_helper = 0;
        for (k = 0; k < 20000 && !__atomic_load_n(&c->helper_ran, __ATOMIC_ACQUIRE); ++k)
            nanosleep(&ts, NULL);
    }
    for (i = lo; i < hi; ++i) c->hits[i] += 1;
}

static void run_chunks_checked(size_t n, size_t chunk, int wait_for_helper, int helper_sleeps)
{
    chunks_ctx c;
    size_t i;
    c.hits = calloc(n ? n : 1, sizeof(unsigned));
    c.caller = pthread_self();
    c.helper_ran = 0;
    c.wait_for_helper = wait_for_helper;
    c.helper_sleeps = helper_sleeps;
    /* 1: from a clean slate (no back-off, no recent late jobs); 2: keep them. */
    if (wait_for_helper == 1) ck_threads_set_enabled(1);
    ck_threads_run_chunks(chunks_fn, &c, n, chunk);
    for (i = 0; i < n; ++i)
        CHECK(c.hits[i] == 1, "index %zu of %zu visited %u times", i, n, c.hits[i]);
    if (wait_for_helper)
        CHECK(__atomic_load_n(&c.helper_ran, __ATOMIC_ACQUIRE), "the helper took no range");
    free(c.hits);
}

static void check_chunks(size_t n, size_t chunk, int wait_for_helper)
{
    run_chunks_checked(n, chunk, wait_for_helper, 0);
}

/* A helper that finishes its range 5 ms after the caller makes the job
 * late. One late job alone is tolerated (the helper keeps taking work); a
 * second one among the recent jobs backs off: chunked work then stays on
 * the caller, and enabling ends that. */
static void check_late_backoff(void)
{
    const long late = ck_threads_jobs_late();
    float *H = malloc(cases[0].T * cases[0].U * sizeof(float)), h[128], cc[128];
    long jobs;
    run_chunks_checked(1000, 100, 1, 1);
    CHECK(ck_threads_jobs_late() == late + 1, "a late helper was not counted");
    CHECK(!ck_threads_backing_off(), "one late job backed off");
    run_chunks_checked(1000, 100, 2, 1);
    CHECK(ck_threads_jobs_late() == late + 2, "the second late helper was not counted");
    CHECK(ck_threads_backing_off(), "no back-off after two late jobs");
    jobs = ck_threads_jobs_taken();
    /* The batch-1 LSTM split stays out too: the caller runs both ranges,
     * with the split's bits. */
    CHECK(lstm_run(&cases[0], H, h, cc) == CK_OK && same_as_split(&cases[0], H, h, cc),
          "batch-1 LSTM while backing off");
    check_chunks(100000, 1000, 0);
    CHECK(ck_threads_jobs_taken() == jobs, "a job was taken while backing off");
    ck_threads_set_enabled(1);
    CHECK(!ck_threads_backing_off(), "enabling did not end the back-off");
    free(H);
}

/* ------------------------------------------------------------ threads */

static void *worker(void *arg)
{
    const unsigned id = (unsigned)(uintptr_t)arg;
    float *H = malloc(20 * 130 * sizeof(float)), h[130], cc[130];
    int it;
    for (it = 0; it < 30; ++it) {
        const lstm_case *c = &cases[(id + (unsigned)it) % 3];
        CHECK(lstm_run(c, H, h, cc) == CK_OK, "LSTM in thread %u", id);
        CHECK(same_as_split(c, H, h, cc), "LSTM result of thread %u differs (call %d)", id,
              it);
        if (it % 5 == 0) check_chunks(1000 + 37 * id, 64, 0);
        if (it % 5 == 2) check_batch(1, "several threads");
    }
    free(H);
    return NULL;
}

static void sleep_ms(long ms)
{
    struct timespec ts;
    ts.tv_sec = ms / 1000;
    ts.tv_nsec = (ms % 1000) * 1000000L;
    nanosleep(&ts, NULL);
}

int main(void)
{
    float *H = malloc(20 * 130 * sizeof(float)), h[130], cc[130];
    pthread_t th[4];
    long jobs;
    int k, it;
    alarm(120); /* a lost wake-up hangs: fail instead */
    ck_blas_table_set(ck_blas_table_get(), CK_BLAS_NAIVE, NULL, NULL, NULL, NULL);
    ck_threads_attach(ck_threads_own());
    lstm_cases_init();
    batch_init();

    /* One thread, the helper taking every upper half (strict), then
     * claiming steps as they come: the same bits every time. */
    ck_rnn_split_strict = 1;
    jobs = ck_threads_jobs_taken();
    for (it = 0; it < 9; ++it) {
        const lstm_case *c = &cases[it % 3];
        ck_threads_set_enabled(1);
        CHECK(lstm_run(c, H, h, cc) == CK_OK, "strict LSTM");
        CHECK(same_as_split(c, H, h, cc), "strict LSTM result differs (call %d)", it);
    }
    CHECK(ck_threads_jobs_taken() == jobs + 9, "strict calls: helper took %ld of 9 jobs",
          ck_threads_jobs_taken() - jobs);
    ck_rnn_split_strict = 0;
    for (it = 0; it < 30; ++it) {
        const lstm_case *c = &cases[it % 3];
        ck_threads_set_enabled(1);
        CHECK(lstm_run(c, H, h, cc) == CK_OK, "LSTM");
        CHECK(same_as_split(c, H, h, cc), "LSTM result differs (call %d)", it);
    }

    /* Batched: the caller and the helper split the batch. */
    jobs = ck_threads_jobs_taken();
    for (it = 0; it < 10; ++it) {
        ck_threads_set_enabled(1);
        check_batch(1, "one caller");
    }
    /* Each call posts two jobs: the weight packing and the time loop. */
    printf("batched LSTM: the helper took %ld jobs in 10 calls\n",
           ck_threads_jobs_taken() - jobs);

    /* Chunks: every index once, with the helper made to take part, and
     * the edge cases (nothing, one chunk, a partial last chunk). */
    check_chunks(100000, 1000, 1);
    check_chunks(0, 10, 0);
    check_chunks(7, 10, 0);
    check_chunks(1001, 10, 0);
    check_chunks(5, 0, 0);

    /* Helper after a sleep: the condition-variable wake-up. */
    sleep_ms(5);
    check_chunks(50000, 100, 1);
    check_late_backoff();

    /* Four threads at once: calls overlap, the helper stays out or serves
     * one of them; every result stays the same. */
    for (k = 0; k < 4; ++k) pthread_create(&th[k], NULL, worker, (void *)(uintptr_t)k);
    for (k = 0; k < 4; ++k) pthread_join(th[k], NULL);

    /* Disabled: no job is taken. */
    sleep_ms(25); /* past the back-off after overlapping calls */
    ck_threads_set_enabled(0);
    jobs = ck_threads_jobs_taken();
    ck_rnn_split_strict = 1;
    CHECK(lstm_run(&cases[0], H, h, cc) == CK_OK && same_as_split(&cases[0], H, h, cc),
          "disabled LSTM");
    check_chunks(100000, 1000, 0);
    CHECK(ck_threads_jobs_taken() == jobs, "a job was taken while disabled");
    ck_threads_set_enabled(1);
    free(H);
    if (failures) {
        fprintf(stderr, "%d check(s) failed\n", failures);
        return 1;
    }
    printf("threads harness: all checks passed\n");
    return 0;
}
