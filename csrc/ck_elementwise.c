#include "ck_elementwise.h"

#include <math.h>
#include <string.h>

#include "ck_act.h"
#include "ck_threads.h"
#include "ck_tmpl.h"

/* Elements per claimed range of the add: 256 KB of float input. */
#define CK_EW_CHUNK 32768
/* Rows per claimed range of the loss: at least CK_EW_CHUNK elements. */
#define CK_EW_ROWS(cols) ((cols) >= CK_EW_CHUNK ? 1 : CK_EW_CHUNK / (cols))
/* Rows per softmax call of the crossentropy (its stack buffers). */
#define CK_EW_XENT_ROWS 256

static float ck_ew_log_f32(float x) { return logf(x); }
static double ck_ew_log_f64(double x) { return log(x); }

#define real float
#define CK_SUF f32
#include "ck_elementwise_tmpl.h"
#undef real
#undef CK_SUF

#define real double
#define CK_SUF f64
#include "ck_elementwise_tmpl.h"
#undef real
#undef CK_SUF
