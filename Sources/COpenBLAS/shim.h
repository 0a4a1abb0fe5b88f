// OpenBLAS from Debian's libopenblas-dev: CBLAS (sgemm, sgemv) and the LAPACK routines we call.
// Debian installs cblas.h through the alternatives system into the multiarch include path.
#include <cblas.h>

// LAPACK's divide-and-conquer SVD (Fortran calling convention). Debian's libopenblas-dev does
// not ship lapack.h, so the one prototype we need is declared here; OpenBLAS exports the symbol.
void sgesdd_(const char *jobz, const int *m, const int *n, float *a, const int *lda, float *s,
             float *u, const int *ldu, float *vt, const int *ldvt, float *work,
             const int *lwork, int *iwork, int *info);

// OpenBLAS's thread-count setter: callers that need bit-identical results fix it and record it.
void openblas_set_num_threads(int num_threads);

// The name of the kernel set OpenBLAS chose ("SkylakeX", "Haswell", ...).
char *openblas_get_corename(void);

// How long OpenBLAS's helper threads spin after a call before they sleep: 2^N clock ticks,
// N read from OPENBLAS_THREAD_TIMEOUT by openblas_read_env (at load, or when called again),
// and taken by blas_thread_init when it starts the threads. blas_thread_shutdown_ stops them.
// Exported by every OpenBLAS build, not declared in cblas.h.
void openblas_read_env(void);
unsigned int openblas_thread_timeout(void);
int blas_thread_init(void);
int blas_thread_shutdown_(void);
