/* Bidirectional sequence kernels (see ck_bidirectional.h). The float and
 * double bodies come from one template, ck_bidirectional_tmpl.h. */
#include "ck_bidirectional.h"

#include <string.h>

#define CK_BIDIR_CAT_(a, b) a##b
#define CK_BIDIR_CAT(a, b) CK_BIDIR_CAT_(a, b)

#define T float
#define CK_SUF f32
#include "ck_bidirectional_tmpl.h"
#undef T
#undef CK_SUF

#define T double
#define CK_SUF f64
#include "ck_bidirectional_tmpl.h"
#undef T
#undef CK_SUF
