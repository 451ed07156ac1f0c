# Declarations of csrc/ck_optim.h for Cython modules.
from cython cimport floating

cdef extern from "ck_optim.h" nogil:
    int ck_adam_update_f32(size_t n, float *w, const float *g, float *m, float *v,
                           float *vhat, float b1c, float b2c, float alpha, float eps)
    int ck_adam_update_f64(size_t n, double *w, const double *g, double *m, double *v,
                           double *vhat, double b1c, double b2c, double alpha, double eps)
    int ck_rmsprop_update_f32(size_t n, float *w, const float *g, float *v, float *a,
                              float *mom, float rc, float momentum, float lr, float eps,
                              int eps_outside)
    int ck_rmsprop_update_f64(size_t n, double *w, const double *g, double *v, double *a,
                              double *mom, double rc, double momentum, double lr,
                              double eps, int eps_outside)
    int ck_sgd_update_f32(size_t n, float *w, const float *g, float *m, float lr,
                          float momentum, int nesterov)
    int ck_sgd_update_f64(size_t n, double *w, const double *g, double *m, double lr,
                          double momentum, int nesterov)
