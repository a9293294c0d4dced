/*
 * Single-row integer products on 512-bit registers (AVX-512 BW/VL + VNNI), included once by sluice_cpu.c after
 * the 256-bit variants. Same integers, same float order as int8_kernels.h (io.sluice.tensor.cpu.Int8Kernel):
 * per 32-element block b one or two fused multiply-adds into lane b % 8, the lanes summed
 * ((a0+a1)+(a2+a3))+((a4+a5)+(a6+a7)).
 *
 * Why it is faster than the 256-bit rows: one vpdpbusd covers two blocks; the eight blocks of a lane group
 * are reduced together with six 512-bit shuffles (the 256-bit rows use six three-uop horizontal adds); the
 * loops are unrolled, where -O2 left the 256-bit inner loops rolled with their partial sums going through the
 * stack; K-quant and Q6_K scales are applied with fewer, cheaper operations (see each kernel); the next weights
 * are prefetched so that the integer work overlaps the memory reads. The cost that is left is mostly vector
 * operations on ports 0 and 5 (llvm-mca -mcpu=icelake-server on the loops: about 37 per eight blocks for
 * Q8_0, 45 for Q4_K and Q6_K, against 42-59 before these changes and more for the 256-bit rows).
 */

#define T512 __attribute__((target("avx2,fma,f16c,avx512f,avx512vl,avx512bw,avx512vnni")))

/*
 * Bytes ahead of the current group that are prefetched: enough to cover the memory latency at one core's
 * streaming rate. Measured with int8_bench (one thread, CPU time, 768 columns, Sapphire Rapids): 768 -> 3072
 * gave Q8_0 8.6 -> 9.5 GB/s, Q4_K 7.2 -> 8.0, Q6_K 6.9 -> 7.6; 4608 and 6144 no more. The overshoot past a
 * chunk's last row (3 KB) is a small part of a chunk (hundreds of KB in decode products).
 */
#ifndef R512_PREFETCH
#define R512_PREFETCH 3072
#endif

static T512 inline void r512_prefetch(const uint8_t *p, int bytes) {
    for (int k = 0; R512_PREFETCH > 0 && k < bytes; k += 64) {
        _mm_prefetch((const char *) (p + R512_PREFETCH + k), _MM_HINT_T0);
    }
}

/*
 * A zeroed register for each vpdpbusd that starts a sum: a zeroing idiom costs no execution port, where the
 * compiler would copy one shared zero register (one vector operation each).
 */
static T512 inline __m512i r512_zero(void) {
    __m512i z;
    __asm__ volatile("vpxord %x0, %x0, %x0" : "=v"(z));
    return z;
}

/*
 * p_k = [block A_k | block B_k], eight int32 partial sums each; returns the eight block totals in the order
 * that the index pair (x, y) gives (integers: any order of addition gives the same). After the first step
 * block A_k's partial sums sit in lanes 0 2 4 6 (k = 0, 2: of a, b) or 1 3 5 7 (k = 1, 3) and B_k's in the
 * same lanes + 8; x and y each pick two of a block's four, lanes j and j + 8 of x + y are added last.
 */
static T512 inline __m256i r512_reduce(__m512i p0, __m512i p1, __m512i p2, __m512i p3, __m512i x, __m512i y) {
    __m512i a = _mm512_add_epi32(_mm512_unpacklo_epi32(p0, p1), _mm512_unpackhi_epi32(p0, p1));
    __m512i b = _mm512_add_epi32(_mm512_unpacklo_epi32(p2, p3), _mm512_unpackhi_epi32(p2, p3));
    __m512i c = _mm512_add_epi32(_mm512_permutex2var_epi32(a, x, b), _mm512_permutex2var_epi32(a, y, b));
    return _mm256_add_epi32(_mm512_castsi512_si256(c), _mm512_extracti64x4_epi64(c, 1));
}

/* Block order 0..7 from pairs of adjacent blocks, p_k = [2k | 2k + 1]. */
#define R512_ADJ_X _mm512_setr_epi32(0, 8, 1, 9, 16, 24, 17, 25, 4, 12, 5, 13, 20, 28, 21, 29)
#define R512_ADJ_Y _mm512_setr_epi32(2, 10, 3, 11, 18, 26, 19, 27, 6, 14, 7, 15, 22, 30, 23, 31)
/* Block order 0..7 from the K-quant nibble pairs, p = [0 | 2], [1 | 3], [4 | 6], [5 | 7]. */
#define R512_K_X _mm512_setr_epi32(0, 1, 8, 9, 16, 17, 24, 25, 4, 5, 12, 13, 20, 21, 28, 29)
#define R512_K_Y _mm512_setr_epi32(2, 3, 10, 11, 18, 19, 26, 27, 6, 7, 14, 15, 22, 23, 30, 31)

/* The fp16 values at first + idx[k] (k < 8) as floats; the gather reads 4 bytes, the upper two are dropped. */
static T512 inline __m256 r512_halves(const uint8_t *first, __m256i idx) {
    __m256i raw = _mm256_i32gather_epi32((const int *) first, idx, 1);
    return _mm256_cvtph_ps(_mm256_cvtepi32_epi16(raw));
}

static T512 inline __m256i r512_strides(int bytes) {
    return _mm256_mullo_epi32(_mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7), _mm256_set1_epi32(bytes));
}


/* Q8_0: w + 128 unsigned times x, less 128 Σx; blocks after the last group of eight one by one. */
static T512 void row512_q8_0(const uint8_t *w, const int8_t *q, const float *dx, const int32_t *sx, int blocks,
                             float *out) {
    const __m256i idx = r512_strides(34);
    const __m512i flip = _mm512_set1_epi8((char) 0x80);
    __m256 acc = _mm256_setzero_ps();
    int b = 0;
    for (; b + 8 <= blocks; b += 8) {
        const uint8_t *blk = w + (size_t) b * 34;
        const int8_t *xq = q + (size_t) b * 32;
        r512_prefetch(blk, 272);
        __m512i p[4];
#pragma GCC unroll 4
        for (int k = 0; k < 4; k++) {
            __m512i wv = _mm512_inserti64x4(
                    _mm512_castsi256_si512(_mm256_loadu_si256((const __m256i *) (blk + 68 * k + 2))),
                    _mm256_loadu_si256((const __m256i *) (blk + 68 * k + 36)), 1);
            p[k] = _mm512_dpbusd_epi32(r512_zero(), _mm512_xor_si512(wv, flip),
                                       _mm512_loadu_si512((const void *) (xq + 64 * k)));
        }
        __m256i isum = r512_reduce(p[0], p[1], p[2], p[3], R512_ADJ_X, R512_ADJ_Y);
        isum = _mm256_sub_epi32(isum, _mm256_slli_epi32(_mm256_loadu_si256((const __m256i *) (sx + b)), 7));
        __m256 scale = _mm256_mul_ps(r512_halves(blk, idx), _mm256_loadu_ps(dx + b));
        acc = _mm256_fmadd_ps(scale, _mm256_cvtepi32_ps(isum), acc);
    }
    float a[8];
    _mm256_storeu_ps(a, acc);
    tail_q8_0(w, q, dx, b, blocks, a);
    *out = lane_total(a);
}

/*
 * The nibbles of two 32-element blocks (16 bytes each at qs0 and qs1) as unsigned bytes in element order:
 * [low nibbles of qs0 | high of qs0 | low of qs1 | high of qs1], matching 64 activation bytes.
 */
static T512 inline __m512i r512_nibbles2(const uint8_t *qs0, const uint8_t *qs1) {
    __m512i z = _mm512_inserti64x4(
            _mm512_castsi256_si512(_mm256_broadcastsi128_si256(_mm_loadu_si128((const __m128i *) qs0))),
            _mm256_broadcastsi128_si256(_mm_loadu_si128((const __m128i *) qs1)), 1);
    const __m512i shifts = _mm512_setr_epi64(0, 0, 0x0004000400040004ll, 0x0004000400040004ll,
                                             0, 0, 0x0004000400040004ll, 0x0004000400040004ll);
    return _mm512_and_si512(_mm512_srlv_epi16(z, shifts), _mm512_set1_epi8(0x0f));
}

/*
 * Q4_0 (18-byte blocks, values n - 8), Q5_0 (22, n - 16 with a fifth bit) and Q5_1 (24, d n + m): Σ n x
 * as integers, the offsets as o Σx; the fifth bits of two blocks form one 64-bit mask, one bit per byte.
 */
static T512 inline void row512_small(const int type, const uint8_t *w, const int8_t *q, const float *dx,
                                     const int32_t *sx, int blocks, float *out) {
    const int bb = type == TYPE_Q4_0 ? 18 : type == TYPE_Q5_0 ? 22 : 24;
    const int qh_at = type == TYPE_Q5_1 ? 4 : 2;
    const int qs_at = type == TYPE_Q4_0 ? 2 : qh_at + 4;
    const __m256i idx = r512_strides(bb);
    const __m512i fifth = _mm512_set1_epi8(0x10);
    __m256 acc = _mm256_setzero_ps();
    int b = 0;
    for (; b + 8 <= blocks; b += 8) {
        const uint8_t *blk = w + (size_t) b * bb;
        const int8_t *xq = q + (size_t) b * 32;
        r512_prefetch(blk, 8 * bb);
        __m512i p[4];
#pragma GCC unroll 4
        for (int k = 0; k < 4; k++) {
            const uint8_t *b0 = blk + 2 * k * bb;
            const uint8_t *b1 = b0 + bb;
            __m512i v = r512_nibbles2(b0 + qs_at, b1 + qs_at);
            if (type != TYPE_Q4_0) {
                uint32_t h0, h1;
                memcpy(&h0, b0 + qh_at, 4);
                memcpy(&h1, b1 + qh_at, 4);
                v = _mm512_mask_add_epi8(v, _cvtu64_mask64((uint64_t) h1 << 32 | h0), v, fifth);
            }
            p[k] = _mm512_dpbusd_epi32(r512_zero(), v, _mm512_loadu_si512((const void *) (xq + 64 * k)));
        }
        __m256i isum = r512_reduce(p[0], p[1], p[2], p[3], R512_ADJ_X, R512_ADJ_Y);
        __m256i sxv = _mm256_loadu_si256((const __m256i *) (sx + b));
        __m256 dxv = _mm256_loadu_ps(dx + b);
        if (type == TYPE_Q4_0) {
            isum = _mm256_sub_epi32(isum, _mm256_slli_epi32(sxv, 3));
        } else if (type == TYPE_Q5_0) {
            isum = _mm256_sub_epi32(isum, _mm256_slli_epi32(sxv, 4));
        }
        acc = _mm256_fmadd_ps(_mm256_mul_ps(r512_halves(blk, idx), dxv), _mm256_cvtepi32_ps(isum), acc);
        if (type == TYPE_Q5_1) {
            acc = _mm256_fmadd_ps(_mm256_mul_ps(r512_halves(blk + 2, idx), dxv), _mm256_cvtepi32_ps(sxv), acc);
        }
    }
    float a[8];
    _mm256_storeu_ps(a, acc);
    tail_q4_q5(type, w, q, dx, sx, b, blocks, a);
    *out = lane_total(a);
}

/*
 * The activation order the Q4_K/Q5_K kernels read: a 64-byte load of their nibbles holds sub-blocks (0, 2)
 * in its low and (1, 3) in its high nibbles, so the activations of each super-block are stored as blocks
 * 0 2 1 3 4 6 5 7.
 */
static T512 void r512_k_order(const int8_t *q, int cols, int8_t *xr) {
    static const int order[8] = {0, 2, 1, 3, 4, 6, 5, 7};
    for (int sb = 0; sb < cols / 256; sb++) {
        for (int c = 0; c < 8; c++) {
            _mm256_storeu_si256((__m256i *) (xr + 256 * sb + 32 * c),
                                _mm256_loadu_si256((const __m256i *) (q + 256 * sb + 32 * order[c])));
        }
    }
}

/* A half-precision value broadcast to eight lanes, straight from the table (loads only, no conversion). */
static T512 inline __m256 r512_half8(const uint8_t *p) {
    return _mm256_broadcast_ss(&half_table[(uint32_t) p[0] | ((uint32_t) p[1] << 8)]);
}

/*
 * Q4_K/Q5_K: one super-block's eight sub-block sums times their 6-bit scales (d·dx each), less the sub-blocks'
 * activation sums times their 6-bit mins (dmin·dx each) as one fused -(a·b) + c, lane by lane. The min term
 * m·Σx (at most 63·32·127) is formed in floats from sxf, the activation sums as floats: exact, like the integer
 * product.
 */
static T512 inline __m256 r512_k_affine(const uint8_t *blk, __m256i isum, const float *sxf8, const float *dx8,
                                        __m256 acc) {
    __m256i sc, mn;
    k_scales8_vnni(blk + 4, &sc, &mn);
    __m256i scaled = _mm256_mullo_epi32(isum, sc);
    __m256 mins = _mm256_mul_ps(_mm256_cvtepi32_ps(mn), _mm256_loadu_ps(sxf8));
    __m256 dxv = _mm256_loadu_ps(dx8);
    acc = _mm256_fmadd_ps(_mm256_mul_ps(r512_half8(blk), dxv), _mm256_cvtepi32_ps(scaled), acc);
    return _mm256_fnmadd_ps(_mm256_mul_ps(r512_half8(blk + 2), dxv), mins, acc);
}

/*
 * Q4_K (144-byte super-blocks) and Q5_K (176, a fifth bit per element: bit j of qh[l] for element l of
 * sub-block j): the eight sub-block sums, then the scales and mins as in the 256-bit kernels
 * (sc·isum with d·dx, then m·Σx with -(dmin·dx), lane by lane).
 */
static T512 inline void row512_k(const int type, const uint8_t *w, const int8_t *xr, const float *dx,
                                 const float *sxf, int blocks, float *out) {
    const int sbb = type == TYPE_Q4_K ? 144 : 176;
    const int qs_at = type == TYPE_Q4_K ? 16 : 48;
    const __m512i m4 = _mm512_set1_epi8(0x0f);
    const __m512i fifth = _mm512_set1_epi8(0x10);
    /* The qh bits of the sub-blocks in p0..p3: (0 | 2), (1 | 3), (4 | 6), (5 | 7). */
    const __m512i bit0 = _mm512_inserti64x4(_mm512_set1_epi8(0x01), _mm256_set1_epi8(0x04), 1);
    const __m512i bit1 = _mm512_inserti64x4(_mm512_set1_epi8(0x02), _mm256_set1_epi8(0x08), 1);
    const __m512i bit2 = _mm512_inserti64x4(_mm512_set1_epi8(0x10), _mm256_set1_epi8(0x40), 1);
    const __m512i bit3 = _mm512_inserti64x4(_mm512_set1_epi8(0x20), _mm256_set1_epi8((char) 0x80), 1);
    __m256 acc = _mm256_setzero_ps();
    for (int sb = 0; sb < blocks / 8; sb++) {
        const uint8_t *blk = w + (size_t) sb * sbb;
        const int8_t *xs = xr + (size_t) sb * 256;
        r512_prefetch(blk, sbb);
        __m512i q0 = _mm512_loadu_si512((const void *) (blk + qs_at));
        __m512i q1 = _mm512_loadu_si512((const void *) (blk + qs_at + 64));
        __m512i v0 = _mm512_and_si512(q0, m4);
        __m512i v2 = _mm512_and_si512(q1, m4);
        /* Q4_K's high nibbles stay in place, 16 n: their sums are 16 times the sums, shifted back below. */
        __m512i v1 = type == TYPE_Q4_K ? _mm512_andnot_si512(m4, q0) : _mm512_and_si512(_mm512_srli_epi16(q0, 4), m4);
        __m512i v3 = type == TYPE_Q4_K ? _mm512_andnot_si512(m4, q1) : _mm512_and_si512(_mm512_srli_epi16(q1, 4), m4);
        if (type == TYPE_Q5_K) {
            __m512i qh = _mm512_broadcast_i64x4(_mm256_loadu_si256((const __m256i *) (blk + 16)));
            v0 = _mm512_mask_add_epi8(v0, _mm512_test_epi8_mask(qh, bit0), v0, fifth);
            v1 = _mm512_mask_add_epi8(v1, _mm512_test_epi8_mask(qh, bit1), v1, fifth);
            v2 = _mm512_mask_add_epi8(v2, _mm512_test_epi8_mask(qh, bit2), v2, fifth);
            v3 = _mm512_mask_add_epi8(v3, _mm512_test_epi8_mask(qh, bit3), v3, fifth);
        }
        __m512i p0 = _mm512_dpbusd_epi32(r512_zero(), v0, _mm512_loadu_si512((const void *) xs));
        __m512i p1 = _mm512_dpbusd_epi32(r512_zero(), v1, _mm512_loadu_si512((const void *) (xs + 64)));
        __m512i p2 = _mm512_dpbusd_epi32(r512_zero(), v2, _mm512_loadu_si512((const void *) (xs + 128)));
        __m512i p3 = _mm512_dpbusd_epi32(r512_zero(), v3, _mm512_loadu_si512((const void *) (xs + 192)));
        __m256i isum = r512_reduce(p0, p1, p2, p3, R512_K_X, R512_K_Y);
        if (type == TYPE_Q4_K) {
            isum = _mm256_srav_epi32(isum, _mm256_setr_epi32(0, 4, 0, 4, 0, 4, 0, 4));
        }
        acc = r512_k_affine(blk, isum, sxf + sb * 8, dx + sb * 8, acc);
    }
    float a[8];
    _mm256_storeu_ps(a, acc);
    *out = lane_total(a);
}

/*
 * Q6_K's activation sums for its offset: 32 Σx of every 16-element group g (scale g), per super-block in the
 * lane order of the group sums in row512_q6_k (lane 4L + j holds group 4j + L).
 */
static T512 void r512_q6_k_sums(const int8_t *q, int cols, int32_t *hx32) {
    for (int sb = 0; sb < cols / 256; sb++) {
        for (int g = 0; g < 16; g++) {
            int t = 0;
            for (int e = 0; e < 16; e++) {
                t += q[256 * sb + 16 * g + e];
            }
            hx32[16 * sb + 4 * (g % 4) + g / 4] = 32 * t;
        }
    }
}

/*
 * Q6_K: the 6-bit values n (value n - 32) of two sub-blocks per register. Each 128-bit lane of a product is one
 * 16-element group with its own 8-bit scale, so the sums are reduced to the sixteen groups first, the offset
 * 32 Σx comes off per group, and each group is multiplied by its scale as an integer; the two groups of a block
 * are added last: sc_lo·lo + sc_hi·hi exactly.
 */
static T512 void row512_q6_k(const uint8_t *w, const int8_t *q, const float *dx, const int32_t *hx32, int blocks,
                             float *out) {
    const __m512i m4 = _mm512_set1_epi8(0x0f);
    const __m512i m30 = _mm512_set1_epi8(0x30);
    /* [qh | qh >> 2]: the high bits of the second sub-block of a pair sit where the first's do. */
    const __m512i qh_shift = _mm512_inserti64x4(_mm512_setzero_si512(), _mm256_set1_epi16(2), 1);
    /* The scales transposed to the group order (byte 4L + j = scale 4j + L). */
    const __m128i transpose = _mm_setr_epi8(0, 4, 8, 12, 1, 5, 9, 13, 2, 6, 10, 14, 3, 7, 11, 15);
    /* Block b's two groups 2b, 2b + 1 sit in lanes 8(b % 2) + b / 2 and that + 4. */
    const __m512i blocks_idx = _mm512_setr_epi32(0, 8, 1, 9, 2, 10, 3, 11, 4, 12, 5, 13, 6, 14, 7, 15);
    __m256 acc = _mm256_setzero_ps();
    for (int sb = 0; sb < blocks / 8; sb++) {
        const uint8_t *blk = w + (size_t) sb * 210;
        const int8_t *xq = q + (size_t) sb * 256;
        r512_prefetch(blk, 210);
        __m512i p[4];
#pragma GCC unroll 2
        for (int h = 0; h < 2; h++) {
            __m512i ql = _mm512_loadu_si512((const void *) (blk + 64 * h));
            __m512i qh = _mm512_srlv_epi16(
                    _mm512_broadcast_i64x4(_mm256_loadu_si256((const __m256i *) (blk + 128 + 32 * h))), qh_shift);
            /* (a & b) | c */
            __m512i nlo = _mm512_ternarylogic_epi32(ql, m4, _mm512_and_si512(_mm512_slli_epi16(qh, 4), m30), 0xea);
            __m512i nhi = _mm512_ternarylogic_epi32(_mm512_srli_epi16(ql, 4), m4, _mm512_and_si512(qh, m30), 0xea);
            p[2 * h] = _mm512_dpbusd_epi32(r512_zero(), nlo, _mm512_loadu_si512((const void *) (xq + 128 * h)));
            p[2 * h + 1] = _mm512_dpbusd_epi32(r512_zero(), nhi,
                                               _mm512_loadu_si512((const void *) (xq + 128 * h + 64)));
        }
        __m512i a = _mm512_add_epi32(_mm512_unpacklo_epi32(p[0], p[1]), _mm512_unpackhi_epi32(p[0], p[1]));
        __m512i b = _mm512_add_epi32(_mm512_unpacklo_epi32(p[2], p[3]), _mm512_unpackhi_epi32(p[2], p[3]));
        /* Lane 4L + j: the sum of 128-bit lane L of p[j], group 4j + L. */
        __m512i groups = _mm512_add_epi32(_mm512_unpacklo_epi64(a, b), _mm512_unpackhi_epi64(a, b));
        groups = _mm512_sub_epi32(groups, _mm512_loadu_si512((const void *) (hx32 + sb * 16)));
        __m512i sc = _mm512_cvtepi8_epi32(_mm_shuffle_epi8(_mm_loadu_si128((const __m128i *) (blk + 192)), transpose));
        __m512i scaled = _mm512_permutexvar_epi32(blocks_idx, _mm512_mullo_epi32(groups, sc));
        __m256i isum = _mm256_add_epi32(_mm512_castsi512_si256(scaled), _mm512_extracti64x4_epi64(scaled, 1));
        __m256 d = _mm256_mul_ps(r512_half8(blk + 208), _mm256_loadu_ps(dx + sb * 8));
        acc = _mm256_fmadd_ps(d, _mm256_cvtepi32_ps(isum), acc);
    }
    float a[8];
    _mm256_storeu_ps(a, acc);
    *out = lane_total(a);
}

/*
 * Scratch of the single-row products: the activations copied to 64-byte alignment (cols bytes; a Java array's
 * elements are not, and every 512-bit load of them would span two cache lines), in the K-quant order for
 * those, then Q6_K's group sums (cols / 4 bytes) or the K-quants' activation sums as floats (cols / 8 bytes).
 */
static size_t rows512_scratch_bytes(int cols) {
    return ((size_t) cols + (size_t) cols / 4 + 63) / 64 * 64;
}

/* Rows [row_start, row_end) of one weight matrix against one activation row. */
static T512 void matmul_rows512(int type, const uint8_t *w, int row_bytes, int row_start, int row_end,
                                const int8_t *q, const float *d, const int32_t *s, int cols, float *out,
                                int out_offset, void *scratch) {
    int blocks = cols / 32;
    int8_t *xr = (int8_t *) scratch;
    int32_t *hx32 = (int32_t *) (xr + cols);
    float *sxf = (float *) (xr + cols);
    if (type == TYPE_Q4_K || type == TYPE_Q5_K) {
        r512_k_order(q, cols, xr);
        for (int b = 0; b < blocks; b++) {
            sxf[b] = (float) s[b];
        }
    } else {
        memcpy(xr, q, (size_t) cols);
        if (type == TYPE_Q6_K) {
            r512_q6_k_sums(q, cols, hx32);
        }
    }
    for (int r = row_start; r < row_end; r++) {
        const uint8_t *row = w + (size_t) r * row_bytes;
        float *o = out + out_offset + r;
        switch (type) {
            case TYPE_Q8_0: row512_q8_0(row, xr, d, s, blocks, o); break;
            case TYPE_Q4_0: row512_small(TYPE_Q4_0, row, xr, d, s, blocks, o); break;
            case TYPE_Q5_0: row512_small(TYPE_Q5_0, row, xr, d, s, blocks, o); break;
            case TYPE_Q5_1: row512_small(TYPE_Q5_1, row, xr, d, s, blocks, o); break;
            case TYPE_Q4_K: row512_k(TYPE_Q4_K, row, xr, d, sxf, blocks, o); break;
            case TYPE_Q5_K: row512_k(TYPE_Q5_K, row, xr, d, sxf, blocks, o); break;
            case TYPE_Q6_K: row512_q6_k(row, xr, d, hx32, blocks, o); break;
            default: break;
        }
    }
}

#undef R512_ADJ_X
#undef R512_ADJ_Y
#undef R512_K_X
#undef R512_K_Y
#undef T512
