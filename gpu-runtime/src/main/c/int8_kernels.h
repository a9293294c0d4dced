/*
 * One instruction-set variant of the integer products, included once per variant by sluice_cpu.c with
 * SUFFIX (function name suffix) and DOT32 (32 unsigned bytes x 32 signed bytes -> eight int32 sums of four
 * adjacent products) defined. The float order is the one of io.sluice.tensor.cpu.Int8Kernel: per 32-element
 * block b, one or two fused multiply-adds into lane b % 8, the lanes summed ((a0+a1)+(a2+a3))+((a4+a5)+(a6+a7)).
 */

#define CAT2(a, b) a##_##b
#define CAT(a, b) CAT2(a, b)

/* Eight int32x8 vectors reduced to one vector of their eight totals (integer: any order gives the same). */
static TARGET inline __m256i CAT(hsum8, SUFFIX)(__m256i v0, __m256i v1, __m256i v2, __m256i v3,
                                                __m256i v4, __m256i v5, __m256i v6, __m256i v7) {
    __m256i h01 = _mm256_hadd_epi32(v0, v1);
    __m256i h23 = _mm256_hadd_epi32(v2, v3);
    __m256i h45 = _mm256_hadd_epi32(v4, v5);
    __m256i h67 = _mm256_hadd_epi32(v6, v7);
    __m256i h0123 = _mm256_hadd_epi32(h01, h23);
    __m256i h4567 = _mm256_hadd_epi32(h45, h67);
    return _mm256_add_epi32(_mm256_permute2x128_si256(h0123, h4567, 0x20),
                            _mm256_permute2x128_si256(h0123, h4567, 0x31));
}

/* Signed weights x signed activations, via |w| and x with w's sign (the AVX2 form; no saturation). */
static TARGET inline __m256i CAT(sdot, SUFFIX)(__m256i w, __m256i x) {
    return DOT32(_mm256_sign_epi8(w, w), _mm256_sign_epi8(x, w));
}

static TARGET inline float CAT(lanes, SUFFIX)(__m256 acc) {
    float a[8];
    _mm256_storeu_ps(a, acc);
    return lane_total(a);
}

/*
 * The fp16 scales of eight blocks blockBytes apart, as floats. The hardware conversion is exact for every
 * finite value and infinity, like half_to_float; it is read straight from the row, with no table lookups and
 * no store-to-load round trip through memory.
 */
static TARGET inline __m256 CAT(scales8, SUFFIX)(const uint8_t *first, int blockBytes) {
    __m256i idx = _mm256_mullo_epi32(_mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7), _mm256_set1_epi32(blockBytes));
    __m256i raw = _mm256_and_si256(_mm256_i32gather_epi32((const int *) first, idx, 1), _mm256_set1_epi32(0xffff));
    __m256i packed = _mm256_permute4x64_epi64(_mm256_packus_epi32(raw, raw), 0x08);
    return _mm256_cvtph_ps(_mm256_castsi256_si128(packed));
}

/* Q8_0 signed bytes w times activation bytes x: unsigned (w + 128) x (VNNI, corrected by 128 Σx) or sdot. */
#if Q8_UNSIGNED
#define Q8_DOT(w, x) DOT32(_mm256_xor_si256((w), _mm256_set1_epi8((char) 0x80)), (x))
#else
#define Q8_DOT(w, x) CAT(sdot, SUFFIX)((w), (x))
#endif

/* Q8_0 and Q4_0: blocks of 32 with an fp16 scale; blocks % 8 handled lane by lane. */
static TARGET void CAT(row_q8_0, SUFFIX)(const uint8_t *w, const int8_t *q, const float *dx, const int32_t *sx,
                                         int blocks, float *out) {
    __m256 acc = _mm256_setzero_ps();
    int b = 0;
    for (; b + 8 <= blocks; b += 8) {
        const uint8_t *blk = w + (size_t) b * 34;
        const int8_t *xq = q + (size_t) b * 32;
        __m256i v[8];
        for (int j = 0; j < 8; j++) {
            v[j] = Q8_DOT(_mm256_loadu_si256((const __m256i *) (blk + 34 * j + 2)),
                          _mm256_loadu_si256((const __m256i *) (xq + 32 * j)));
        }
        __m256i isum = CAT(hsum8, SUFFIX)(v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7]);
#if Q8_UNSIGNED
        isum = _mm256_sub_epi32(isum, _mm256_slli_epi32(_mm256_loadu_si256((const __m256i *) (sx + b)), 7));
#endif
        __m256 scale = _mm256_mul_ps(CAT(scales8, SUFFIX)(blk, 34), _mm256_loadu_ps(dx + b));
        acc = _mm256_fmadd_ps(scale, _mm256_cvtepi32_ps(isum), acc);
    }
    float a[8];
    _mm256_storeu_ps(a, acc);
    tail_q8_0(w, q, dx, b, blocks, a);
    *out = lane_total(a);
}

/* The 32 nibbles of a Q4_0 block as unsigned bytes 0..15 (its values are these minus 8). */
static TARGET inline __m256i CAT(q4_0_nibbles, SUFFIX)(const uint8_t *blk) {
    __m128i v = _mm_loadu_si128((const __m128i *) (blk + 2));
    __m128i m = _mm_set1_epi8(0x0f);
    return _mm256_set_m128i(_mm_and_si128(_mm_srli_epi16(v, 4), m), _mm_and_si128(v, m));
}

static TARGET inline __m256i CAT(q4_0_values, SUFFIX)(const uint8_t *blk) {
    return _mm256_sub_epi8(CAT(q4_0_nibbles, SUFFIX)(blk), _mm256_set1_epi8(8));
}

/* Σ (n - 8) x = Σ n x - 8 Σx: unsigned nibbles need no sign handling on either instruction set. */
static TARGET void CAT(row_q4_0, SUFFIX)(const uint8_t *w, const int8_t *q, const float *dx, const int32_t *sx,
                                         int blocks, float *out) {
    __m256 acc = _mm256_setzero_ps();
    int b = 0;
    for (; b + 8 <= blocks; b += 8) {
        const uint8_t *blk = w + (size_t) b * 18;
        const int8_t *xq = q + (size_t) b * 32;
        __m256i v[8];
        for (int j = 0; j < 8; j++) {
            v[j] = DOT32(CAT(q4_0_nibbles, SUFFIX)(blk + 18 * j), _mm256_loadu_si256((const __m256i *) (xq + 32 * j)));
        }
        __m256i isum = CAT(hsum8, SUFFIX)(v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7]);
        isum = _mm256_sub_epi32(isum, _mm256_slli_epi32(_mm256_loadu_si256((const __m256i *) (sx + b)), 3));
        __m256 scale = _mm256_mul_ps(CAT(scales8, SUFFIX)(blk, 18), _mm256_loadu_ps(dx + b));
        acc = _mm256_fmadd_ps(scale, _mm256_cvtepi32_ps(isum), acc);
    }
    float a[8];
    _mm256_storeu_ps(a, acc);
    tail_q4_q5(TYPE_Q4_0, w, q, dx, sx, b, blocks, a);
    *out = lane_total(a);
}

/*
 * The eight 6-bit scales and mins of a Q4_K/Q5_K super-block as int32 vectors, computed on the packed bytes
 * (four at a time in 32-bit words) rather than one by one through memory.
 */
static TARGET inline void CAT(k_scales8, SUFFIX)(const uint8_t *s, __m256i *sc, __m256i *mn) {
    uint32_t s0, s1, s2;
    memcpy(&s0, s, 4);
    memcpy(&s1, s + 4, 4);
    memcpy(&s2, s + 8, 4);
    uint32_t sc_lo = s0 & 0x3f3f3f3fu;
    uint32_t mn_lo = s1 & 0x3f3f3f3fu;
    uint32_t sc_hi = (s2 & 0x0f0f0f0fu) | (((s0 >> 6) & 0x03030303u) << 4);
    uint32_t mn_hi = ((s2 >> 4) & 0x0f0f0f0fu) | (((s1 >> 6) & 0x03030303u) << 4);
    *sc = _mm256_cvtepu8_epi32(_mm_cvtsi64_si128((long long) ((uint64_t) sc_hi << 32 | sc_lo)));
    *mn = _mm256_cvtepu8_epi32(_mm_cvtsi64_si128((long long) ((uint64_t) mn_hi << 32 | mn_lo)));
}

/*
 * Q4_K/Q5_K: one super-block's eight sub-block integer sums times their 6-bit scales (d·dx each), minus the
 * sub-blocks' activation sums times their 6-bit mins (dmin·dx each), added to acc lane by lane.
 */
static TARGET inline __m256 CAT(k_affine_acc, SUFFIX)(const uint8_t *blk, __m256i isum, const int32_t *sx8,
                                                      const float *dx8, __m256 acc) {
    __m256i sc, mn;
    CAT(k_scales8, SUFFIX)(blk + 4, &sc, &mn);
    __m256i scaled = _mm256_mullo_epi32(isum, sc);
    __m256i mins = _mm256_mullo_epi32(_mm256_loadu_si256((const __m256i *) sx8), mn);
    __m256 dxv = _mm256_loadu_ps(dx8);
    int32_t dm_bits;
    memcpy(&dm_bits, blk, 4);
    __m128 dm = _mm_cvtph_ps(_mm_cvtsi32_si128(dm_bits));
    __m256 d = _mm256_mul_ps(_mm256_broadcastss_ps(dm), dxv);
    __m256 dmin = _mm256_mul_ps(_mm256_broadcastss_ps(_mm_movehdup_ps(dm)), dxv);
    acc = _mm256_fmadd_ps(d, _mm256_cvtepi32_ps(scaled), acc);
    return _mm256_fmadd_ps(_mm256_xor_ps(dmin, _mm256_set1_ps(-0.0f)), _mm256_cvtepi32_ps(mins), acc);
}

/* Q4_K: super-blocks of 256 = eight blocks, sub-block j in lane j. */
static TARGET void CAT(row_q4_k, SUFFIX)(const uint8_t *w, const int8_t *q, const float *dx, const int32_t *sx,
                                         int blocks, float *out) {
    __m256 acc = _mm256_setzero_ps();
    const __m256i m4 = _mm256_set1_epi8(0x0f);
    for (int sb = 0; sb < blocks / 8; sb++) {
        const uint8_t *blk = w + (size_t) sb * 144;
        const int8_t *xq = q + (size_t) sb * 256;
        __m256i v[8];
        for (int j = 0; j < 4; j++) {
            __m256i raw = _mm256_loadu_si256((const __m256i *) (blk + 16 + 32 * j));
            v[2 * j] = DOT32(_mm256_and_si256(raw, m4), _mm256_loadu_si256((const __m256i *) (xq + 64 * j)));
            v[2 * j + 1] = DOT32(_mm256_and_si256(_mm256_srli_epi16(raw, 4), m4),
                                 _mm256_loadu_si256((const __m256i *) (xq + 64 * j + 32)));
        }
        acc = CAT(k_affine_acc, SUFFIX)(blk, CAT(hsum8, SUFFIX)(v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7]),
                                       sx + sb * 8, dx + sb * 8, acc);
    }
    *out = CAT(lanes, SUFFIX)(acc);
}

/* The 32 five-bit values of a Q5_0/Q5_1 block as unsigned bytes: nibbles at qs, fifth bits in the word qh. */
static TARGET inline __m256i CAT(q5_values, SUFFIX)(const uint8_t *qs, const uint8_t *qh) {
    uint32_t bits;
    memcpy(&bits, qh, 4);
    __m128i v = _mm_loadu_si128((const __m128i *) qs);
    __m128i m = _mm_set1_epi8(0x0f);
    __m256i n = _mm256_set_m128i(_mm_and_si128(_mm_srli_epi16(v, 4), m), _mm_and_si128(v, m));
    /* Byte e takes byte e / 8 of the word, then its bit e % 8. */
    __m256i spread = _mm256_shuffle_epi8(_mm256_set1_epi32((int) bits),
            _mm256_setr_epi8(0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1,
                             2, 2, 2, 2, 2, 2, 2, 2, 3, 3, 3, 3, 3, 3, 3, 3));
    __m256i bit = _mm256_set1_epi64x((long long) 0x8040201008040201ull);
    __m256i set = _mm256_cmpeq_epi8(_mm256_and_si256(spread, bit), bit);
    return _mm256_or_si256(n, _mm256_and_si256(set, _mm256_set1_epi8(0x10)));
}

/* Q5_0 (value d (n - 16)) and Q5_1 (d n + m): Σ n x, less 16 Σx for Q5_0, plus m dx Σx for Q5_1. */
static TARGET void CAT(row_q5, SUFFIX)(int type, const uint8_t *w, const int8_t *q, const float *dx,
                                       const int32_t *sx, int blocks, float *out) {
    const int one = type == TYPE_Q5_1;
    const int bb = one ? 24 : 22;
    const int qh_at = one ? 4 : 2;
    __m256 acc = _mm256_setzero_ps();
    int b = 0;
    for (; b + 8 <= blocks; b += 8) {
        const uint8_t *blk = w + (size_t) b * bb;
        const int8_t *xq = q + (size_t) b * 32;
        __m256i v[8];
        for (int j = 0; j < 8; j++) {
            v[j] = DOT32(CAT(q5_values, SUFFIX)(blk + bb * j + qh_at + 4, blk + bb * j + qh_at),
                         _mm256_loadu_si256((const __m256i *) (xq + 32 * j)));
        }
        __m256i isum = CAT(hsum8, SUFFIX)(v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7]);
        __m256i sxv = _mm256_loadu_si256((const __m256i *) (sx + b));
        __m256 dxv = _mm256_loadu_ps(dx + b);
        if (!one) {
            isum = _mm256_sub_epi32(isum, _mm256_slli_epi32(sxv, 4));
        }
        acc = _mm256_fmadd_ps(_mm256_mul_ps(CAT(scales8, SUFFIX)(blk, bb), dxv), _mm256_cvtepi32_ps(isum), acc);
        if (one) {
            acc = _mm256_fmadd_ps(_mm256_mul_ps(CAT(scales8, SUFFIX)(blk + 2, bb), dxv), _mm256_cvtepi32_ps(sxv), acc);
        }
    }
    float a[8];
    _mm256_storeu_ps(a, acc);
    tail_q4_q5(type, w, q, dx, sx, b, blocks, a);
    *out = lane_total(a);
}

/* Q5_K: Q4_K's layout with a fifth bit per element, bit j of qh[l] for element l of sub-block j. */
static TARGET void CAT(row_q5_k, SUFFIX)(const uint8_t *w, const int8_t *q, const float *dx, const int32_t *sx,
                                         int blocks, float *out) {
    __m256 acc = _mm256_setzero_ps();
    const __m256i m4 = _mm256_set1_epi8(0x0f);
    const __m256i one = _mm256_set1_epi8(1);
    for (int sb = 0; sb < blocks / 8; sb++) {
        const uint8_t *blk = w + (size_t) sb * 176;
        const int8_t *xq = q + (size_t) sb * 256;
        __m256i qh = _mm256_loadu_si256((const __m256i *) (blk + 16));
        __m256i v[8];
        for (int j = 0; j < 4; j++) {
            __m256i raw = _mm256_loadu_si256((const __m256i *) (blk + 48 + 32 * j));
            __m256i h0 = _mm256_slli_epi16(_mm256_and_si256(_mm256_srli_epi16(qh, 2 * j), one), 4);
            __m256i h1 = _mm256_slli_epi16(_mm256_and_si256(_mm256_srli_epi16(qh, 2 * j + 1), one), 4);
            v[2 * j] = DOT32(_mm256_or_si256(_mm256_and_si256(raw, m4), h0),
                             _mm256_loadu_si256((const __m256i *) (xq + 64 * j)));
            v[2 * j + 1] = DOT32(_mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(raw, 4), m4), h1),
                                 _mm256_loadu_si256((const __m256i *) (xq + 64 * j + 32)));
        }
        acc = CAT(k_affine_acc, SUFFIX)(blk, CAT(hsum8, SUFFIX)(v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7]),
                                       sx + sb * 8, dx + sb * 8, acc);
    }
    *out = CAT(lanes, SUFFIX)(acc);
}

/*
 * Q6_K: block j = 4 * half + quarter, its two 16-element halves with their own 8-bit scales. With the
 * unsigned 6-bit values n (value n - 32): Σ sc (n - 32) x = Σ sc n x - 32 Σ sc Σx, where hx holds the sums of
 * the activations' 16-element halves; the scales are applied to 16-bit pair sums before any reduction.
 */
static TARGET void CAT(row_q6_k, SUFFIX)(const uint8_t *w, const int8_t *q, const float *dx, const int16_t *hx,
                                         int blocks, float *out) {
    __m256 acc = _mm256_setzero_ps();
    const __m256i m4 = _mm256_set1_epi8(0x0f);
    const __m256i m2 = _mm256_set1_epi8(0x03);
    /* Within each 128-bit lane: int16 0 of the pair (low lane), int16 1 (high lane), repeated. */
    const __m256i spread = _mm256_setr_epi8(0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1,
                                            2, 3, 2, 3, 2, 3, 2, 3, 2, 3, 2, 3, 2, 3, 2, 3);
    for (int sb = 0; sb < blocks / 8; sb++) {
        const uint8_t *blk = w + (size_t) sb * 210;
        const int8_t *xq = q + (size_t) sb * 256;
        __m256i sc16 = _mm256_cvtepi8_epi16(_mm_loadu_si128((const __m128i *) (blk + 192)));
        __m256i v[8];
        for (int half = 0; half < 2; half++) {
            __m256i ql0 = _mm256_loadu_si256((const __m256i *) (blk + 64 * half));
            __m256i ql1 = _mm256_loadu_si256((const __m256i *) (blk + 64 * half + 32));
            __m256i qh = _mm256_loadu_si256((const __m256i *) (blk + 128 + 32 * half));
            for (int quarter = 0; quarter < 4; quarter++) {
                __m256i ql = (quarter % 2) ? ql1 : ql0;
                __m256i lo = quarter < 2 ? _mm256_and_si256(ql, m4)
                                         : _mm256_and_si256(_mm256_srli_epi16(ql, 4), m4);
                __m256i hi = _mm256_and_si256(_mm256_srli_epi16(qh, 2 * quarter), m2);
                __m256i n = _mm256_or_si256(lo, _mm256_slli_epi16(hi, 4));
                int j = 4 * half + quarter;
                __m256i pair = _mm256_shuffle_epi8(_mm256_permutevar8x32_epi32(sc16, _mm256_set1_epi32(j)), spread);
                __m256i p16 = _mm256_maddubs_epi16(n, _mm256_loadu_si256((const __m256i *) (xq + 32 * j)));
                v[j] = _mm256_madd_epi16(p16, pair);
            }
        }
        __m256i isum = CAT(hsum8, SUFFIX)(v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7]);
        __m256i corr = _mm256_madd_epi16(_mm256_loadu_si256((const __m256i *) (hx + sb * 16)), sc16);
        isum = _mm256_sub_epi32(isum, _mm256_slli_epi32(corr, 5));
        __m256 d = _mm256_mul_ps(_mm256_set1_ps(half_to_float(blk + 208)), _mm256_loadu_ps(dx + sb * 8));
        acc = _mm256_fmadd_ps(d, _mm256_cvtepi32_ps(isum), acc);
    }
    *out = CAT(lanes, SUFFIX)(acc);
}

/*
 * Batched rows. Each weight row is unpacked once into signed 8-bit values and their absolute values, and every
 * group of eight blocks is transposed in 4-byte steps (step k holds bytes 4k..4k+3 of the eight blocks, one
 * per 32-bit lane), as are the activation rows once per call: eight dot instructions then leave each block's
 * integer sum in its own lane, with no horizontal reduction. Steps 0-3 cover the low 16 elements of every
 * block, steps 4-7 the high ones (Q6_K's two scales). Same integers, same float order as the single-row kernels.
 */
typedef struct {
    int8_t *w;       /* cols signed values, plain (for blocks after the last whole group) */
    int8_t *wt;      /* the same, transposed per group of eight blocks */
    int8_t *awt;     /* |wt| */
    int32_t *lo;     /* per block: scale of elements 0..15 */
    int32_t *hi;     /* per block: scale of elements 16..31 */
    float *d;        /* per block */
    float *m;        /* per block (Q4_K) */
    int32_t *mins;   /* per block (Q4_K) */
} CAT(unpacked, SUFFIX);

/* out[k] lane b = in[b] lane k. */
static TARGET inline void CAT(transpose8, SUFFIX)(const __m256i *r, __m256i *out) {
    __m256i t0 = _mm256_unpacklo_epi32(r[0], r[1]), t1 = _mm256_unpackhi_epi32(r[0], r[1]);
    __m256i t2 = _mm256_unpacklo_epi32(r[2], r[3]), t3 = _mm256_unpackhi_epi32(r[2], r[3]);
    __m256i t4 = _mm256_unpacklo_epi32(r[4], r[5]), t5 = _mm256_unpackhi_epi32(r[4], r[5]);
    __m256i t6 = _mm256_unpacklo_epi32(r[6], r[7]), t7 = _mm256_unpackhi_epi32(r[6], r[7]);
    __m256i u0 = _mm256_unpacklo_epi64(t0, t2), u1 = _mm256_unpackhi_epi64(t0, t2);
    __m256i u2 = _mm256_unpacklo_epi64(t1, t3), u3 = _mm256_unpackhi_epi64(t1, t3);
    __m256i u4 = _mm256_unpacklo_epi64(t4, t6), u5 = _mm256_unpackhi_epi64(t4, t6);
    __m256i u6 = _mm256_unpacklo_epi64(t5, t7), u7 = _mm256_unpackhi_epi64(t5, t7);
    out[0] = _mm256_permute2x128_si256(u0, u4, 0x20);
    out[1] = _mm256_permute2x128_si256(u1, u5, 0x20);
    out[2] = _mm256_permute2x128_si256(u2, u6, 0x20);
    out[3] = _mm256_permute2x128_si256(u3, u7, 0x20);
    out[4] = _mm256_permute2x128_si256(u0, u4, 0x31);
    out[5] = _mm256_permute2x128_si256(u1, u5, 0x31);
    out[6] = _mm256_permute2x128_si256(u2, u6, 0x31);
    out[7] = _mm256_permute2x128_si256(u3, u7, 0x31);
}

/* Transposes the whole groups of eight blocks of one row of n values (src and dst may not overlap). */
static TARGET void CAT(transpose_row, SUFFIX)(const int8_t *src, int8_t *dst, int blocks) {
    for (int g = 0; g + 8 <= blocks; g += 8) {
        __m256i r[8];
        __m256i t[8];
        for (int j = 0; j < 8; j++) {
            r[j] = _mm256_loadu_si256((const __m256i *) (src + 32 * (g + j)));
        }
        CAT(transpose8, SUFFIX)(r, t);
        for (int k = 0; k < 8; k++) {
            _mm256_storeu_si256((__m256i *) (dst + 32 * (g + k)), t[k]);
        }
    }
}

/* The 32 values of sub-block j of a Q4_K super-block, unsigned 0..15. */
static TARGET inline __m256i CAT(q4_k_values, SUFFIX)(const uint8_t *blk, int j) {
    const __m256i m4 = _mm256_set1_epi8(0x0f);
    __m256i raw = _mm256_loadu_si256((const __m256i *) (blk + 16 + 32 * (j / 2)));
    return (j % 2) ? _mm256_and_si256(_mm256_srli_epi16(raw, 4), m4) : _mm256_and_si256(raw, m4);
}

/* The 32 values of sub-block j of a Q5_K super-block, unsigned 0..31. */
static TARGET inline __m256i CAT(q5_k_values, SUFFIX)(const uint8_t *blk, int j) {
    const __m256i m4 = _mm256_set1_epi8(0x0f);
    __m256i raw = _mm256_loadu_si256((const __m256i *) (blk + 48 + 32 * (j / 2)));
    __m256i nib = (j % 2) ? _mm256_and_si256(_mm256_srli_epi16(raw, 4), m4) : _mm256_and_si256(raw, m4);
    __m256i hb = _mm256_and_si256(_mm256_srli_epi16(_mm256_loadu_si256((const __m256i *) (blk + 16)), j),
                                  _mm256_set1_epi8(1));
    return _mm256_or_si256(nib, _mm256_slli_epi16(hb, 4));
}

/* The 32 values of 32-element block j of a Q6_K super-block, signed -32..31, and the scales of its halves. */
static TARGET inline __m256i CAT(q6_k_values, SUFFIX)(const uint8_t *blk, int j, int *lo, int *hi) {
    const __m256i m4 = _mm256_set1_epi8(0x0f);
    int half = j / 4;
    int quarter = j % 4;
    __m256i ql = _mm256_loadu_si256((const __m256i *) (blk + 64 * half + 32 * (quarter % 2)));
    __m256i qh = _mm256_loadu_si256((const __m256i *) (blk + 128 + 32 * half));
    __m256i nib = quarter < 2 ? _mm256_and_si256(ql, m4) : _mm256_and_si256(_mm256_srli_epi16(ql, 4), m4);
    __m256i hb = _mm256_and_si256(_mm256_srli_epi16(qh, 2 * quarter), _mm256_set1_epi8(0x03));
    const int8_t *scales = (const int8_t *) (blk + 192);
    *lo = scales[8 * half + 2 * quarter];
    *hi = scales[8 * half + 2 * quarter + 1];
    return _mm256_sub_epi8(_mm256_or_si256(nib, _mm256_slli_epi16(hb, 4)), _mm256_set1_epi8(32));
}

/*
 * Unpacks one weight row. With unsigned_form, awt receives the transposed values plus the type's offset
 * (Q8_0 128, Q4_0 8, Q5_0 16, Q6_K 32, others 0: all bytes 0..255) for the tiled kernel instead of their absolute values.
 */
static TARGET void CAT(unpack_row, SUFFIX)(int type, const uint8_t *row, int blocks, CAT(unpacked, SUFFIX) *u,
                                           int unsigned_form) {
    int32_t sc[8] = {0};
    int32_t mn[8] = {0};
    for (int b = 0; b < blocks; b++) {
        __m256i v;
        int lo = 1, hi = 1;
        if (type == TYPE_Q8_0) {
            const uint8_t *blk = row + (size_t) b * 34;
            u->d[b] = half_to_float(blk);
            v = _mm256_loadu_si256((const __m256i *) (blk + 2));
        } else if (type == TYPE_Q4_0) {
            const uint8_t *blk = row + (size_t) b * 18;
            u->d[b] = half_to_float(blk);
            v = CAT(q4_0_values, SUFFIX)(blk);
        } else if (type == TYPE_Q4_K) {
            const uint8_t *blk = row + (size_t) (b / 8) * 144;
            int j = b % 8;
            if (j == 0) {
                k_scales(blk + 4, sc, mn);
            }
            v = CAT(q4_k_values, SUFFIX)(blk, j);
            lo = hi = sc[j];
            u->d[b] = half_to_float(blk);
            u->m[b] = half_to_float(blk + 2);
            u->mins[b] = mn[j];
        } else if (type == TYPE_Q5_0 || type == TYPE_Q5_1) {
            const int one = type == TYPE_Q5_1;
            const uint8_t *blk = row + (size_t) b * (one ? 24 : 22);
            u->d[b] = half_to_float(blk);
            u->m[b] = one ? half_to_float(blk + 2) : 0.0f;
            v = CAT(q5_values, SUFFIX)(blk + (one ? 8 : 6), blk + (one ? 4 : 2));
            if (!one) {
                v = _mm256_sub_epi8(v, _mm256_set1_epi8(16));
            }
        } else if (type == TYPE_Q5_K) {
            const uint8_t *blk = row + (size_t) (b / 8) * 176;
            int j = b % 8;
            if (j == 0) {
                k_scales(blk + 4, sc, mn);
            }
            v = CAT(q5_k_values, SUFFIX)(blk, j);
            lo = hi = sc[j];
            u->d[b] = half_to_float(blk);
            u->m[b] = half_to_float(blk + 2);
            u->mins[b] = mn[j];
        } else {
            const uint8_t *blk = row + (size_t) (b / 8) * 210;
            v = CAT(q6_k_values, SUFFIX)(blk, b % 8, &lo, &hi);
            u->d[b] = half_to_float(blk + 208);
        }
        _mm256_storeu_si256((__m256i *) (u->w + 32 * b), v);
        u->lo[b] = lo;
        u->hi[b] = hi;
    }
    CAT(transpose_row, SUFFIX)(u->w, u->wt, blocks);
    const __m256i off = _mm256_set1_epi8((char) type_offset(type));
    for (int g = 0; g + 8 <= blocks; g += 8) {
        for (int k = 0; k < 8; k++) {
            __m256i t = _mm256_loadu_si256((const __m256i *) (u->wt + 32 * (g + k)));
            _mm256_storeu_si256((__m256i *) (u->awt + 32 * (g + k)),
                                unsigned_form ? _mm256_add_epi8(t, off) : _mm256_sign_epi8(t, t));
        }
    }
}

/* One activation row (xt: transposed groups, xq: plain) against an unpacked weight row. */
static TARGET float CAT(dot_unpacked, SUFFIX)(int type, const CAT(unpacked, SUFFIX) *u, const int8_t *xt,
                                              const int8_t *xq, const float *dx, const int32_t *sx, int blocks) {
    __m256 acc = _mm256_setzero_ps();
    const __m256 neg = _mm256_set1_ps(-0.0f);
    /* Q8_0 and Q4_0 blocks have no integer sub-scales (all 1): the multiplies are skipped, the sums are equal. */
    const int scaled = type == TYPE_Q4_K || type == TYPE_Q6_K;
    int b = 0;
    for (; b + 8 <= blocks; b += 8) {
        __m256i lo = _mm256_setzero_si256();
        __m256i hi = _mm256_setzero_si256();
        for (int k = 0; k < 8; k++) {
            __m256i w = _mm256_loadu_si256((const __m256i *) (u->wt + 32 * (b + k)));
            __m256i x = _mm256_sign_epi8(_mm256_loadu_si256((const __m256i *) (xt + 32 * (b + k))), w);
            __m256i p = DOT32(_mm256_loadu_si256((const __m256i *) (u->awt + 32 * (b + k))), x);
            if (k < 4) {
                lo = _mm256_add_epi32(lo, p);
            } else {
                hi = _mm256_add_epi32(hi, p);
            }
        }
        __m256i isum = scaled
                ? _mm256_add_epi32(_mm256_mullo_epi32(lo, _mm256_loadu_si256((const __m256i *) (u->lo + b))),
                                   _mm256_mullo_epi32(hi, _mm256_loadu_si256((const __m256i *) (u->hi + b))))
                : _mm256_add_epi32(lo, hi);
        __m256 dxv = _mm256_loadu_ps(dx + b);
        acc = _mm256_fmadd_ps(_mm256_mul_ps(_mm256_loadu_ps(u->d + b), dxv), _mm256_cvtepi32_ps(isum), acc);
        if (type == TYPE_Q4_K) {
            __m256i mins = _mm256_mullo_epi32(_mm256_loadu_si256((const __m256i *) (sx + b)),
                                              _mm256_loadu_si256((const __m256i *) (u->mins + b)));
            acc = _mm256_fmadd_ps(_mm256_xor_ps(_mm256_mul_ps(_mm256_loadu_ps(u->m + b), dxv), neg),
                                  _mm256_cvtepi32_ps(mins), acc);
        }
    }
    float a[8];
    _mm256_storeu_ps(a, acc);
    for (; b < blocks; b++) {
        /* Only Q8_0 and Q4_0 rows end off a multiple of eight blocks. */
        int isum = 0;
        for (int k = 0; k < 32; k++) {
            isum += u->w[32 * b + k] * xq[32 * b + k];
        }
        a[b % 8] = fmaf(u->d[b] * dx[b], (float) isum, a[b % 8]);
    }
    return lane_total(a);
}

/*
 * The tiled product of the batched path: R unpacked weight rows (their unsigned transposed values in awt)
 * against I transposed activation rows. Each weight and activation vector loaded feeds R x I integer dot
 * instructions into R x I accumulators (block b of a group in lane b); the offsets come off as integers,
 * Σ (u - o) x = Σ u x - o Σx, and the floats follow the same order as the single-row kernels. R, I and type
 * are constants at every call, so the loops unroll and the accumulators stay in registers.
 */
static TARGET inline __attribute__((always_inline)) void CAT(tile, SUFFIX)(
        const int type, const int R, const int I, CAT(unpacked, SUFFIX) *const *u, const int8_t *xt,
        const int8_t *xq, const float *dx, const int32_t *sx, const int32_t *hlo, const int32_t *hhi, int cols,
        int blocks, float *out, int out_stride, int out_offset, int r0) {
    __m256 facc[4][TILE_I];
#pragma GCC unroll 4
    for (int r = 0; r < R; r++) {
#pragma GCC unroll 4
        for (int i = 0; i < I; i++) {
            facc[r][i] = _mm256_setzero_ps();
        }
    }
    const __m256 neg = _mm256_set1_ps(-0.0f);
    int b = 0;
    for (; b + 8 <= blocks; b += 8) {
        __m256i acc[4][TILE_I];
        __m256i lo[4][TILE_I];
        const int8_t *wp[4];
        const int8_t *xp[TILE_I];
#pragma GCC unroll 4
        for (int r = 0; r < R; r++) {
            wp[r] = u[r]->awt + 32 * b;
        }
#pragma GCC unroll 4
        for (int i = 0; i < I; i++) {
            xp[i] = xt + (size_t) i * cols + 32 * b;
        }
#pragma GCC unroll 4
        for (int r = 0; r < R; r++) {
#pragma GCC unroll 4
            for (int i = 0; i < I; i++) {
                acc[r][i] = _mm256_setzero_si256();
                lo[r][i] = _mm256_setzero_si256();
            }
        }
#pragma GCC unroll 8
        for (int k = 0; k < 8; k++) {
            if (type == TYPE_Q6_K && k == 4) {
#pragma GCC unroll 4
                for (int r = 0; r < R; r++) {
#pragma GCC unroll 4
                    for (int i = 0; i < I; i++) {
                        lo[r][i] = acc[r][i];
                        acc[r][i] = _mm256_setzero_si256();
                    }
                }
            }
            __m256i wv[4];
#pragma GCC unroll 4
            for (int r = 0; r < R; r++) {
                wv[r] = _mm256_loadu_si256((const __m256i *) (wp[r] + 32 * k));
            }
#pragma GCC unroll 4
            for (int i = 0; i < I; i++) {
                __m256i x = _mm256_loadu_si256((const __m256i *) (xp[i] + 32 * k));
#pragma GCC unroll 4
                for (int r = 0; r < R; r++) {
                    acc[r][i] = DPBUSD(acc[r][i], wv[r], x);
                }
            }
        }
#pragma GCC unroll 4
        for (int i = 0; i < I; i++) {
            __m256 dxv = _mm256_loadu_ps(dx + (size_t) i * blocks + b);
            __m256i sxv = _mm256_loadu_si256((const __m256i *) (sx + (size_t) i * blocks + b));
#pragma GCC unroll 4
            for (int r = 0; r < R; r++) {
                __m256i isum;
                if (type == TYPE_Q8_0) {
                    isum = _mm256_sub_epi32(acc[r][i], _mm256_slli_epi32(sxv, 7));
                } else if (type == TYPE_Q4_0) {
                    isum = _mm256_sub_epi32(acc[r][i], _mm256_slli_epi32(sxv, 3));
                } else if (type == TYPE_Q5_0) {
                    isum = _mm256_sub_epi32(acc[r][i], _mm256_slli_epi32(sxv, 4));
                } else if (type == TYPE_Q5_1) {
                    isum = acc[r][i];
                } else if (type == TYPE_Q4_K || type == TYPE_Q5_K) {
                    isum = _mm256_mullo_epi32(acc[r][i], _mm256_loadu_si256((const __m256i *) (u[r]->lo + b)));
                } else {
                    __m256i l = _mm256_sub_epi32(lo[r][i], _mm256_slli_epi32(
                            _mm256_loadu_si256((const __m256i *) (hlo + (size_t) i * blocks + b)), 5));
                    __m256i h = _mm256_sub_epi32(acc[r][i], _mm256_slli_epi32(
                            _mm256_loadu_si256((const __m256i *) (hhi + (size_t) i * blocks + b)), 5));
                    isum = _mm256_add_epi32(
                            _mm256_mullo_epi32(l, _mm256_loadu_si256((const __m256i *) (u[r]->lo + b))),
                            _mm256_mullo_epi32(h, _mm256_loadu_si256((const __m256i *) (u[r]->hi + b))));
                }
                __m256 f = facc[r][i];
                f = _mm256_fmadd_ps(_mm256_mul_ps(_mm256_loadu_ps(u[r]->d + b), dxv), _mm256_cvtepi32_ps(isum), f);
                if (type == TYPE_Q5_1) {
                    f = _mm256_fmadd_ps(_mm256_mul_ps(_mm256_loadu_ps(u[r]->m + b), dxv), _mm256_cvtepi32_ps(sxv), f);
                }
                if (type == TYPE_Q4_K || type == TYPE_Q5_K) {
                    __m256i mins = _mm256_mullo_epi32(sxv, _mm256_loadu_si256((const __m256i *) (u[r]->mins + b)));
                    f = _mm256_fmadd_ps(_mm256_xor_ps(_mm256_mul_ps(_mm256_loadu_ps(u[r]->m + b), dxv), neg),
                                        _mm256_cvtepi32_ps(mins), f);
                }
                facc[r][i] = f;
            }
        }
    }
    for (int r = 0; r < R; r++) {
        for (int i = 0; i < I; i++) {
            float a[8];
            _mm256_storeu_ps(a, facc[r][i]);
            for (int t = b; t < blocks; t++) {
                /* Only rows of 32-element blocks end off a multiple of eight blocks. */
                int isum = 0;
                for (int k = 0; k < 32; k++) {
                    isum += u[r]->w[32 * t + k] * xq[(size_t) i * cols + 32 * t + k];
                }
                a[t % 8] = fmaf(u[r]->d[t] * dx[(size_t) i * blocks + t], (float) isum, a[t % 8]);
                if (type == TYPE_Q5_1) {
                    a[t % 8] = fmaf(u[r]->m[t] * dx[(size_t) i * blocks + t], (float) sx[(size_t) i * blocks + t],
                                    a[t % 8]);
                }
            }
            out[(size_t) i * out_stride + out_offset + r0 + r] =
                    lane_total(a);
        }
    }
}

/* Rows [r0, r0 + R) against every activation row, TILE_I at a time; type and R constants. */
static TARGET inline __attribute__((always_inline)) void CAT(tile_rows, SUFFIX)(
        const int type, const int R, CAT(unpacked, SUFFIX) *const *u, const int8_t *xt, const int8_t *q,
        const float *d, const int32_t *s, const int32_t *hlo, const int32_t *hhi, int n, int cols, int blocks,
        float *out, int out_stride, int out_offset, int r0) {
    int i = 0;
    for (; i + TILE_I <= n; i += TILE_I) {
        CAT(tile, SUFFIX)(type, R, TILE_I, u, xt + (size_t) i * cols, q + (size_t) i * cols, d + (size_t) i * blocks,
                          s + (size_t) i * blocks, hlo + (size_t) i * blocks, hhi + (size_t) i * blocks, cols, blocks,
                          out + (size_t) i * out_stride, out_stride, out_offset, r0);
    }
    for (; i < n; i++) {
        CAT(tile, SUFFIX)(type, R, 1, u, xt + (size_t) i * cols, q + (size_t) i * cols, d + (size_t) i * blocks,
                          s + (size_t) i * blocks, hlo + (size_t) i * blocks, hhi + (size_t) i * blocks, cols, blocks,
                          out + (size_t) i * out_stride, out_stride, out_offset, r0);
    }
}

#define TILE_TYPES(R) \
    switch (type) { \
        case TYPE_Q8_0: CAT(tile_rows, SUFFIX)(TYPE_Q8_0, R, u, xt, q, d, s, hlo, hhi, n, cols, blocks, out, out_stride, out_offset, r0); break; \
        case TYPE_Q4_0: CAT(tile_rows, SUFFIX)(TYPE_Q4_0, R, u, xt, q, d, s, hlo, hhi, n, cols, blocks, out, out_stride, out_offset, r0); break; \
        case TYPE_Q4_K: CAT(tile_rows, SUFFIX)(TYPE_Q4_K, R, u, xt, q, d, s, hlo, hhi, n, cols, blocks, out, out_stride, out_offset, r0); break; \
        case TYPE_Q6_K: CAT(tile_rows, SUFFIX)(TYPE_Q6_K, R, u, xt, q, d, s, hlo, hhi, n, cols, blocks, out, out_stride, out_offset, r0); break; \
        case TYPE_Q5_0: CAT(tile_rows, SUFFIX)(TYPE_Q5_0, R, u, xt, q, d, s, hlo, hhi, n, cols, blocks, out, out_stride, out_offset, r0); break; \
        case TYPE_Q5_1: CAT(tile_rows, SUFFIX)(TYPE_Q5_1, R, u, xt, q, d, s, hlo, hhi, n, cols, blocks, out, out_stride, out_offset, r0); break; \
        case TYPE_Q5_K: CAT(tile_rows, SUFFIX)(TYPE_Q5_K, R, u, xt, q, d, s, hlo, hhi, n, cols, blocks, out, out_stride, out_offset, r0); break; \
        default: break; \
    }

static TARGET void CAT(tiled4, SUFFIX)(int type, CAT(unpacked, SUFFIX) *const *u, const int8_t *xt, const int8_t *q,
                                       const float *d, const int32_t *s, const int32_t *hlo, const int32_t *hhi, int n,
                                       int cols, int blocks, float *out, int out_stride, int out_offset, int r0) {
    TILE_TYPES(4)
}

static TARGET void CAT(tiled1, SUFFIX)(int type, CAT(unpacked, SUFFIX) *const *u, const int8_t *xt, const int8_t *q,
                                       const float *d, const int32_t *s, const int32_t *hlo, const int32_t *hhi, int n,
                                       int cols, int blocks, float *out, int out_stride, int out_offset, int r0) {
    TILE_TYPES(1)
}
#undef TILE_TYPES

static TARGET void CAT(matmul, SUFFIX)(int type, const uint8_t *w, int row_bytes, int row_start, int row_end,
                                       const int8_t *q, const float *d, const int32_t *s, int n, int cols,
                                       float *out, int out_stride, int out_offset, void *scratch) {
    int blocks = cols / 32;
    if (n == 1) {
        /* One activation row: the fused kernels read each weight once, straight from memory. */
        int16_t *hx = (int16_t *) scratch;
        if (type == TYPE_Q6_K) {
            half_sums(q, cols, hx);
        }
        for (int r = row_start; r < row_end; r++) {
            const uint8_t *row = w + (size_t) r * row_bytes;
            float *o = out + out_offset + r;
            switch (type) {
                case TYPE_Q8_0: CAT(row_q8_0, SUFFIX)(row, q, d, s, blocks, o); break;
                case TYPE_Q4_0: CAT(row_q4_0, SUFFIX)(row, q, d, s, blocks, o); break;
                case TYPE_Q4_K: CAT(row_q4_k, SUFFIX)(row, q, d, s, blocks, o); break;
                case TYPE_Q6_K: CAT(row_q6_k, SUFFIX)(row, q, d, hx, blocks, o); break;
                case TYPE_Q5_0:
                case TYPE_Q5_1: CAT(row_q5, SUFFIX)(type, row, q, d, s, blocks, o); break;
                case TYPE_Q5_K: CAT(row_q5_k, SUFFIX)(row, q, d, s, blocks, o); break;
                default: break;
            }
        }
        return;
    }
    /* Scratch (batched_scratch_bytes): four unpacked weight rows, the transposed activation rows and, for
     * Q6_K, the sums of their 16-element halves per block. */
    uint8_t *p = (uint8_t *) scratch;
    CAT(unpacked, SUFFIX) units[4];
    CAT(unpacked, SUFFIX) *u[4];
    for (int r = 0; r < 4; r++) {
        CAT(unpacked, SUFFIX) *t = &units[r];
        t->w = (int8_t *) p;
        t->wt = (int8_t *) (p + cols);
        t->awt = (int8_t *) (p + 2 * (size_t) cols);
        t->lo = (int32_t *) (p + 3 * (size_t) cols);
        t->hi = t->lo + blocks;
        t->d = (float *) (t->hi + blocks);
        t->m = t->d + blocks;
        t->mins = (int32_t *) (t->m + blocks);
        p = (uint8_t *) (t->mins + blocks);
        u[r] = t;
    }
    int8_t *xt = (int8_t *) p;
    int32_t *hlo = (int32_t *) (xt + (size_t) n * cols);
    int32_t *hhi = hlo + (size_t) n * blocks;
    for (int i = 0; i < n; i++) {
        CAT(transpose_row, SUFFIX)(q + (size_t) i * cols, xt + (size_t) i * cols, blocks);
    }
    if (type == TYPE_Q6_K) {
        for (size_t b = 0; b < (size_t) n * blocks; b++) {
            int l = 0, h = 0;
            for (int k = 0; k < 16; k++) {
                l += q[32 * b + k];
                h += q[32 * b + 16 + k];
            }
            hlo[b] = l;
            hhi[b] = h;
        }
    }
    if (!Q8_UNSIGNED && type == TYPE_Q8_0) {
        /* Without VNNI, (w + 128) x would saturate the 16-bit pair sums: Q8_0 keeps |w| and x with w's sign. */
        for (int r = row_start; r < row_end; r++) {
            CAT(unpack_row, SUFFIX)(type, w + (size_t) r * row_bytes, blocks, u[0], 0);
            for (int i = 0; i < n; i++) {
                out[(size_t) i * out_stride + out_offset + r] = CAT(dot_unpacked, SUFFIX)(type, u[0],
                        xt + (size_t) i * cols, q + (size_t) i * cols, d + (size_t) i * blocks,
                        s + (size_t) i * blocks, blocks);
            }
        }
        return;
    }
    int r = row_start;
    for (; r + 4 <= row_end; r += 4) {
        for (int k = 0; k < 4; k++) {
            CAT(unpack_row, SUFFIX)(type, w + (size_t) (r + k) * row_bytes, blocks, u[k], 1);
        }
        CAT(tiled4, SUFFIX)(type, u, xt, q, d, s, hlo, hhi, n, cols, blocks, out, out_stride, out_offset, r);
    }
    for (; r < row_end; r++) {
        CAT(unpack_row, SUFFIX)(type, w + (size_t) r * row_bytes, blocks, u[0], 1);
        CAT(tiled1, SUFFIX)(type, u, xt, q, d, s, hlo, hhi, n, cols, blocks, out, out_stride, out_offset, r);
    }
}

#undef CAT
#undef CAT2
