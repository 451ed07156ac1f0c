# Declarations of csrc/ck_act.h for Cython modules.
from cython cimport floating

cdef extern from "ck_act.h" nogil:
    enum:
        CK_ACT_LINEAR
        CK_ACT_RELU
        CK_ACT_SIGMOID
        CK_ACT_TANH
        CK_ACT_SOFTMAX
        CK_ACT_HARD_SIGMOID
        CK_ACT_NCODES

    float ck_act_exp_f32(float x)
    float ck_act_sigmoid_f32(float x)
    float ck_act_tanh_f32(float x)
    double ck_act_exp_f64(double x)
    double ck_act_sigmoid_f64(double x)
    double ck_act_tanh_f64(double x)

    int ck_act_fwd_f32(int code, size_t n, const float *x, float *y)
    int ck_act_fwd_f64(int code, size_t n, const double *x, double *y)
    int ck_act_bwd_f32(int code, size_t n, const float *y, const float *dy, float *dx)
    int ck_act_bwd_f64(int code, size_t n, const double *y, const double *dy, double *dx)
    int ck_act_softmax_fwd_f32(size_t rows, size_t cols, const float *x, float *y)
    int ck_act_softmax_fwd_f64(size_t rows, size_t cols, const double *x, double *y)
    int ck_act_softmax_bwd_f32(size_t rows, size_t cols, const float *y, const float *dy, float *dx)
    int ck_act_softmax_bwd_f64(size_t rows, size_t cols, const double *y, const double *dy, double *dx)
    int ck_act_bias_fwd_f32(int code, size_t rows, size_t cols, const float *b, float *y)
    int ck_act_bias_fwd_f64(int code, size_t rows, size_t cols, const double *b, double *y)
    int ck_act_bias_bwd_f32(int code, size_t rows, size_t cols, const float *y,
                            const float *dy, float *dz, float *db)
    int ck_act_bias_bwd_f64(int code, size_t rows, size_t cols, const double *y,
                            const double *dy, double *dz, double *db)


# One name per kernel for both precisions, picked by the pointers' element
# type: the only place where a float and a double kernel are both named.

cdef inline int ck_act_fwd(int code, size_t n, const floating *x,
                           floating *y) noexcept nogil:
    if floating is float:
        return ck_act_fwd_f32(code, n, x, y)
    else:
        return ck_act_fwd_f64(code, n, x, y)


cdef inline int ck_act_bwd(int code, size_t n, const floating *y, const floating *dy,
                           floating *dx) noexcept nogil:
    if floating is float:
        return ck_act_bwd_f32(code, n, y, dy, dx)
    else:
        return ck_act_bwd_f64(code, n, y, dy, dx)


cdef inline int ck_act_softmax_fwd(size_t rows, size_t cols, const floating *x,
                                   floating *y) noexcept nogil:
    if floating is float:
        return ck_act_softmax_fwd_f32(rows, cols, x, y)
    else:
        return ck_act_softmax_fwd_f64(rows, cols, x, y)


cdef inline int ck_act_softmax_bwd(size_t rows, size_t cols, const floating *y,
                                   const floating *dy, floating *dx) noexcept nogil:
    if floating is float:
        return ck_act_softmax_bwd_f32(rows, cols, y, dy, dx)
    else:
        return ck_act_softmax_bwd_f64(rows, cols, y, dy, dx)


cdef inline int ck_act_bias_fwd(int code, size_t rows, size_t cols, const floating *b,
                                floating *y) noexcept nogil:
    if floating is float:
        return ck_act_bias_fwd_f32(code, rows, cols, b, y)
    else:
        return ck_act_bias_fwd_f64(code, rows, cols, b, y)


cdef inline int ck_act_bias_bwd(int code, size_t rows, size_t cols, const floating *y,
                                const floating *dy, floating *dz,
                                floating *db) noexcept nogil:
    if floating is float:
        return ck_act_bias_bwd_f32(code, rows, cols, y, dy, dz, db)
    else:
        return ck_act_bias_bwd_f64(code, rows, cols, y, dy, dz, db)


cdef inline dict act_enum():
    """The activation codes of ck_act.h, for the modules' ENUMS."""
    return {"LINEAR": CK_ACT_LINEAR, "RELU": CK_ACT_RELU, "SIGMOID": CK_ACT_SIGMOID,
            "TANH": CK_ACT_TANH, "SOFTMAX": CK_ACT_SOFTMAX,
            "HARD_SIGMOID": CK_ACT_HARD_SIGMOID}
