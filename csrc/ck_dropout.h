/* Dropout masks drawn in C from a counter-based generator, so a layer keeps
 * one small state (no generator object, no float64 temporaries per call).
 *
 * state[0] is the key, state[1] the counter. Element i of a call takes the
 * 64-bit SplitMix64 output of z = key + (counter + i + 1) * 0x9E3779B97F4A7C15
 * and keeps the unit when u >= rate, u its top 24 bits / 2^24 (float) or top
 * 53 bits / 2^53 (double); a kept unit is 1/(1-rate) in the output type,
 * a dropped one 0. The call then advances the counter by n, so successive
 * calls draw fresh masks and the same state gives the same sequence.
 * rate must be in [0, 1).
 */
#ifndef CK_DROPOUT_H
#define CK_DROPOUT_H

#include <stdint.h>

#include "ck_common.h"

int ck_dropout_mask_f32(size_t n, uint64_t *state, double rate, float *out);
int ck_dropout_mask_f64(size_t n, uint64_t *state, double rate, double *out);

#endif /* CK_DROPOUT_H */
