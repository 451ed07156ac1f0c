#include "ck_attention.h"

#include <string.h>

#include "ck_act.h"
#include "ck_blas.h"
#include "ck_threads.h"
#include "ck_tmpl.h"

#define real float
#define CK_SUF f32
#include "ck_attention_tmpl.h"
#undef real
#undef CK_SUF

#define real double
#define CK_SUF f64
#include "ck_attention_tmpl.h"
#undef real
#undef CK_SUF
