/* The template idiom of the kernel families.
 *
 * A family with float and double kernels writes them once, in
 * ck_<family>_tmpl.h, on the element type `real`, and its .c file includes
 * that template once per precision:
 *
 *     #define real float
 *     #define CK_SUF f32
 *     #include "ck_<family>_tmpl.h"
 *     #undef real
 *     #undef CK_SUF
 *
 * and again with double and f64. Inside a template CK_S(ck_dense_fwd) names
 * ck_dense_fwd_f32 or ck_dense_fwd_f64. The element type is `real`, never T:
 * in these kernels T is the number of timesteps. Templates include no
 * headers (the .c file does, before defining `real`), so no system header
 * ever sees the macro.
 *
 * One template keeps the float and double kernels from drifting apart.
 */
#ifndef CK_TMPL_H
#define CK_TMPL_H

#define CK_CAT_(a, b) a##b
#define CK_CAT(a, b) CK_CAT_(a, b)
/* name_f32 / name_f64 for the precision being instantiated. */
#define CK_S(name) CK_CAT(CK_CAT(name, _), CK_SUF)

#endif /* CK_TMPL_H */
