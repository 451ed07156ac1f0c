#include "ck_attention.h"

#include <math.h>

#include "ck_blas.h"
#include "ck_tmpl.h"

#define real float
#define CK_SUF f32
#define CK_EXP expf
#include "ck_attention_tmpl.h"
#undef real
#undef CK_SUF
#undef CK_EXP

#define real double
#define CK_SUF f64
#define CK_EXP exp
#include "ck_attention_tmpl.h"
#undef real
#undef CK_SUF
#undef CK_EXP
