#include "ck_act.h"

/* The kernels are written once in ck_act_tmpl.h and instantiated here for
 * float and double. */

#define T float
#define CK_SUF f32
#include "ck_act_tmpl.h"
#undef T
#undef CK_SUF

#define T double
#define CK_SUF f64
#include "ck_act_tmpl.h"
#undef T
#undef CK_SUF
