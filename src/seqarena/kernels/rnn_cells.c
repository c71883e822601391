/* Fused elementwise steps of the GRU time loop (float32, row-major, contiguous rows).
 * The matrix products stay in PyTorch (MKL); each function replaces the ~8 small tensor operations
 * of one time step, each a separate kernel call and autograd node, with one pass over the batch.
 * Compiled on first use by seqarena.kernels (cc -O3 -march=native -fno-math-errno), loaded with
 * ctypes. Gate order [r z n], as nn.GRU. IEEE semantics are kept: NaN propagates as in nn.GRU, and
 * no -ffast-math (which would also switch the whole process to flush-to-zero when linked). */
#include <math.h>
#include <stddef.h>

/* the vector versions of expf and tanhf in glibc's libmvec, declared so that the loops vectorise
 * without -ffast-math; seqarena.kernels retries without them where the C library lacks them */
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) && !defined(SEQARENA_NO_LIBMVEC)
__attribute__((simd("notinbranch"))) float expf(float);
__attribute__((simd("notinbranch"))) float tanhf(float);
#endif

/* clamped where sigmoid and tanh are saturated anyway (|x| > 30); a NaN compares false and passes */
static inline float clampf(float x) { return x < -30.0f ? -30.0f : (x > 30.0f ? 30.0f : x); }
static inline float sigm(float x) { return 1.0f / (1.0f + expf(-clampf(x))); }
static inline float tanh_(float x) { return tanhf(clampf(x)); }

/* Forward step. gi: (B, 3H) input-side gates incl. b_ih, row stride gi_ld; gh: (B, 3H) =
 * h_prev W_hh^T without its bias b_hh (3H), added here; h_prev, h: (B, H).
 * Saves rz: (B, 2H) = [r z], n: (B, H) and ghn: (B, H) = the hidden-side n gate, for the backward. */
void gru_fwd_step(int B, int H, const float *restrict gi, long gi_ld, const float *restrict gh,
                  const float *restrict b_hh, const float *restrict h_prev, float *restrict rz,
                  float *restrict n, float *restrict ghn, float *restrict h) {
    for (int b = 0; b < B; b++) {
        const float *restrict gi_b = gi + (size_t)b * gi_ld;
        const float *restrict gh_b = gh + (size_t)b * 3 * H;
        const float *restrict hp = h_prev + (size_t)b * H;
        float *restrict rz_b = rz + (size_t)b * 2 * H;
        float *restrict n_b = n + (size_t)b * H;
        float *restrict ghn_b = ghn + (size_t)b * H;
        float *restrict h_b = h + (size_t)b * H;
        for (int j = 0; j < H; j++) {
            float r = sigm(gi_b[j] + gh_b[j] + b_hh[j]);
            float z = sigm(gi_b[H + j] + gh_b[H + j] + b_hh[H + j]);
            float hn = gh_b[2 * H + j] + b_hh[2 * H + j];
            float nn = tanh_(gi_b[2 * H + j] + r * hn);
            rz_b[j] = r;
            rz_b[H + j] = z;
            n_b[j] = nn;
            ghn_b[j] = hn;
            h_b[j] = nn + z * (hp[j] - nn); /* (1 - z) n + z h_prev */
        }
    }
}

/* Backward step. The gradient reaching h_t is dh_a + dh_b, (B, H) each: the part that bypasses W_hh
 * and the part through it, summed here to save a copy. Writes d_gh and d_gi: (B, 3H) gradients of
 * the hidden-side and input-side gates (equal but for n), and dh_direct: (B, H) = dh z + d_next, the
 * part of dL/dh_{t-1} that does not pass through W_hh (d_next, the output gradient at t-1, may be NULL). */
void gru_bwd_step(int B, int H, const float *restrict dh_a, const float *restrict dh_b,
                  const float *restrict rz, const float *restrict n, const float *restrict ghn,
                  const float *restrict h_prev, const float *restrict d_next, float *restrict d_gh,
                  float *restrict d_gi, float *restrict dh_direct) {
    for (int b = 0; b < B; b++) {
        size_t o = (size_t)b * H;
        const float *restrict rz_b = rz + 2 * o;
        float *restrict dg = d_gh + 3 * o;
        float *restrict di = d_gi + 3 * o;
        for (int j = 0; j < H; j++) {
            float r = rz_b[j], z = rz_b[H + j], nn = n[o + j], g = dh_a[o + j] + dh_b[o + j];
            float an = g * (1.0f - z) * (1.0f - nn * nn);      /* pre-tanh n */
            float az = g * (h_prev[o + j] - nn) * z * (1.0f - z); /* pre-sigmoid z */
            float ar = an * ghn[o + j] * r * (1.0f - r);        /* pre-sigmoid r */
            dg[j] = ar;
            dg[H + j] = az;
            dg[2 * H + j] = an * r;
            di[j] = ar;
            di[H + j] = az;
            di[2 * H + j] = an;
            dh_direct[o + j] = g * z + (d_next ? d_next[o + j] : 0.0f);
        }
    }
}

/* Sparse row update of an embedding table (train.optim.SGD): w[idx[i]] += alpha * v[i] for i < n,
 * rows of d floats; repeated indices add up in order, as index_add_. Replaces index_add_/scatter_add_,
 * which cost 5x / 2.5x the gather of the same rows on the CPU (measured). */
void rows_axpy(long n, long d, float alpha, const long *restrict idx, const float *restrict v,
               float *restrict w) {
    for (long i = 0; i < n; i++) {
        float *restrict row = w + idx[i] * d;
        const float *restrict src = v + i * d;
        for (long j = 0; j < d; j++)
            row[j] += alpha * src[j];
    }
}
