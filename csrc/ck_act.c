#include "ck_act.h"

#include "ck_tmpl.h"

/* A softmax block: its exps (8 KB of float) stay in L1 between the passes. */
#define CK_ACT_SM_ELEMS 2048
#define CK_ACT_SM_ROWS 256

#define real float
#define CK_SUF f32
#include "ck_act_tmpl.h"
#undef real
#undef CK_SUF

#define real double
#define CK_SUF f64
#include "ck_act_tmpl.h"
#undef real
#undef CK_SUF
