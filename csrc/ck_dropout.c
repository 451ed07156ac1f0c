/* Dropout masks (see ck_dropout.h). */
#include "ck_dropout.h"

#define CK_GOLDEN 0x9E3779B97F4A7C15ull

static uint64_t ck_splitmix(uint64_t z)
{
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

/* Integer steps and exact conversions only: the x86-64-v4 clone (64-bit
 * vector multiplies) draws the same bits as the baseline, about 4x faster. */
CK_TARGET_CLONES
int ck_dropout_mask_f32(size_t n, uint64_t *state, double rate, float *out)
{
    const float r = (float)rate, keep = (float)(1.0 / (1.0 - rate));
    uint64_t z;
    size_t i;
    if (state == NULL || (n > 0 && out == NULL) || !(rate >= 0.0 && rate < 1.0))
        return CK_ERR_ARG;
    z = state[0] + (state[1] + 1) * CK_GOLDEN;
    for (i = 0; i < n; ++i, z += CK_GOLDEN) {
        const float u = (float)(ck_splitmix(z) >> 40) * (1.0f / 16777216.0f);
        out[i] = u >= r ? keep : 0.0f;
    }
    state[1] += n;
    return CK_OK;
}

CK_TARGET_CLONES
int ck_dropout_mask_f64(size_t n, uint64_t *state, double rate, double *out)
{
    const double keep = 1.0 / (1.0 - rate);
    uint64_t z;
    size_t i;
    if (state == NULL || (n > 0 && out == NULL) || !(rate >= 0.0 && rate < 1.0))
        return CK_ERR_ARG;
    z = state[0] + (state[1] + 1) * CK_GOLDEN;
    for (i = 0; i < n; ++i, z += CK_GOLDEN) {
        const double u = (double)(ck_splitmix(z) >> 11) * (1.0 / 9007199254740992.0);
        out[i] = u >= rate ? keep : 0.0;
    }
    state[1] += n;
    return CK_OK;
}
