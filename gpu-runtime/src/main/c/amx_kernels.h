/*
 * AMX-INT8 tiles for the batched integer products (n > 1), included once by sluice_cpu.c after the VNNI
 * variant (whose value helpers it reuses). Per 32-element block b, one TDPBSSD gives the exact integer sums of
 * 16 weight rows (tile A: 16 rows x 32 signed values) against 16 activation rows (tile B: 8 rows x 64 bytes,
 * the block's 4-byte groups of the 16 activation rows side by side) in a 16 x 16 int32 tile C. The signed
 * weight values are the type's own (Q4_0 n - 8, Q5_0 n - 16, Q6_K n - 32, Q4_K/Q5_K/Q5_1 n), so no offset has
 * to come off. The float epilogue then runs over the 16 activation rows at once, in the order of
 * io.sluice.tensor.cpu.Int8Kernel: per block one or two fused multiply-adds into lane b % 8 (the lanes of
 * 16 weight rows x 8 x 16 activation rows live in an L1 scratch), the lanes summed at the end as
 * ((a0+a1)+(a2+a3))+((a4+a5)+(a6+a7)). Q6_K's two 16-element halves take two K=16 tiles per block.
 *
 * The tile configuration is loaded by every call (the calling thread may change from call to call) and the
 * tiles released at its end. The process must have been granted the tile data state (amx_request_permission).
 */
#include <sys/syscall.h>
#include <unistd.h>

#define AMX_TARGET __attribute__((target("avx2,fma,f16c,avx512f,avx512vl,avx512bw,avx512dq,avx512vnni,amx-tile,amx-int8")))
#define AMX_INLINE AMX_TARGET inline __attribute__((always_inline))

#define ARCH_REQ_XCOMP_PERM 0x1023
#define XFEATURE_XTILEDATA 18

typedef struct {
    uint8_t palette_id;
    uint8_t start_row;
    uint8_t reserved[14];
    uint16_t colsb[16];
    uint8_t rows[16];
} amx_tile_config;

/* The call's scratch, carved from one 64-byte aligned area of amx_scratch_bytes (every part a multiple of 64). */
typedef struct {
    int8_t *xb;     /* groups x blocks x 512: each block of 16 activation rows as a B tile */
    float *dxt;     /* groups x blocks x 16: the activation scales, transposed (0 for padding rows) */
    int32_t *sxt;   /* groups x blocks x 16: the activation block sums, transposed */
    int8_t *wa;     /* blocks x 16 x 32: 16 unpacked weight rows, block by block (A tiles, stride 32) */
    float *wd;      /* blocks x 16: the weight scale of each (block, row) */
    float *wm;      /* blocks x 16: Q5_1 min, Q4_K/Q5_K dmin */
    int32_t *wlo;   /* blocks x 16: integer sub-scale (Q6_K: of elements 0..15) */
    int32_t *whi;   /* blocks x 16: Q6_K sub-scale of elements 16..31 */
    int32_t *wmn;   /* blocks x 16: Q4_K/Q5_K 6-bit min */
    int32_t *c;     /* 4 tiles of 16 x 16 sums */
    float *acc;     /* 16 weight rows x 8 lanes x 16 activation rows */
    float *res;     /* 16 weight rows x 16 activation rows */
} amx_scratch;

static size_t amx_scratch_bytes(int n, int cols) {
    size_t groups = ((size_t) n + 15) / 16;
    size_t blocks = (size_t) cols / 32;
    return groups * blocks * (512 + 64 + 64) + blocks * (512 + 5 * 64) + 4 * 1024 + 8192 + 1024;
}

static void amx_carve(void *scratch, int n, int cols, amx_scratch *t) {
    size_t groups = ((size_t) n + 15) / 16;
    size_t blocks = (size_t) cols / 32;
    uint8_t *p = (uint8_t *) scratch;
    t->xb = (int8_t *) p;
    p += groups * blocks * 512;
    t->dxt = (float *) p;
    p += groups * blocks * 64;
    t->sxt = (int32_t *) p;
    p += groups * blocks * 64;
    t->wa = (int8_t *) p;
    p += blocks * 512;
    t->wd = (float *) p;
    p += blocks * 64;
    t->wm = (float *) p;
    p += blocks * 64;
    t->wlo = (int32_t *) p;
    p += blocks * 64;
    t->whi = (int32_t *) p;
    p += blocks * 64;
    t->wmn = (int32_t *) p;
    p += blocks * 64;
    t->c = (int32_t *) p;
    p += 4 * 1024;
    t->acc = (float *) p;
    p += 8192;
    t->res = (float *) p;
}

/* Asks the kernel once for the tile data state of this process (Linux 5.16+); 0 when granted. */
static long amx_request_permission(void) {
    return syscall(SYS_arch_prctl, ARCH_REQ_XCOMP_PERM, XFEATURE_XTILEDATA);
}

/*
 * The activation rows as B tiles: for group g (rows 16g .. 16g + 15, zeros past n) and block b, 8 rows of 64
 * bytes, row k holding bytes 4k .. 4k + 3 of the block of every activation row in turn. A 16 x 8 transpose of
 * 32-bit groups: row p in the low half of z[p], row p + 8 in the high half, then the 8 x 8 transpose per half.
 */
static AMX_TARGET void amx_pack_x(const int8_t *q, const float *d, const int32_t *s, int n, int cols,
                                  const amx_scratch *t) {
    int blocks = cols / 32;
    int groups = (n + 15) / 16;
    const __m512i lo_idx = _mm512_setr_epi64(0, 1, 8, 9, 4, 5, 12, 13);
    const __m512i hi_idx = _mm512_setr_epi64(2, 3, 10, 11, 6, 7, 14, 15);
    for (int g = 0; g < groups; g++) {
        int rows = n - 16 * g < 16 ? n - 16 * g : 16;
        const int8_t *base = q + (size_t) 16 * g * cols;
        for (int b = 0; b < blocks; b++) {
            __m512i z[8];
            for (int p = 0; p < 8; p++) {
                __m256i lo = p < rows ? _mm256_loadu_si256((const __m256i *) (base + (size_t) p * cols + 32 * b))
                                      : _mm256_setzero_si256();
                __m256i hi = p + 8 < rows
                        ? _mm256_loadu_si256((const __m256i *) (base + (size_t) (p + 8) * cols + 32 * b))
                        : _mm256_setzero_si256();
                z[p] = _mm512_inserti64x4(_mm512_castsi256_si512(lo), hi, 1);
            }
            __m512i t0 = _mm512_unpacklo_epi32(z[0], z[1]), t1 = _mm512_unpackhi_epi32(z[0], z[1]);
            __m512i t2 = _mm512_unpacklo_epi32(z[2], z[3]), t3 = _mm512_unpackhi_epi32(z[2], z[3]);
            __m512i t4 = _mm512_unpacklo_epi32(z[4], z[5]), t5 = _mm512_unpackhi_epi32(z[4], z[5]);
            __m512i t6 = _mm512_unpacklo_epi32(z[6], z[7]), t7 = _mm512_unpackhi_epi32(z[6], z[7]);
            __m512i u[8];
            u[0] = _mm512_unpacklo_epi64(t0, t2);
            u[1] = _mm512_unpackhi_epi64(t0, t2);
            u[2] = _mm512_unpacklo_epi64(t1, t3);
            u[3] = _mm512_unpackhi_epi64(t1, t3);
            u[4] = _mm512_unpacklo_epi64(t4, t6);
            u[5] = _mm512_unpackhi_epi64(t4, t6);
            u[6] = _mm512_unpacklo_epi64(t5, t7);
            u[7] = _mm512_unpackhi_epi64(t5, t7);
            int8_t *dst = t->xb + ((size_t) g * blocks + b) * 512;
            for (int k = 0; k < 4; k++) {
                _mm512_store_si512((__m512i *) (dst + 64 * k), _mm512_permutex2var_epi64(u[k], lo_idx, u[k + 4]));
                _mm512_store_si512((__m512i *) (dst + 64 * (k + 4)),
                                   _mm512_permutex2var_epi64(u[k], hi_idx, u[k + 4]));
            }
            float *dxt = t->dxt + ((size_t) g * blocks + b) * 16;
            int32_t *sxt = t->sxt + ((size_t) g * blocks + b) * 16;
            for (int i = 0; i < 16; i++) {
                dxt[i] = i < rows ? d[(size_t) (16 * g + i) * blocks + b] : 0.0f;
                sxt[i] = i < rows ? s[(size_t) (16 * g + i) * blocks + b] : 0;
            }
        }
    }
}

/*
 * Rows r0 .. r0 + count - 1 (count <= 16) unpacked into signed values block by block (rows past count are
 * zeros), with their per-block scales, sub-scales and mins.
 */
static AMX_INLINE void amx_unpack(const int type, const uint8_t *w, int row_bytes, int r0, int count, int blocks,
                                  const amx_scratch *t) {
    for (int r = 0; r < 16; r++) {
        const uint8_t *row = w + (size_t) (r0 + r) * row_bytes;
        int32_t sc[8] = {0};
        int32_t mn[8] = {0};
        for (int b = 0; b < blocks; b++) {
            __m256i v = _mm256_setzero_si256();
            float dv = 0.0f, mv = 0.0f;
            int lo = 0, hi = 0, mnv = 0;
            if (r >= count) {
                /* padding row: zeros */
            } else if (type == TYPE_Q8_0) {
                const uint8_t *blk = row + (size_t) b * 34;
                dv = half_to_float(blk);
                v = _mm256_loadu_si256((const __m256i *) (blk + 2));
            } else if (type == TYPE_Q4_0) {
                const uint8_t *blk = row + (size_t) b * 18;
                dv = half_to_float(blk);
                v = q4_0_values_vnni(blk);
            } else if (type == TYPE_Q5_0 || type == TYPE_Q5_1) {
                const int one = type == TYPE_Q5_1;
                const uint8_t *blk = row + (size_t) b * (one ? 24 : 22);
                dv = half_to_float(blk);
                mv = one ? half_to_float(blk + 2) : 0.0f;
                v = q5_values_vnni(blk + (one ? 8 : 6), blk + (one ? 4 : 2));
                if (!one) {
                    v = _mm256_sub_epi8(v, _mm256_set1_epi8(16));
                }
            } else if (type == TYPE_Q4_K) {
                const uint8_t *blk = row + (size_t) (b / 8) * 144;
                int j = b % 8;
                if (j == 0) {
                    k_scales(blk + 4, sc, mn);
                }
                v = q4_k_values_vnni(blk, j);
                lo = sc[j];
                mnv = mn[j];
                dv = half_to_float(blk);
                mv = half_to_float(blk + 2);
            } else if (type == TYPE_Q5_K) {
                const uint8_t *blk = row + (size_t) (b / 8) * 176;
                int j = b % 8;
                if (j == 0) {
                    k_scales(blk + 4, sc, mn);
                }
                v = q5_k_values_vnni(blk, j);
                lo = sc[j];
                mnv = mn[j];
                dv = half_to_float(blk);
                mv = half_to_float(blk + 2);
            } else {
                const uint8_t *blk = row + (size_t) (b / 8) * 210;
                v = q6_k_values_vnni(blk, b % 8, &lo, &hi);
                dv = half_to_float(blk + 208);
            }
            _mm256_store_si256((__m256i *) (t->wa + (size_t) b * 512 + 32 * r), v);
            /* Only what the type's epilogue reads. */
            t->wd[16 * b + r] = dv;
            if (type == TYPE_Q5_1 || type == TYPE_Q4_K || type == TYPE_Q5_K) {
                t->wm[16 * b + r] = mv;
            }
            if (type == TYPE_Q4_K || type == TYPE_Q5_K || type == TYPE_Q6_K) {
                t->wlo[16 * b + r] = lo;
            }
            if (type == TYPE_Q6_K) {
                t->whi[16 * b + r] = hi;
            }
            if (type == TYPE_Q4_K || type == TYPE_Q5_K) {
                t->wmn[16 * b + r] = mnv;
            }
        }
    }
}

/* Q8_0 rows read in place: the scales of 16 whole rows, block by block (hardware fp16 conversion, exact). */
static AMX_TARGET void amx_q8_0_scales(const uint8_t *w, int row_bytes, int r0, int blocks, const amx_scratch *t) {
    const __m512i idx = _mm512_mullo_epi32(_mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15),
                                           _mm512_set1_epi32(row_bytes));
    const uint8_t *base = w + (size_t) r0 * row_bytes;
    for (int b = 0; b < blocks; b++) {
        __m512i raw = _mm512_i32gather_epi32(idx, (const void *) (base + (size_t) b * 34), 1);
        _mm512_store_ps(t->wd + 16 * b, _mm512_cvtph_ps(_mm512_cvtepi32_epi16(raw)));
    }
}

/* Block b's sums (c; Q6_K: c and c_hi for the two halves) into lane b % 8 of every (weight row, activation row). */
static AMX_INLINE void amx_epilogue(const int type, int b, const int32_t *c, const int32_t *c_hi,
                                    const amx_scratch *t, const float *dxt, const int32_t *sxt) {
    const __m512 dxv = _mm512_load_ps(dxt + 16 * (size_t) b);
    __m512i sxv = _mm512_setzero_si512();
    __m512 sxf = _mm512_setzero_ps();
    if (type == TYPE_Q5_1 || type == TYPE_Q4_K || type == TYPE_Q5_K) {
        sxv = _mm512_load_si512((const __m512i *) (sxt + 16 * (size_t) b));
        sxf = _mm512_cvtepi32_ps(sxv);
    }
    const __m512 neg = _mm512_set1_ps(-0.0f);
    float *acc = t->acc + (b % 8) * 16;
    const float *wd = t->wd + 16 * b;
    const float *wm = t->wm + 16 * b;
    const int32_t *wlo = t->wlo + 16 * b;
    const int32_t *whi = t->whi + 16 * b;
    const int32_t *wmn = t->wmn + 16 * b;
#pragma GCC unroll 16
    for (int r = 0; r < 16; r++) {
        __m512i isum = _mm512_load_si512((const __m512i *) (c + 16 * r));
        if (type == TYPE_Q4_K || type == TYPE_Q5_K) {
            isum = _mm512_mullo_epi32(isum, _mm512_set1_epi32(wlo[r]));
        } else if (type == TYPE_Q6_K) {
            isum = _mm512_add_epi32(
                    _mm512_mullo_epi32(isum, _mm512_set1_epi32(wlo[r])),
                    _mm512_mullo_epi32(_mm512_load_si512((const __m512i *) (c_hi + 16 * r)), _mm512_set1_epi32(whi[r])));
        }
        float *ap = acc + 128 * r;
        __m512 f = _mm512_load_ps(ap);
        f = _mm512_fmadd_ps(_mm512_mul_ps(_mm512_set1_ps(wd[r]), dxv), _mm512_cvtepi32_ps(isum), f);
        if (type == TYPE_Q5_1) {
            f = _mm512_fmadd_ps(_mm512_mul_ps(_mm512_set1_ps(wm[r]), dxv), sxf, f);
        } else if (type == TYPE_Q4_K || type == TYPE_Q5_K) {
            __m512i mins = _mm512_mullo_epi32(sxv, _mm512_set1_epi32(wmn[r]));
            f = _mm512_fmadd_ps(_mm512_xor_ps(_mm512_mul_ps(_mm512_set1_ps(wm[r]), dxv), neg),
                                _mm512_cvtepi32_ps(mins), f);
        }
        _mm512_store_ps(ap, f);
    }
}

/*
 * 16 weight rows (A tiles at a + b * a_step, stride a_stride) against activation group g (xb, dxt, sxt of the
 * group): outputs of activation rows 0 .. rows_i - 1 and weight rows 0 .. count - 1 into out (already offset to
 * the group's first activation row and the first weight row).
 */
static AMX_INLINE void amx_group(const int type, const int8_t *a, size_t a_step, size_t a_stride, const int8_t *xb,
                                 const float *dxt, const int32_t *sxt, int blocks, const amx_scratch *t, float *out,
                                 int out_stride, int count, int rows_i, const uint8_t *pf) {
    for (int k = 0; k < 128; k++) {
        _mm512_store_ps(t->acc + 16 * k, _mm512_setzero_ps());
    }
    int32_t *c = t->c;
    int b = 0;
    if (type != TYPE_Q6_K) {
        for (; b + 4 <= blocks; b += 4) {
            if (pf != NULL) {
                /* The same four blocks of the next 16 rows (Q8_0 in place): 16 strided streams are more than
                 * the hardware prefetcher follows. */
                for (int r = 0; r < 16; r++) {
                    const char *p = (const char *) pf + r * a_stride + b * a_step;
                    _mm_prefetch(p, _MM_HINT_T0);
                    _mm_prefetch(p + 64, _MM_HINT_T0);
                    _mm_prefetch(p + 128, _MM_HINT_T0);
                }
            }
            _tile_zero(0);
            _tile_zero(1);
            _tile_zero(2);
            _tile_zero(3);
            _tile_loadd(4, a + b * a_step, a_stride);
            _tile_loadd(6, xb + 512 * (size_t) b, 64);
            _tile_dpbssd(0, 4, 6);
            _tile_loadd(5, a + (b + 1) * a_step, a_stride);
            _tile_loadd(7, xb + 512 * (size_t) (b + 1), 64);
            _tile_dpbssd(1, 5, 7);
            _tile_loadd(4, a + (b + 2) * a_step, a_stride);
            _tile_loadd(6, xb + 512 * (size_t) (b + 2), 64);
            _tile_dpbssd(2, 4, 6);
            _tile_loadd(5, a + (b + 3) * a_step, a_stride);
            _tile_loadd(7, xb + 512 * (size_t) (b + 3), 64);
            _tile_dpbssd(3, 5, 7);
            _tile_stored(0, c, 64);
            _tile_stored(1, c + 256, 64);
            _tile_stored(2, c + 512, 64);
            _tile_stored(3, c + 768, 64);
            amx_epilogue(type, b, c, NULL, t, dxt, sxt);
            amx_epilogue(type, b + 1, c + 256, NULL, t, dxt, sxt);
            amx_epilogue(type, b + 2, c + 512, NULL, t, dxt, sxt);
            amx_epilogue(type, b + 3, c + 768, NULL, t, dxt, sxt);
        }
        for (; b < blocks; b++) {
            _tile_zero(0);
            _tile_loadd(4, a + b * a_step, a_stride);
            _tile_loadd(6, xb + 512 * (size_t) b, 64);
            _tile_dpbssd(0, 4, 6);
            _tile_stored(0, c, 64);
            amx_epilogue(type, b, c, NULL, t, dxt, sxt);
        }
    } else {
        /* K = 16: A tiles are the 16-byte halves of each row's block, B tiles the 4-row halves of the block. */
        for (; b + 2 <= blocks; b += 2) {
            _tile_zero(0);
            _tile_zero(1);
            _tile_zero(2);
            _tile_zero(3);
            _tile_loadd(4, a + b * a_step, a_stride);
            _tile_loadd(6, xb + 512 * (size_t) b, 64);
            _tile_dpbssd(0, 4, 6);
            _tile_loadd(5, a + b * a_step + 16, a_stride);
            _tile_loadd(7, xb + 512 * (size_t) b + 256, 64);
            _tile_dpbssd(1, 5, 7);
            _tile_loadd(4, a + (b + 1) * a_step, a_stride);
            _tile_loadd(6, xb + 512 * (size_t) (b + 1), 64);
            _tile_dpbssd(2, 4, 6);
            _tile_loadd(5, a + (b + 1) * a_step + 16, a_stride);
            _tile_loadd(7, xb + 512 * (size_t) (b + 1) + 256, 64);
            _tile_dpbssd(3, 5, 7);
            _tile_stored(0, c, 64);
            _tile_stored(1, c + 256, 64);
            _tile_stored(2, c + 512, 64);
            _tile_stored(3, c + 768, 64);
            amx_epilogue(type, b, c, c + 256, t, dxt, sxt);
            amx_epilogue(type, b + 1, c + 512, c + 768, t, dxt, sxt);
        }
        for (; b < blocks; b++) {
            _tile_zero(0);
            _tile_zero(1);
            _tile_loadd(4, a + b * a_step, a_stride);
            _tile_loadd(6, xb + 512 * (size_t) b, 64);
            _tile_dpbssd(0, 4, 6);
            _tile_loadd(5, a + b * a_step + 16, a_stride);
            _tile_loadd(7, xb + 512 * (size_t) b + 256, 64);
            _tile_dpbssd(1, 5, 7);
            _tile_stored(0, c, 64);
            _tile_stored(1, c + 256, 64);
            amx_epilogue(type, b, c, c + 256, t, dxt, sxt);
        }
    }
    for (int r = 0; r < 16; r++) {
        const float *ap = t->acc + 128 * r;
        __m512 a0 = _mm512_load_ps(ap), a1 = _mm512_load_ps(ap + 16);
        __m512 a2 = _mm512_load_ps(ap + 32), a3 = _mm512_load_ps(ap + 48);
        __m512 a4 = _mm512_load_ps(ap + 64), a5 = _mm512_load_ps(ap + 80);
        __m512 a6 = _mm512_load_ps(ap + 96), a7 = _mm512_load_ps(ap + 112);
        _mm512_store_ps(t->res + 16 * r,
                        _mm512_add_ps(_mm512_add_ps(_mm512_add_ps(a0, a1), _mm512_add_ps(a2, a3)),
                                      _mm512_add_ps(_mm512_add_ps(a4, a5), _mm512_add_ps(a6, a7))));
    }
    for (int i = 0; i < rows_i; i++) {
        for (int r = 0; r < count; r++) {
            out[(size_t) i * out_stride + r] = t->res[16 * r + i];
        }
    }
}

/* Every activation group against one group of 16 weight rows; type a constant after inlining. */
static AMX_INLINE void amx_groups(const int type, const int8_t *a, size_t a_step, size_t a_stride, int n,
                                  int blocks, const amx_scratch *t, float *out, int out_stride, int count,
                                  const uint8_t *pf) {
    for (int g = 0; 16 * g < n; g++) {
        int rows_i = n - 16 * g < 16 ? n - 16 * g : 16;
        amx_group(type, a, a_step, a_stride, t->xb + (size_t) g * blocks * 512, t->dxt + (size_t) g * blocks * 16,
                  t->sxt + (size_t) g * blocks * 16, blocks, t, out + (size_t) 16 * g * out_stride, out_stride,
                  count, rows_i, g == 0 ? pf : NULL);
    }
}

#define AMX_TYPE(T) \
    static AMX_TARGET void amx_unpack_##T(const uint8_t *w, int row_bytes, int r0, int count, int blocks, \
                                          const amx_scratch *t) { \
        amx_unpack(TYPE_##T, w, row_bytes, r0, count, blocks, t); \
    } \
    static AMX_TARGET void amx_groups_##T(const int8_t *a, size_t a_step, size_t a_stride, int n, int blocks, \
                                          const amx_scratch *t, float *out, int out_stride, int count, \
                                          const uint8_t *pf) { \
        amx_groups(TYPE_##T, a, a_step, a_stride, n, blocks, t, out, out_stride, count, pf); \
    }
AMX_TYPE(Q8_0)
AMX_TYPE(Q4_0)
AMX_TYPE(Q5_0)
AMX_TYPE(Q5_1)
AMX_TYPE(Q4_K)
AMX_TYPE(Q5_K)
AMX_TYPE(Q6_K)
#undef AMX_TYPE

/* The batched product with AMX tiles (n > 1); same arguments and bits as matmul_vnni. */
static AMX_TARGET void matmul_amx(int type, const uint8_t *w, int row_bytes, int row_start, int row_end,
                                  const int8_t *q, const float *d, const int32_t *s, int n, int cols, float *out,
                                  int out_stride, int out_offset, void *scratch) {
    int blocks = cols / 32;
    amx_scratch t;
    amx_carve(scratch, n, cols, &t);
    amx_tile_config cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.palette_id = 1;
    const int half = type == TYPE_Q6_K;
    for (int k = 0; k < 4; k++) {
        cfg.rows[k] = 16;
        cfg.colsb[k] = 64;
    }
    for (int k = 4; k < 6; k++) {
        cfg.rows[k] = 16;
        cfg.colsb[k] = half ? 16 : 32;
    }
    for (int k = 6; k < 8; k++) {
        cfg.rows[k] = half ? 4 : 8;
        cfg.colsb[k] = 64;
    }
    _tile_loadconfig(&cfg);
    amx_pack_x(q, d, s, n, cols, &t);
    for (int r0 = row_start; r0 < row_end; r0 += 16) {
        int count = row_end - r0 < 16 ? row_end - r0 : 16;
        float *o = out + out_offset + r0;
        const int8_t *a = t.wa;
        size_t a_step = 512;
        size_t a_stride = 32;
        const uint8_t *pf = NULL;
        if (type == TYPE_Q8_0 && count == 16) {
            /* Q8_0 values are the block's bytes: the A tiles load straight from the 16 rows in place. */
            amx_q8_0_scales(w, row_bytes, r0, blocks, &t);
            a = (const int8_t *) (w + (size_t) r0 * row_bytes + 2);
            a_step = 34;
            a_stride = (size_t) row_bytes;
            if (r0 + 32 <= row_end) {
                pf = w + (size_t) (r0 + 16) * row_bytes;
            }
        } else {
            switch (type) {
                case TYPE_Q8_0: amx_unpack_Q8_0(w, row_bytes, r0, count, blocks, &t); break;
                case TYPE_Q4_0: amx_unpack_Q4_0(w, row_bytes, r0, count, blocks, &t); break;
                case TYPE_Q5_0: amx_unpack_Q5_0(w, row_bytes, r0, count, blocks, &t); break;
                case TYPE_Q5_1: amx_unpack_Q5_1(w, row_bytes, r0, count, blocks, &t); break;
                case TYPE_Q4_K: amx_unpack_Q4_K(w, row_bytes, r0, count, blocks, &t); break;
                case TYPE_Q5_K: amx_unpack_Q5_K(w, row_bytes, r0, count, blocks, &t); break;
                case TYPE_Q6_K: amx_unpack_Q6_K(w, row_bytes, r0, count, blocks, &t); break;
                default: break;
            }
        }
        switch (type) {
            case TYPE_Q8_0: amx_groups_Q8_0(a, a_step, a_stride, n, blocks, &t, o, out_stride, count, pf); break;
            case TYPE_Q4_0: amx_groups_Q4_0(a, a_step, a_stride, n, blocks, &t, o, out_stride, count, pf); break;
            case TYPE_Q5_0: amx_groups_Q5_0(a, a_step, a_stride, n, blocks, &t, o, out_stride, count, pf); break;
            case TYPE_Q5_1: amx_groups_Q5_1(a, a_step, a_stride, n, blocks, &t, o, out_stride, count, pf); break;
            case TYPE_Q4_K: amx_groups_Q4_K(a, a_step, a_stride, n, blocks, &t, o, out_stride, count, pf); break;
            case TYPE_Q5_K: amx_groups_Q5_K(a, a_step, a_stride, n, blocks, &t, o, out_stride, count, pf); break;
            case TYPE_Q6_K: amx_groups_Q6_K(a, a_step, a_stride, n, blocks, &t, o, out_stride, count, pf); break;
            default: break;
        }
    }
    _tile_release();
}
