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
 * The loops run block by block over all the heads a call has of one row, prefetching each head's rows of the
 * next block, so that a block's stretch of several heads is read from memory at once (one thread read a cold
 * cache at about 6 GB/s head by head over all blocks, 12 GB/s so, measured with AttentionBench) while a head's
 * query and outputs stay in registers over a block (a prompt's attention, in cache, is compute-bound); the order
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

/* Prefetches the row of one head (len values at at) into L1. */
static ATT_INLINE void att_prefetch_row(const void *base, int half, size_t at, int len) {
    const char *p = (const char *) base + at * (half ? 2 : 4);
    const char *e = p + (size_t) len * (half ? 2 : 4);
    for (; p < e; p += 64) {
        _mm_prefetch(p, _MM_HINT_T0);
    }
}

/*
 * The block of positions [t0, end) of a sequence (t0 a multiple of block_size, below n) and its first slot; the
 * next block's first slot and how many of its positions there are (ahead, 0 after the last block): their rows
 * are prefetched while this block is worked on.
 */
typedef struct {
    int end;
    size_t first;
    int ahead;
    size_t next;
} att_block;

static ATT_INLINE att_block att_block_at(const int32_t *table, int block_size, int n, int t0) {
    att_block b;
    b.end = t0 + block_size < n ? t0 + block_size : n;
    b.first = (size_t) table[t0 / block_size] * block_size;
    b.ahead = n - b.end < block_size ? n - b.end : block_size;
    b.next = b.ahead > 0 ? (size_t) table[t0 / block_size + 1] * block_size : 0;
    return b;
}

/*
 * Scores of heads [ha, hb) of one row over positions [0, n): s[(h - ha) * n + t]. Block by block, and within a
 * block head by head, four slots at a time; while a head works on a block, its rows of the next block are
 * prefetched (slots are kv_dim apart, too far apart for the hardware prefetchers to follow on their own).
 */
static ATT_INLINE void att_scores_run(const float *q, const void *keys, int half, const int32_t *table,
                                      int block_size, size_t kv_dim, int head_dim, int group, int ha, int hb, int n,
                                      float *s) {
    int len8 = head_dim - head_dim % 8;
    for (int t0 = 0; t0 < n; t0 += block_size) {
        att_block b = att_block_at(table, block_size, n, t0);
        for (int h = ha; h < hb; h++) {
            const float *qh = q + (size_t) h * head_dim;
            size_t head_offset = (size_t) (h / group) * head_dim;
            float *sh = s + (size_t) (h - ha) * n;
            int t = t0;
            for (; t + 4 <= b.end; t += 4) {
                for (int j = t - t0; j < t - t0 + 4 && j < b.ahead; j++) {
                    att_prefetch_row(keys, half, (b.next + j) * kv_dim + head_offset, head_dim);
                }
                size_t r0 = (b.first + (t - t0)) * kv_dim + head_offset;
                size_t r1 = r0 + kv_dim;
                size_t r2 = r1 + kv_dim;
                size_t r3 = r2 + kv_dim;
                __m256 a0 = _mm256_setzero_ps();
                __m256 a1 = a0;
                __m256 a2 = a0;
                __m256 a3 = a0;
                for (int k = 0; k < len8; k += 8) {
                    __m256 v = _mm256_loadu_ps(qh + k);
                    a0 = _mm256_fmadd_ps(v, att_load8(keys, r0 + k, half), a0);
                    a1 = _mm256_fmadd_ps(v, att_load8(keys, r1 + k, half), a1);
                    a2 = _mm256_fmadd_ps(v, att_load8(keys, r2 + k, half), a2);
                    a3 = _mm256_fmadd_ps(v, att_load8(keys, r3 + k, half), a3);
                }
                _mm_storeu_ps(sh + t, att_lane_sums4(a0, a1, a2, a3));
                if (len8 < head_dim) {
                    for (int j = 0; j < 4; j++) {
                        size_t row = r0 + j * kv_dim;
                        float x = sh[t + j];
                        for (int k = len8; k < head_dim; k++) {
                            x = fmaf(qh[k], att_load1(keys, row + k, half), x);
                        }
                        sh[t + j] = x;
                    }
                }
            }
            for (; t < b.end; t++) {
                int j = t - t0;
                if (j < b.ahead) {
                    att_prefetch_row(keys, half, (b.next + j) * kv_dim + head_offset, head_dim);
                }
                sh[t] = att_dot1(qh, keys, (b.first + j) * kv_dim + head_offset, head_dim, half);
            }
            for (int j = b.end - t0; j < b.ahead; j++) {
                att_prefetch_row(keys, half, (b.next + j) * kv_dim + head_offset, head_dim);
            }
        }
    }
}

/*
 * out[h * head_dim + k] = Σ_t w[(h - ha) * n + t] · value of head h at t, for heads [ha, hb), each element from +0
 * and its slots in increasing order. Block by block, and within a block head by head, with 32 (then 8) outputs
 * in registers over the block's slots; the head's rows of the next block are prefetched meanwhile.
 */
static ATT_INLINE void att_values_run(const float *w, const void *values, int half, const int32_t *table,
                                      int block_size, size_t kv_dim, int head_dim, int group, int ha, int hb, int n,
                                      float *out) {
    int len8 = head_dim - head_dim % 8;
    memset(out + (size_t) ha * head_dim, 0, sizeof(float) * (size_t) (hb - ha) * head_dim);
    for (int t0 = 0; t0 < n; t0 += block_size) {
        att_block b = att_block_at(table, block_size, n, t0);
        for (int h = ha; h < hb; h++) {
            const float *wh = w + (size_t) (h - ha) * n;
            float *o = out + (size_t) h * head_dim;
            size_t head_offset = (size_t) (h / group) * head_dim;
            for (int j = 0; j < b.ahead; j++) {
                att_prefetch_row(values, half, (b.next + j) * kv_dim + head_offset, head_dim);
            }
            int k = 0;
            for (; k + 32 <= len8; k += 32) {
                __m256 y0 = _mm256_loadu_ps(o + k);
                __m256 y1 = _mm256_loadu_ps(o + k + 8);
                __m256 y2 = _mm256_loadu_ps(o + k + 16);
                __m256 y3 = _mm256_loadu_ps(o + k + 24);
                for (int t = t0; t < b.end; t++) {
                    __m256 a = _mm256_set1_ps(wh[t]);
                    size_t row = (b.first + (t - t0)) * kv_dim + head_offset + k;
                    y0 = _mm256_fmadd_ps(a, att_load8(values, row, half), y0);
                    y1 = _mm256_fmadd_ps(a, att_load8(values, row + 8, half), y1);
                    y2 = _mm256_fmadd_ps(a, att_load8(values, row + 16, half), y2);
                    y3 = _mm256_fmadd_ps(a, att_load8(values, row + 24, half), y3);
                }
                _mm256_storeu_ps(o + k, y0);
                _mm256_storeu_ps(o + k + 8, y1);
                _mm256_storeu_ps(o + k + 16, y2);
                _mm256_storeu_ps(o + k + 24, y3);
            }
            for (; k < len8; k += 8) {
                __m256 y = _mm256_loadu_ps(o + k);
                for (int t = t0; t < b.end; t++) {
                    size_t row = (b.first + (t - t0)) * kv_dim + head_offset + k;
                    y = _mm256_fmadd_ps(_mm256_set1_ps(wh[t]), att_load8(values, row, half), y);
                }
                _mm256_storeu_ps(o + k, y);
            }
            for (; k < head_dim; k++) {
                float y = o[k];
                for (int t = t0; t < b.end; t++) {
                    y = fmaf(wh[t], att_load1(values, (b.first + (t - t0)) * kv_dim + head_offset + k, half), y);
                }
                o[k] = y;
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
