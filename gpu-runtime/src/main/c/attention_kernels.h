/*
 * Causal attention over the paged host KV cache (io.sluice.tensor.cpu.CpuAttention's Java path in C), for keys
 * and values stored as floats (F32) or half floats (F16, widened exactly by F16C). Included by sluice_cpu.c.
 *
 * Every float operation happens in the order the Java code defines, so the bits equal the scalar and Vector
 * API paths:
 *  - a score is FloatKernel's dot product: eight lanes a[k % 8] = fma(q[k], key[k], a[k % 8]) for k below
 *    len - len % 8 in increasing k, then ((a0 + a1) + (a2 + a3)) + ((a4 + a5) + (a6 + a7)), then one fma per
 *    remaining element;
 *  - the softmax is Softmax.scaled's: s = score * scale, max, e = exp(s - max) by Exp's sequence, eight lane
 *    sums then the lane sum then the remaining e added front to back, e * (1 / sum);
 *  - each output element is fma(weight_t, value_t, acc) over the slots t in increasing order, from +0.
 * The loops run slot by slot over all the heads a call has of one row, so that memory is read in stretches of
 * several heads (one thread read about 6 GB/s head by head, 12 GB/s so, measured with AttentionBench); the order
 * of each score's and each output's operations stays the one above.
 */

#define ATT_TARGET __attribute__((target("avx2,fma,f16c")))
/* Inlined into each storage type's kernel, so that the F32/F16 choice is made once, outside the loops. */
#define ATT_INLINE ATT_TARGET inline __attribute__((always_inline))

/* The float lanes of 8 keys or values at p: F32 loads them, F16 widens them (exact). */
static ATT_INLINE __m256 att_load8(const void *base, size_t at, int half) {
    if (half) {
        return _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *) ((const uint16_t *) base + at)));
    }
    return _mm256_loadu_ps((const float *) base + at);
}

static ATT_INLINE float att_load1(const void *base, size_t at, int half) {
    if (half) {
        return _cvtsh_ss(((const uint16_t *) base)[at]);
    }
    return ((const float *) base)[at];
}

/* Slots ahead of the one computed whose keys or values are prefetched: slots are kv_dim apart, too far apart for
 * the hardware prefetchers to follow on their own. */
#define ATT_AHEAD 8

/* The lane sum ((a0 + a1) + (a2 + a3)) + ((a4 + a5) + (a6 + a7)) of four vectors at once, in that order. */
static ATT_TARGET inline __m128 att_lane_sums4(__m256 s0, __m256 s1, __m256 s2, __m256 s3) {
    __m256 p01 = _mm256_hadd_ps(s0, s1);  /* s0:01 23 s1:01 23 | s0:45 67 s1:45 67 */
    __m256 p23 = _mm256_hadd_ps(s2, s3);
    __m256 q = _mm256_hadd_ps(p01, p23);  /* s0..s3: (01 + 23) | (45 + 67) */
    return _mm_add_ps(_mm256_castps256_ps128(q), _mm256_extractf128_ps(q, 1));
}

static ATT_TARGET inline float att_lane_sum(__m256 s) {
    __m256 p = _mm256_hadd_ps(s, s);
    __m256 q = _mm256_hadd_ps(p, p);
    return _mm_cvtss_f32(_mm_add_ss(_mm256_castps256_ps128(q), _mm256_extractf128_ps(q, 1)));
}

/* Exp.exp, one float. */
static ATT_TARGET inline float att_exp1(float x) {
    x = x < -104.0f ? -104.0f : x;  /* NaN compares false and stays, as Math.max/min */
    x = x > 89.0f ? 89.0f : x;
    float t = fmaf(x, 0x1.715476p0f, 0x1.8p23f);
    int32_t tb;
    memcpy(&tb, &t, 4);
    int32_t n = tb - 0x4B400000;
    float nf = t - 0x1.8p23f;
    float r = fmaf(nf, -0x1.7f7d1cp-20f, fmaf(nf, -0x1.62e4p-1f, x));
    float p = fmaf(r, 0x1.6a1a72p-10f, 0x1.123fc6p-7f);
    p = fmaf(p, r, 0x1.555916p-5f);
    p = fmaf(p, r, 0x1.55548ap-3f);
    p = fmaf(p, r, 0x1.fffffcp-2f);
    p = fmaf(p, r, 1.0f);
    p = fmaf(p, r, 1.0f);
    int32_t n1 = n >> 1;
    int32_t n2 = n - n1;
    uint32_t b1 = (uint32_t) (n1 + 127) << 23;
    uint32_t b2 = (uint32_t) (n2 + 127) << 23;
    float s1, s2;
    memcpy(&s1, &b1, 4);
    memcpy(&s2, &b2, 4);
    return p * s1 * s2;
}

/* Exp.exp lane by lane (VectorExp's operations). */
static ATT_TARGET inline __m256 att_exp8(__m256 x) {
    x = _mm256_blendv_ps(x, _mm256_set1_ps(-104.0f), _mm256_cmp_ps(x, _mm256_set1_ps(-104.0f), _CMP_LT_OQ));
    x = _mm256_blendv_ps(x, _mm256_set1_ps(89.0f), _mm256_cmp_ps(x, _mm256_set1_ps(89.0f), _CMP_GT_OQ));
    const __m256 magic = _mm256_set1_ps(0x1.8p23f);
    __m256 t = _mm256_fmadd_ps(x, _mm256_set1_ps(0x1.715476p0f), magic);
    __m256i n = _mm256_sub_epi32(_mm256_castps_si256(t), _mm256_set1_epi32(0x4B400000));
    __m256 nf = _mm256_sub_ps(t, magic);
    __m256 r = _mm256_fmadd_ps(nf, _mm256_set1_ps(-0x1.7f7d1cp-20f),
                               _mm256_fmadd_ps(nf, _mm256_set1_ps(-0x1.62e4p-1f), x));
    __m256 p = _mm256_fmadd_ps(r, _mm256_set1_ps(0x1.6a1a72p-10f), _mm256_set1_ps(0x1.123fc6p-7f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(0x1.555916p-5f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(0x1.55548ap-3f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(0x1.fffffcp-2f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.0f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.0f));
    __m256i n1 = _mm256_srai_epi32(n, 1);
    __m256i n2 = _mm256_sub_epi32(n, n1);
    const __m256i bias = _mm256_set1_epi32(127);
    __m256 s1 = _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_add_epi32(n1, bias), 23));
    __m256 s2 = _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_add_epi32(n2, bias), 23));
    return _mm256_mul_ps(_mm256_mul_ps(p, s1), s2);
}

/* Math.max: NaN if either is; +0 over -0 (no other pair of equal floats differs). */
static inline float att_java_max(float a, float b) {
    if (a != a) {
        return a;
    }
    if (b != b) {
        return b;
    }
    if (a == 0.0f && b == 0.0f) {
        return signbit(a) ? b : a;
    }
    return a > b ? a : b;
}

/* Softmax.scaled over s[0, len), in place. */
static ATT_TARGET void att_softmax(float *s, int len, float scale) {
    int len8 = len - len % 8;
    __m256 scales = _mm256_set1_ps(scale);
    __m256 maxes = _mm256_set1_ps(-INFINITY);
    __m256 nans = _mm256_setzero_ps();
    for (int t = 0; t < len8; t += 8) {
        __m256 v = _mm256_mul_ps(_mm256_loadu_ps(s + t), scales);
        _mm256_storeu_ps(s + t, v);
        nans = _mm256_or_ps(nans, _mm256_cmp_ps(v, v, _CMP_UNORD_Q));
        maxes = _mm256_max_ps(maxes, v);
    }
    float lanes[8];
    _mm256_storeu_ps(lanes, maxes);
    float max = -INFINITY;
    for (int j = 0; j < 8; j++) {
        max = att_java_max(max, lanes[j]);
    }
    if (_mm256_movemask_ps(nans) != 0) {
        max = NAN;
    }
    for (int t = len8; t < len; t++) {
        float v = s[t] * scale;
        s[t] = v;
        max = att_java_max(max, v);
    }
    __m256 shift = _mm256_set1_ps(max);
    __m256 sums = _mm256_setzero_ps();
    for (int t = 0; t < len8; t += 8) {
        __m256 e = att_exp8(_mm256_sub_ps(_mm256_loadu_ps(s + t), shift));
        _mm256_storeu_ps(s + t, e);
        sums = _mm256_add_ps(sums, e);
    }
    float sum = att_lane_sum(sums);
    for (int t = len8; t < len; t++) {
        float e = att_exp1(s[t] - max);
        s[t] = e;
        sum += e;
    }
    float inv = 1.0f / sum;
    __m256 invs = _mm256_set1_ps(inv);
    for (int t = 0; t < len8; t += 8) {
        _mm256_storeu_ps(s + t, _mm256_mul_ps(_mm256_loadu_ps(s + t), invs));
    }
    for (int t = len8; t < len; t++) {
        s[t] *= inv;
    }
}

/* The dot product of q[0, len) with the stored row at kv + at. */
static ATT_INLINE float att_dot1(const float *q, const void *kv, size_t at, int len, int half) {
    int len8 = len - len % 8;
    __m256 a = _mm256_setzero_ps();
    for (int k = 0; k < len8; k += 8) {
        a = _mm256_fmadd_ps(_mm256_loadu_ps(q + k), att_load8(kv, at + k, half), a);
    }
    float s = att_lane_sum(a);
    for (int k = len8; k < len; k++) {
        s = fmaf(q[k], att_load1(kv, at + k, half), s);
    }
    return s;
}

/* Prefetches the bytes [from, to) of the keys or values of position t (if any) into L1. */
static ATT_INLINE void att_prefetch_span(const void *base, int half, const int32_t *table, int block_size,
                                         size_t kv_dim, size_t from, size_t to, int t, int n) {
    if (t < n) {
        size_t slot = (size_t) table[t / block_size] * block_size + t % block_size;
        const char *p = (const char *) base + (slot * kv_dim + from) * (half ? 2 : 4);
        const char *e = (const char *) base + (slot * kv_dim + to) * (half ? 2 : 4);
        for (; p < e; p += 64) {
            _mm_prefetch(p, _MM_HINT_T0);
        }
    }
}

/*
 * Scores of heads [ha, hb) of one row over positions [0, n): s[(h - ha) * n + t]. Slot by slot, the run's heads
 * together (four at a time), so that each slot's keys of the run are read as one stretch of memory.
 */
static ATT_INLINE void att_scores_run(const float *q, const void *keys, int half, const int32_t *table,
                                      int block_size, size_t kv_dim, int head_dim, int group, int ha, int hb, int n,
                                      float *s) {
    int len8 = head_dim - head_dim % 8;
    size_t from = (size_t) (ha / group) * head_dim;
    size_t to = (size_t) ((hb - 1) / group + 1) * head_dim;
    for (int t = 0; t < n; t++) {
        att_prefetch_span(keys, half, table, block_size, kv_dim, from, to, t + ATT_AHEAD, n);
        size_t row = ((size_t) table[t / block_size] * block_size + t % block_size) * kv_dim;
        int h = ha;
        for (; h + 4 <= hb; h += 4) {
            const float *q0 = q + (size_t) h * head_dim;
            const float *q1 = q0 + head_dim;
            const float *q2 = q1 + head_dim;
            const float *q3 = q2 + head_dim;
            size_t k0 = row + (size_t) (h / group) * head_dim;
            size_t k1 = row + (size_t) ((h + 1) / group) * head_dim;
            size_t k2 = row + (size_t) ((h + 2) / group) * head_dim;
            size_t k3 = row + (size_t) ((h + 3) / group) * head_dim;
            __m256 a0 = _mm256_setzero_ps();
            __m256 a1 = a0;
            __m256 a2 = a0;
            __m256 a3 = a0;
            for (int k = 0; k < len8; k += 8) {
                a0 = _mm256_fmadd_ps(_mm256_loadu_ps(q0 + k), att_load8(keys, k0 + k, half), a0);
                a1 = _mm256_fmadd_ps(_mm256_loadu_ps(q1 + k), att_load8(keys, k1 + k, half), a1);
                a2 = _mm256_fmadd_ps(_mm256_loadu_ps(q2 + k), att_load8(keys, k2 + k, half), a2);
                a3 = _mm256_fmadd_ps(_mm256_loadu_ps(q3 + k), att_load8(keys, k3 + k, half), a3);
            }
            float sums[4];
            _mm_storeu_ps(sums, att_lane_sums4(a0, a1, a2, a3));
            for (int j = 0; j < 4; j++) {
                const float *qj = q0 + (size_t) j * head_dim;
                size_t kj = row + (size_t) ((h + j) / group) * head_dim;
                float x = sums[j];
                for (int k = len8; k < head_dim; k++) {
                    x = fmaf(qj[k], att_load1(keys, kj + k, half), x);
                }
                s[(size_t) (h + j - ha) * n + t] = x;
            }
        }
        for (; h < hb; h++) {
            s[(size_t) (h - ha) * n + t] = att_dot1(q + (size_t) h * head_dim, keys,
                                                    row + (size_t) (h / group) * head_dim, head_dim, half);
        }
    }
}

/*
 * out[h * head_dim + k] = Σ_t w[(h - ha) * n + t] · value of head h at t, for heads [ha, hb), each element from +0
 * and its slots in increasing order; slot by slot, the run's heads together (the outputs stay in L1).
 */
static ATT_INLINE void att_values_run(const float *w, const void *values, int half, const int32_t *table,
                                      int block_size, size_t kv_dim, int head_dim, int group, int ha, int hb, int n,
                                      float *out) {
    int len8 = head_dim - head_dim % 8;
    size_t from = (size_t) (ha / group) * head_dim;
    size_t to = (size_t) ((hb - 1) / group + 1) * head_dim;
    memset(out + (size_t) ha * head_dim, 0, sizeof(float) * (size_t) (hb - ha) * head_dim);
    for (int t = 0; t < n; t++) {
        att_prefetch_span(values, half, table, block_size, kv_dim, from, to, t + ATT_AHEAD, n);
        size_t row = ((size_t) table[t / block_size] * block_size + t % block_size) * kv_dim;
        for (int h = ha; h < hb; h++) {
            float wt = w[(size_t) (h - ha) * n + t];
            __m256 a = _mm256_set1_ps(wt);
            float *o = out + (size_t) h * head_dim;
            size_t v = row + (size_t) (h / group) * head_dim;
            int k = 0;
            for (; k < len8; k += 8) {
                _mm256_storeu_ps(o + k, _mm256_fmadd_ps(a, att_load8(values, v + k, half), _mm256_loadu_ps(o + k)));
            }
            for (; k < head_dim; k++) {
                o[k] = fmaf(wt, att_load1(values, v + k, half), o[k]);
            }
        }
    }
}

/*
 * Tasks [start, end) of one layer (task = row * heads + head): row r attends over positions [0, rows[2r]] with
 * its block table at tables + rows[2r + 1]; queries and results at q/out + r * q_dim + head * head_dim. The
 * part's heads of one row go together (att_scores_run). scores holds at least heads * (the longest row's
 * position + 1) floats.
 */
static ATT_INLINE void attend(const void *keys, const void *values, int half, int kv_dim, int block_size,
                             const int32_t *rows, const int32_t *tables, const float *q, float *out, int heads,
                             int head_dim, int group, int q_dim, float scale, int start, int end, float *scores) {
    for (int task = start; task < end; ) {
        int r = task / heads;
        int ha = task % heads;
        int hb = end - task < heads - ha ? ha + (end - task) : heads;
        int n = rows[2 * r] + 1;
        const int32_t *table = tables + rows[2 * r + 1];
        const float *qr = q + (size_t) r * q_dim;
        float *outr = out + (size_t) r * q_dim;
        att_scores_run(qr, keys, half, table, block_size, kv_dim, head_dim, group, ha, hb, n, scores);
        for (int h = ha; h < hb; h++) {
            att_softmax(scores + (size_t) (h - ha) * n, n, scale);
        }
        att_values_run(scores, values, half, table, block_size, kv_dim, head_dim, group, ha, hb, n, outr);
        task += hb - ha;
    }
}
static ATT_TARGET void attend_f32(const float *keys, const float *values, int kv_dim, int block_size,
                                  const int32_t *rows, const int32_t *tables, const float *q, float *out, int heads,
                                  int head_dim, int group, int q_dim, float scale, int start, int end, float *scores) {
    attend(keys, values, 0, kv_dim, block_size, rows, tables, q, out, heads, head_dim, group, q_dim, scale, start,
           end, scores);
}

static ATT_TARGET void attend_f16(const uint16_t *keys, const uint16_t *values, int kv_dim, int block_size,
                                  const int32_t *rows, const int32_t *tables, const float *q, float *out, int heads,
                                  int head_dim, int group, int q_dim, float scale, int start, int end, float *scores) {
    attend(keys, values, 1, kv_dim, block_size, rows, tables, q, out, heads, head_dim, group, q_dim, scale, start,
           end, scores);
}
