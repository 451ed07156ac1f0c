/* Bidirectional sequence kernels (see ck_bidirectional.h). */
#include "ck_bidirectional.h"

#include <string.h>

#include "ck_tmpl.h"

#define real float
#define CK_SUF f32
#include "ck_bidirectional_tmpl.h"
#undef real
#undef CK_SUF

#define real double
#define CK_SUF f64
#include "ck_bidirectional_tmpl.h"
#undef real
#undef CK_SUF
