#include "ck_normalization.h"

#include <math.h>
#include <string.h>

#include "ck_threads.h"
#include "ck_tmpl.h"

/* Rows per claimed range: a few hundred KB of input, so claims are rare. */
#define CK_NORM_ROWS 64
/* Columns per claimed range of the parameter gradients. */
#define CK_NORM_COLS 64

#define real float
#define CK_SUF f32
#include "ck_normalization_tmpl.h"
#undef real
#undef CK_SUF

#define real double
#define CK_SUF f64
#include "ck_normalization_tmpl.h"
#undef real
#undef CK_SUF
