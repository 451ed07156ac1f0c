# Declarations of csrc/ck_act.h for Cython modules.

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
