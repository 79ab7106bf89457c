// Dequantization and matrix-vector products over GGUF blocks. The block layouts and the
// dequantization formulas are ggml's (the GGUF format's definition). The portable products
// dequantize one block into a small buffer and take a float dot product. The AVX2 products of
// the quantized types quantize the activations to int8 per block of 32 (as llama.cpp's CPU path
// does), decode the weight codes in registers and multiply them as integers (maddubs/madd), one
// float FMA per block; F16/F32 rows use float FMA. Both read each weight once and never hold a
// dequantized matrix.
#include "twinlog_kernels.h"

#include <string.h>

enum {
    T_F32 = 0, T_F16 = 1, T_Q4_0 = 2, T_Q4_1 = 3, T_Q5_0 = 6, T_Q5_1 = 7, T_Q8_0 = 8,
    T_Q2_K = 10, T_Q3_K = 11, T_Q4_K = 12, T_Q5_K = 13, T_Q6_K = 14, T_BF16 = 30,
};

int tw_block_elements(uint32_t type) {
    switch (type) {
    case T_F32: case T_F16: case T_BF16: return 1;
    case T_Q4_0: case T_Q4_1: case T_Q5_0: case T_Q5_1: case T_Q8_0: return 32;
    case T_Q2_K: case T_Q3_K: case T_Q4_K: case T_Q5_K: case T_Q6_K: return 256;
    default: return 0;
    }
}

int tw_block_bytes(uint32_t type) {
    switch (type) {
    case T_F32: return 4;
    case T_F16: case T_BF16: return 2;
    case T_Q4_0: return 18;   // f16 d, 16 bytes of nibbles
    case T_Q4_1: return 20;   // f16 d, f16 m, 16 bytes of nibbles
    case T_Q5_0: return 22;   // f16 d, 32 high bits, 16 bytes of nibbles
    case T_Q5_1: return 24;   // f16 d, f16 m, 32 high bits, 16 bytes of nibbles
    case T_Q8_0: return 34;   // f16 d, 32 signed bytes
    case T_Q2_K: return 84;   // 16 scale/min bytes, 64 bytes of 2-bit codes, f16 d, f16 dmin
    case T_Q3_K: return 110;  // 32 high-bit bytes, 64 bytes of 2-bit codes, 12 scale bytes, f16 d
    case T_Q4_K: return 144;  // f16 d, f16 dmin, 12 scale/min bytes, 128 bytes of nibbles
    case T_Q5_K: return 176;  // f16 d, f16 dmin, 12 scale/min bytes, 32 high-bit bytes, 128 nibble bytes
    case T_Q6_K: return 210;  // 128 low-nibble bytes, 64 high-bit bytes, 16 signed scales, f16 d
    default: return 0;
    }
}

int tw_type_supported(uint32_t type) { return tw_block_elements(type) != 0; }

static inline uint16_t load_u16(const uint8_t *p) { uint16_t v; memcpy(&v, p, 2); return v; }
static inline uint32_t load_u32(const uint8_t *p) { uint32_t v; memcpy(&v, p, 4); return v; }

/// IEEE half to float, exact for every input (subnormals scaled by 2⁻²⁴, infinities and NaNs kept).
static inline float half_to_float(uint16_t h) {
    uint32_t sign = (uint32_t)(h & 0x8000u) << 16;
    uint32_t exponent = (h >> 10) & 0x1Fu, mantissa = h & 0x3FFu, bits;
    float f;
    if (exponent == 0) {
        f = (float)mantissa * 5.9604644775390625e-8f;
        memcpy(&bits, &f, 4);
        bits |= sign;
    } else if (exponent == 31) {
        bits = sign | 0x7F800000u | (mantissa << 13);
    } else {
        bits = sign | ((exponent + 112) << 23) | (mantissa << 13);
    }
    memcpy(&f, &bits, 4);
    return f;
}

static inline float half_at(const uint8_t *p) { return half_to_float(load_u16(p)); }

/// The 6-bit scale and minimum of sub-block j of a Q4_K or Q5_K super-block.
static inline void scale_min_k4(int j, const uint8_t *q, uint8_t *scale, uint8_t *minimum) {
    if (j < 4) {
        *scale = q[j] & 63;
        *minimum = q[j + 4] & 63;
    } else {
        *scale = (q[j + 4] & 0xF) | ((q[j - 4] >> 6) << 4);
        *minimum = (q[j + 4] >> 4) | ((q[j] >> 6) << 4);
    }
}

// One block of each type to float32, in ggml's formulas and operand order.

static void block_q4_0(const uint8_t *b, float *y) {
    const float d = half_at(b);
    for (int j = 0; j < 16; j++) {
        y[j] = (float)((b[2 + j] & 0x0F) - 8) * d;
        y[j + 16] = (float)((b[2 + j] >> 4) - 8) * d;
    }
}

static void block_q4_1(const uint8_t *b, float *y) {
    const float d = half_at(b), m = half_at(b + 2);
    for (int j = 0; j < 16; j++) {
        y[j] = (float)(b[4 + j] & 0x0F) * d + m;
        y[j + 16] = (float)(b[4 + j] >> 4) * d + m;
    }
}

static void block_q5_0(const uint8_t *b, float *y) {
    const float d = half_at(b);
    const uint32_t qh = load_u32(b + 2);
    for (int j = 0; j < 16; j++) {
        const int high0 = ((qh >> j) << 4) & 0x10, high1 = (qh >> (j + 12)) & 0x10;
        y[j] = (float)(((b[6 + j] & 0x0F) | high0) - 16) * d;
        y[j + 16] = (float)(((b[6 + j] >> 4) | high1) - 16) * d;
    }
}

static void block_q5_1(const uint8_t *b, float *y) {
    const float d = half_at(b), m = half_at(b + 2);
    const uint32_t qh = load_u32(b + 4);
    for (int j = 0; j < 16; j++) {
        const int high0 = ((qh >> j) << 4) & 0x10, high1 = (qh >> (j + 12)) & 0x10;
        y[j] = (float)((b[8 + j] & 0x0F) | high0) * d + m;
        y[j + 16] = (float)((b[8 + j] >> 4) | high1) * d + m;
    }
}

static void block_q8_0(const uint8_t *b, float *y) {
    const float d = half_at(b);
    for (int j = 0; j < 32; j++) y[j] = (float)(int8_t)b[2 + j] * d;
}

static void block_q2_k(const uint8_t *b, float *y) {
    const uint8_t *scales = b, *q = b + 16;
    const float d = half_at(b + 80), dmin = half_at(b + 82);
    int is = 0;
    for (int n = 0; n < 256; n += 128) {
        for (int shift = 0; shift < 8; shift += 2) {
            for (int half = 0; half < 2; half++) {
                const uint8_t sc = scales[is++];
                const float dl = d * (float)(sc & 0xF), ml = dmin * (float)(sc >> 4);
                for (int l = 0; l < 16; l++) *y++ = dl * (float)((q[16 * half + l] >> shift) & 3) - ml;
            }
        }
        q += 32;
    }
}

static void block_q3_k(const uint8_t *b, float *y) {
    const uint8_t *hmask = b, *q = b + 32, *packed = b + 96;
    const float d = half_at(b + 108);
    // The 16 six-bit scales: low 4 bits from bytes 0-7, high 2 bits from bytes 8-11.
    int8_t scales[16];
    for (int i = 0; i < 16; i++) {
        const int low = i < 8 ? (packed[i] & 0xF) : (packed[i - 8] >> 4);
        const int high = (packed[8 + (i % 4)] >> (2 * (i / 4))) & 3;
        scales[i] = (int8_t)((low | (high << 4)) - 32);
    }
    int is = 0;
    uint8_t m = 1;
    for (int n = 0; n < 256; n += 128) {
        for (int shift = 0; shift < 8; shift += 2) {
            for (int half = 0; half < 2; half++) {
                const float dl = d * (float)scales[is++];
                for (int l = 0; l < 16; l++) {
                    const int k = 16 * half + l;
                    *y++ = dl * (float)((int8_t)((q[k] >> shift) & 3) - ((hmask[k] & m) ? 0 : 4));
                }
            }
            m <<= 1;
        }
        q += 32;
    }
}

static void block_q4_k(const uint8_t *b, float *y) {
    const float d = half_at(b), dmin = half_at(b + 2);
    const uint8_t *scales = b + 4, *q = b + 16;
    for (int j = 0, is = 0; j < 256; j += 64, is += 2, q += 32) {
        uint8_t sc, m;
        scale_min_k4(is, scales, &sc, &m);
        const float d1 = d * (float)sc, m1 = dmin * (float)m;
        scale_min_k4(is + 1, scales, &sc, &m);
        const float d2 = d * (float)sc, m2 = dmin * (float)m;
        for (int l = 0; l < 32; l++) *y++ = d1 * (float)(q[l] & 0xF) - m1;
        for (int l = 0; l < 32; l++) *y++ = d2 * (float)(q[l] >> 4) - m2;
    }
}

static void block_q5_k(const uint8_t *b, float *y) {
    const float d = half_at(b), dmin = half_at(b + 2);
    const uint8_t *scales = b + 4, *qh = b + 16, *q = b + 48;
    uint8_t u1 = 1, u2 = 2;
    for (int j = 0, is = 0; j < 256; j += 64, is += 2, q += 32, u1 <<= 2, u2 <<= 2) {
        uint8_t sc, m;
        scale_min_k4(is, scales, &sc, &m);
        const float d1 = d * (float)sc, m1 = dmin * (float)m;
        scale_min_k4(is + 1, scales, &sc, &m);
        const float d2 = d * (float)sc, m2 = dmin * (float)m;
        for (int l = 0; l < 32; l++) *y++ = d1 * (float)((q[l] & 0xF) + ((qh[l] & u1) ? 16 : 0)) - m1;
        for (int l = 0; l < 32; l++) *y++ = d2 * (float)((q[l] >> 4) + ((qh[l] & u2) ? 16 : 0)) - m2;
    }
}

static void block_q6_k(const uint8_t *b, float *y) {
    const uint8_t *ql = b, *qh = b + 128;
    const int8_t *sc = (const int8_t *)(b + 192);
    const float d = half_at(b + 208);
    for (int n = 0; n < 256; n += 128, y += 128, ql += 64, qh += 32, sc += 8) {
        for (int l = 0; l < 32; l++) {
            const int is = l / 16;
            const int q1 = (int8_t)((ql[l] & 0xF) | (((qh[l] >> 0) & 3) << 4)) - 32;
            const int q2 = (int8_t)((ql[l + 32] & 0xF) | (((qh[l] >> 2) & 3) << 4)) - 32;
            const int q3 = (int8_t)((ql[l] >> 4) | (((qh[l] >> 4) & 3) << 4)) - 32;
            const int q4 = (int8_t)((ql[l + 32] >> 4) | (((qh[l] >> 6) & 3) << 4)) - 32;
            y[l] = d * (float)sc[is] * (float)q1;
            y[l + 32] = d * (float)sc[is + 2] * (float)q2;
            y[l + 64] = d * (float)sc[is + 4] * (float)q3;
            y[l + 96] = d * (float)sc[is + 6] * (float)q4;
        }
    }
}

/// One block of `type` at `b` to float32 (a block of the float types is one element).
static void dequantize_block(uint32_t type, const uint8_t *b, float *y) {
    switch (type) {
    case T_F32: memcpy(y, b, 4); break;
    case T_F16: *y = half_at(b); break;
    case T_BF16: { uint32_t bits = (uint32_t)load_u16(b) << 16; memcpy(y, &bits, 4); break; }
    case T_Q4_0: block_q4_0(b, y); break;
    case T_Q4_1: block_q4_1(b, y); break;
    case T_Q5_0: block_q5_0(b, y); break;
    case T_Q5_1: block_q5_1(b, y); break;
    case T_Q8_0: block_q8_0(b, y); break;
    case T_Q2_K: block_q2_k(b, y); break;
    case T_Q3_K: block_q3_k(b, y); break;
    case T_Q4_K: block_q4_k(b, y); break;
    case T_Q5_K: block_q5_k(b, y); break;
    case T_Q6_K: block_q6_k(b, y); break;
    default: break;
    }
}

static void dequantize_portable(uint32_t type, const void *source, float *destination, int64_t count) {
    const int elements = tw_block_elements(type), bytes = tw_block_bytes(type);
    if (elements == 0) return;
    const uint8_t *b = source;
    for (int64_t i = 0; i < count / elements; i++) dequantize_block(type, b + i * bytes, destination + i * elements);
}

/// Σ a[i] b[i] with four partial sums.
static float dot(const float *a, const float *b, int64_t n) {
    float s0 = 0, s1 = 0, s2 = 0, s3 = 0;
    int64_t i = 0;
    for (; i + 4 <= n; i += 4) {
        s0 += a[i] * b[i];
        s1 += a[i + 1] * b[i + 1];
        s2 += a[i + 2] * b[i + 2];
        s3 += a[i + 3] * b[i + 3];
    }
    for (; i < n; i++) s0 += a[i] * b[i];
    return (s0 + s1) + (s2 + s3);
}

static void matvec_portable(uint32_t type, const uint8_t *weights, size_t row_bytes, int64_t columns,
                            const float *x, float *y, int64_t first, int64_t end) {
    const int elements = tw_block_elements(type), bytes = tw_block_bytes(type);
    if (type == T_F32) {
        for (int64_t r = first; r < end; r++) y[r] = dot((const float *)(weights + r * row_bytes), x, columns);
        return;
    }
    // Float types are dequantized 256 elements at a time; quantized ones a block at a time.
    const int step = elements == 1 ? 256 : elements;
    float buffer[256];
    for (int64_t r = first; r < end; r++) {
        const uint8_t *row = weights + r * row_bytes;
        float sum = 0;
        for (int64_t c = 0; c < columns; c += step) {
            const int64_t n = columns - c < step ? columns - c : step;
            dequantize_portable(type, row + c / elements * bytes, buffer, n);
            sum += dot(buffer, x + c, n);
        }
        y[r] = sum;
    }
}

#if defined(__x86_64__) || defined(_M_X64)
#include <immintrin.h>
#define AVX2 __attribute__((target("avx2,fma,f16c")))

/// 8 signed bytes (the low half of `codes`) as 8 floats.
AVX2 static inline __m256 codes8(__m128i codes) { return _mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(codes)); }

AVX2 static inline float hsum(__m256 v) {
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
}

AVX2 static inline float half_avx(const uint8_t *p) { return _cvtsh_ss(load_u16(p)); }

AVX2 static inline __m128i load16(const uint8_t *p) { return _mm_loadu_si128((const __m128i *)p); }

/// 16 bits of `bits` spread to 16 bytes: 0x10 where the bit is set, 0 elsewhere.
AVX2 static inline __m128i bits_to_0x10(uint32_t bits) {
    const __m128i spread = _mm_setr_epi8(0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1);
    const __m128i select = _mm_setr_epi8(1, 2, 4, 8, 16, 32, 64, -128, 1, 2, 4, 8, 16, 32, 64, -128);
    __m128i v = _mm_shuffle_epi8(_mm_cvtsi32_si128((int)bits), spread);
    v = _mm_cmpeq_epi8(_mm_and_si128(v, select), select);
    return _mm_and_si128(v, _mm_set1_epi8(0x10));
}

/// Activations quantized for the integer products, as llama.cpp's CPU path does: per block of 32
/// values int8 codes q = round(x / d) with d = max|x| / 127, and the block's float sum (for the
/// minimum terms). The products then multiply int8 weights by int8 activations with maddubs/madd.
typedef struct {
    int8_t *q;
    float *d;
    float *sum;
} quantized_x;

AVX2 static void quantize_x(const float *x, int64_t blocks, quantized_x out) {
    const __m256 sign = _mm256_set1_ps(-0.0f);
    for (int64_t b = 0; b < blocks; b++, x += 32) {
        const __m256 v0 = _mm256_loadu_ps(x), v1 = _mm256_loadu_ps(x + 8), v2 = _mm256_loadu_ps(x + 16),
                     v3 = _mm256_loadu_ps(x + 24);
        __m256 m = _mm256_max_ps(_mm256_max_ps(_mm256_andnot_ps(sign, v0), _mm256_andnot_ps(sign, v1)),
                                 _mm256_max_ps(_mm256_andnot_ps(sign, v2), _mm256_andnot_ps(sign, v3)));
        __m128 h = _mm_max_ps(_mm256_castps256_ps128(m), _mm256_extractf128_ps(m, 1));
        h = _mm_max_ps(h, _mm_movehl_ps(h, h));
        h = _mm_max_ss(h, _mm_movehdup_ps(h));
        const float amax = _mm_cvtss_f32(h);
        out.d[b] = amax / 127.0f;
        out.sum[b] = hsum(_mm256_add_ps(_mm256_add_ps(v0, v1), _mm256_add_ps(v2, v3)));
        const __m256 inverse = _mm256_set1_ps(amax != 0.0f ? 127.0f / amax : 0.0f);
        // cvtps rounds to nearest, ties to even (the default rounding mode).
        const __m256i i0 = _mm256_cvtps_epi32(_mm256_mul_ps(v0, inverse));
        const __m256i i1 = _mm256_cvtps_epi32(_mm256_mul_ps(v1, inverse));
        const __m256i i2 = _mm256_cvtps_epi32(_mm256_mul_ps(v2, inverse));
        const __m256i i3 = _mm256_cvtps_epi32(_mm256_mul_ps(v3, inverse));
        // The packs interleave the 128-bit lanes; the permutation puts the 4-byte groups back in order.
        const __m256i packed = _mm256_packs_epi16(_mm256_packs_epi32(i0, i1), _mm256_packs_epi32(i2, i3));
        _mm256_storeu_si256((__m256i *)(out.q + 32 * b),
                            _mm256_permutevar8x32_epi32(packed, _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7)));
    }
}

/// Σ w·x over 32 signed int8 weights and activations, as 8 int32 partial sums converted to float:
/// lanes 0-3 hold elements 0-15, lanes 4-7 elements 16-31.
AVX2 static inline __m256 idot_signed(__m256i w, __m256i x) {
    const __m256i products = _mm256_maddubs_epi16(_mm256_sign_epi8(w, w), _mm256_sign_epi8(x, w));
    return _mm256_cvtepi32_ps(_mm256_madd_epi16(products, _mm256_set1_epi16(1)));
}

/// The same for unsigned weights below 128.
AVX2 static inline __m256 idot_unsigned(__m256i w, __m256i x) {
    return _mm256_cvtepi32_ps(_mm256_madd_epi16(_mm256_maddubs_epi16(w, x), _mm256_set1_epi16(1)));
}

AVX2 static inline __m256i join(__m128i low, __m128i high) { return _mm256_set_m128i(high, low); }

AVX2 static inline __m256i load_x(const quantized_x *x, int64_t block) {
    return _mm256_loadu_si256((const __m256i *)(x->q + 32 * block));
}

AVX2 static float row_q4_0(const uint8_t *b, int64_t blocks, const quantized_x *x) {
    const __m128i mask = _mm_set1_epi8(0x0F);
    const __m256i eight = _mm256_set1_epi8(8);
    __m256 acc = _mm256_setzero_ps();
    for (int64_t i = 0; i < blocks; i++, b += 18) {
        const __m128i q = load16(b + 2);
        const __m256i w = _mm256_sub_epi8(join(_mm_and_si128(q, mask), _mm_and_si128(_mm_srli_epi16(q, 4), mask)), eight);
        acc = _mm256_fmadd_ps(_mm256_set1_ps(half_avx(b) * x->d[i]), idot_signed(w, load_x(x, i)), acc);
    }
    return hsum(acc);
}

AVX2 static float row_q4_1(const uint8_t *b, int64_t blocks, const quantized_x *x) {
    const __m128i mask = _mm_set1_epi8(0x0F);
    __m256 acc = _mm256_setzero_ps();
    float bias = 0;
    for (int64_t i = 0; i < blocks; i++, b += 20) {
        const __m128i q = load16(b + 4);
        const __m256i w = join(_mm_and_si128(q, mask), _mm_and_si128(_mm_srli_epi16(q, 4), mask));
        acc = _mm256_fmadd_ps(_mm256_set1_ps(half_avx(b) * x->d[i]), idot_unsigned(w, load_x(x, i)), acc);
        bias += half_avx(b + 2) * x->sum[i];
    }
    return hsum(acc) + bias;
}

AVX2 static float row_q5_0(const uint8_t *b, int64_t blocks, const quantized_x *x) {
    const __m128i mask = _mm_set1_epi8(0x0F);
    const __m256i sixteen = _mm256_set1_epi8(16);
    __m256 acc = _mm256_setzero_ps();
    for (int64_t i = 0; i < blocks; i++, b += 22) {
        const uint32_t qh = load_u32(b + 2);
        const __m128i q = load16(b + 6);
        const __m128i low = _mm_or_si128(_mm_and_si128(q, mask), bits_to_0x10(qh & 0xFFFF));
        const __m128i high = _mm_or_si128(_mm_and_si128(_mm_srli_epi16(q, 4), mask), bits_to_0x10(qh >> 16));
        const __m256i w = _mm256_sub_epi8(join(low, high), sixteen);
        acc = _mm256_fmadd_ps(_mm256_set1_ps(half_avx(b) * x->d[i]), idot_signed(w, load_x(x, i)), acc);
    }
    return hsum(acc);
}

AVX2 static float row_q5_1(const uint8_t *b, int64_t blocks, const quantized_x *x) {
    const __m128i mask = _mm_set1_epi8(0x0F);
    __m256 acc = _mm256_setzero_ps();
    float bias = 0;
    for (int64_t i = 0; i < blocks; i++, b += 24) {
        const uint32_t qh = load_u32(b + 4);
        const __m128i q = load16(b + 8);
        const __m128i low = _mm_or_si128(_mm_and_si128(q, mask), bits_to_0x10(qh & 0xFFFF));
        const __m128i high = _mm_or_si128(_mm_and_si128(_mm_srli_epi16(q, 4), mask), bits_to_0x10(qh >> 16));
        acc = _mm256_fmadd_ps(_mm256_set1_ps(half_avx(b) * x->d[i]), idot_unsigned(join(low, high), load_x(x, i)), acc);
        bias += half_avx(b + 2) * x->sum[i];
    }
    return hsum(acc) + bias;
}

AVX2 static float row_q8_0(const uint8_t *b, int64_t blocks, const quantized_x *x) {
    __m256 acc = _mm256_setzero_ps();
    for (int64_t i = 0; i < blocks; i++, b += 34) {
        const __m256i w = _mm256_loadu_si256((const __m256i *)(b + 2));
        acc = _mm256_fmadd_ps(_mm256_set1_ps(half_avx(b) * x->d[i]), idot_signed(w, load_x(x, i)), acc);
    }
    return hsum(acc);
}

/// The eight 6-bit scales and minimums of a Q4_K or Q5_K super-block.
static inline void scales_mins_k4(const uint8_t *packed, uint8_t *scales, uint8_t *mins) {
    for (int j = 0; j < 8; j++) scale_min_k4(j, packed, &scales[j], &mins[j]);
}

/// The eight sub-block scales of a K-quant super-block as floats, times d and the activations' block
/// scales, and the minimums times dmin: one vector each, so the inner loop broadcasts from memory.
AVX2 static inline void k_scales(const uint8_t *sc, const uint8_t *m, float d, float dmin, const float *dx,
                                 float *scales, __m256 *minimums) {
    const __m256 s = _mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(_mm_loadl_epi64((const __m128i *)sc)));
    _mm256_storeu_ps(scales, _mm256_mul_ps(_mm256_mul_ps(_mm256_set1_ps(d), s), _mm256_loadu_ps(dx)));
    *minimums = _mm256_mul_ps(_mm256_set1_ps(dmin), _mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(_mm_loadl_epi64((const __m128i *)m))));
}

AVX2 static float row_q4_k(const uint8_t *b, int64_t blocks, const quantized_x *x) {
    const __m128i mask = _mm_set1_epi8(0x0F);
    // Two accumulators (even and odd sub-blocks) halve the FMA dependency chain; the minimums'
    // share Σ dmin·m_g·Σx_g accumulates as a vector and is summed once per row.
    __m256 acc0 = _mm256_setzero_ps(), acc1 = _mm256_setzero_ps(), bias = _mm256_setzero_ps();
    float scales[8];
    for (int64_t i = 0; i < blocks; i++, b += 144) {
        uint8_t sc[8], m[8];
        scales_mins_k4(b + 4, sc, m);
        __m256 minimums;
        k_scales(sc, m, half_avx(b), half_avx(b + 2), x->d + 8 * i, scales, &minimums);
        bias = _mm256_fmadd_ps(minimums, _mm256_loadu_ps(x->sum + 8 * i), bias);
        const uint8_t *q = b + 16;
        for (int j = 0; j < 4; j++, q += 32) {
            const int64_t xa = 8 * i + 2 * j;
            const __m128i q0 = load16(q), q1 = load16(q + 16);
            const __m256i low = join(_mm_and_si128(q0, mask), _mm_and_si128(q1, mask));
            const __m256i high = join(_mm_and_si128(_mm_srli_epi16(q0, 4), mask), _mm_and_si128(_mm_srli_epi16(q1, 4), mask));
            acc0 = _mm256_fmadd_ps(_mm256_broadcast_ss(&scales[2 * j]), idot_unsigned(low, load_x(x, xa)), acc0);
            acc1 = _mm256_fmadd_ps(_mm256_broadcast_ss(&scales[2 * j + 1]), idot_unsigned(high, load_x(x, xa + 1)), acc1);
        }
    }
    return hsum(_mm256_add_ps(acc0, acc1)) - hsum(bias);
}

AVX2 static float row_q5_k(const uint8_t *b, int64_t blocks, const quantized_x *x) {
    const __m128i mask = _mm_set1_epi8(0x0F), sixteen = _mm_set1_epi8(16);
    __m256 acc0 = _mm256_setzero_ps(), acc1 = _mm256_setzero_ps(), bias = _mm256_setzero_ps();
    float scales[8];
    for (int64_t i = 0; i < blocks; i++, b += 176) {
        uint8_t sc[8], m[8];
        scales_mins_k4(b + 4, sc, m);
        __m256 minimums;
        k_scales(sc, m, half_avx(b), half_avx(b + 2), x->d + 8 * i, scales, &minimums);
        bias = _mm256_fmadd_ps(minimums, _mm256_loadu_ps(x->sum + 8 * i), bias);
        const __m128i h0 = load16(b + 16), h1 = load16(b + 32);
        const uint8_t *q = b + 48;
        for (int j = 0; j < 4; j++, q += 32) {
            const __m128i bit1 = _mm_set1_epi8((char)(1 << (2 * j))), bit2 = _mm_set1_epi8((char)(2 << (2 * j)));
            // The fifth bit: 16 where the high-bit byte has this sub-block's bit.
            #define FIFTH(h, bit) _mm_and_si128(_mm_cmpeq_epi8(_mm_and_si128(h, bit), bit), sixteen)
            const __m128i q0 = load16(q), q1 = load16(q + 16);
            const __m256i low = join(_mm_or_si128(_mm_and_si128(q0, mask), FIFTH(h0, bit1)),
                                     _mm_or_si128(_mm_and_si128(q1, mask), FIFTH(h1, bit1)));
            const __m256i high = join(_mm_or_si128(_mm_and_si128(_mm_srli_epi16(q0, 4), mask), FIFTH(h0, bit2)),
                                      _mm_or_si128(_mm_and_si128(_mm_srli_epi16(q1, 4), mask), FIFTH(h1, bit2)));
            #undef FIFTH
            const int64_t xa = 8 * i + 2 * j;
            acc0 = _mm256_fmadd_ps(_mm256_broadcast_ss(&scales[2 * j]), idot_unsigned(low, load_x(x, xa)), acc0);
            acc1 = _mm256_fmadd_ps(_mm256_broadcast_ss(&scales[2 * j + 1]), idot_unsigned(high, load_x(x, xa + 1)), acc1);
        }
    }
    return hsum(_mm256_add_ps(acc0, acc1)) - hsum(bias);
}

AVX2 static float row_q6_k(const uint8_t *b, int64_t blocks, const quantized_x *x) {
    const __m128i low4 = _mm_set1_epi8(0x0F), bits45 = _mm_set1_epi8(0x30);
    const __m256i offset = _mm256_set1_epi8(32);
    const __m256i pairs_low = _mm256_setr_epi32(0, 0, 1, 1, 2, 2, 3, 3), pairs_high = _mm256_setr_epi32(4, 4, 5, 5, 6, 6, 7, 7);
    __m256 acc = _mm256_setzero_ps(), acc1 = _mm256_setzero_ps();
    float scales[16];
    for (int64_t i = 0; i < blocks; i++, b += 210) {
        // Sub-block j's scale times d times the scale of the activation block (j / 2) it lies in.
        const __m128i sc = _mm_loadu_si128((const __m128i *)(b + 192));
        const __m256 d = _mm256_set1_ps(half_avx(b + 208)), dx = _mm256_loadu_ps(x->d + 8 * i);
        _mm256_storeu_ps(scales, _mm256_mul_ps(_mm256_mul_ps(d, _mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(sc))),
                                               _mm256_permutevar8x32_ps(dx, pairs_low)));
        _mm256_storeu_ps(scales + 8, _mm256_mul_ps(_mm256_mul_ps(d, _mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(_mm_unpackhi_epi64(sc, sc)))),
                                                   _mm256_permutevar8x32_ps(dx, pairs_high)));
        for (int n = 0; n < 2; n++) {
            const uint8_t *ql = b + 64 * n, *qh = b + 128 + 32 * n;
            // Codes of segment k for l in [0, 16) and [16, 32): weights 128n + 32k + l.
            __m128i codes[2][4];
            for (int half = 0; half < 2; half++) {
                const int l0 = 16 * half;
                const __m128i a = load16(ql + l0), c = load16(ql + 32 + l0), h = load16(qh + l0);
                codes[half][0] = _mm_or_si128(_mm_and_si128(a, low4), _mm_and_si128(_mm_slli_epi16(h, 4), bits45));
                codes[half][1] = _mm_or_si128(_mm_and_si128(c, low4), _mm_and_si128(_mm_slli_epi16(h, 2), bits45));
                codes[half][2] = _mm_or_si128(_mm_and_si128(_mm_srli_epi16(a, 4), low4), _mm_and_si128(h, bits45));
                codes[half][3] = _mm_or_si128(_mm_and_si128(_mm_srli_epi16(c, 4), low4), _mm_and_si128(_mm_srli_epi16(h, 2), bits45));
            }
            for (int k = 0; k < 4; k++) {
                const int t = 4 * n + k;
                // Lanes 0-3 hold weights 0-15 of the segment (sub-block 2t), lanes 4-7 weights 16-31 (2t + 1).
                const __m256 scale = _mm256_insertf128_ps(_mm256_castps128_ps256(_mm_broadcast_ss(&scales[2 * t])),
                                                          _mm_broadcast_ss(&scales[2 * t + 1]), 1);
                const __m256i w = _mm256_sub_epi8(join(codes[0][k], codes[1][k]), offset);
                if (k % 2 == 0) {
                    acc = _mm256_fmadd_ps(scale, idot_signed(w, load_x(x, 8 * i + t)), acc);
                } else {
                    acc1 = _mm256_fmadd_ps(scale, idot_signed(w, load_x(x, 8 * i + t)), acc1);
                }
            }
        }
    }
    return hsum(_mm256_add_ps(acc, acc1));
}

AVX2 static float row_f16(const uint8_t *b, int64_t columns, const float *x) {
    __m256 acc = _mm256_setzero_ps();
    int64_t c = 0;
    for (; c + 8 <= columns; c += 8) {
        const __m256 w = _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(b + 2 * c)));
        acc = _mm256_fmadd_ps(w, _mm256_loadu_ps(x + c), acc);
    }
    float sum = hsum(acc);
    for (; c < columns; c++) sum += half_avx(b + 2 * c) * x[c];
    return sum;
}

AVX2 static float row_f32(const float *w, int64_t columns, const float *x) {
    __m256 acc0 = _mm256_setzero_ps(), acc1 = _mm256_setzero_ps();
    int64_t c = 0;
    for (; c + 16 <= columns; c += 16) {
        acc0 = _mm256_fmadd_ps(_mm256_loadu_ps(w + c), _mm256_loadu_ps(x + c), acc0);
        acc1 = _mm256_fmadd_ps(_mm256_loadu_ps(w + c + 8), _mm256_loadu_ps(x + c + 8), acc1);
    }
    float sum = hsum(_mm256_add_ps(acc0, acc1));
    for (; c < columns; c++) sum += w[c] * x[c];
    return sum;
}

/// y[0..16) = codes · scale (+ add or − subtract, as ggml's formula for the type writes it): a
/// multiply then an add, never a fused multiply-add, so the values are bit-exact with the scalar
/// reference.
enum { NO_MIN = 0, ADD_MIN = 1, SUB_MIN = 2 };
AVX2 static inline void put16(__m128i codes, float scale, float minimum, int form, float *y) {
    const __m256 s = _mm256_set1_ps(scale), m = _mm256_set1_ps(minimum);
    __m256 a = _mm256_mul_ps(codes8(codes), s), b = _mm256_mul_ps(codes8(_mm_unpackhi_epi64(codes, codes)), s);
    if (form == ADD_MIN) { a = _mm256_add_ps(a, m); b = _mm256_add_ps(b, m); }
    if (form == SUB_MIN) { a = _mm256_sub_ps(a, m); b = _mm256_sub_ps(b, m); }
    _mm256_storeu_ps(y, a);
    _mm256_storeu_ps(y + 8, b);
}

/// The AVX2 dequantization of the types prefill meets most; returns 0 for the others.
AVX2 static int dequantize_avx2(uint32_t type, const uint8_t *b, float *y, int64_t count) {
    const __m128i mask = _mm_set1_epi8(0x0F);
    switch (type) {
    case T_F16: {
        int64_t i = 0;
        for (; i + 8 <= count; i += 8) _mm256_storeu_ps(y + i, _mm256_cvtph_ps(load16(b + 2 * i)));
        for (; i < count; i++) y[i] = half_avx(b + 2 * i);
        return 1;
    }
    case T_Q4_0:
        for (int64_t i = 0; i < count / 32; i++, b += 18, y += 32) {
            const __m128i q = load16(b + 2), eight = _mm_set1_epi8(8);
            put16(_mm_sub_epi8(_mm_and_si128(q, mask), eight), half_avx(b), 0, NO_MIN, y);
            put16(_mm_sub_epi8(_mm_and_si128(_mm_srli_epi16(q, 4), mask), eight), half_avx(b), 0, NO_MIN, y + 16);
        }
        return 1;
    case T_Q4_1:
        for (int64_t i = 0; i < count / 32; i++, b += 20, y += 32) {
            const __m128i q = load16(b + 4);
            put16(_mm_and_si128(q, mask), half_avx(b), half_avx(b + 2), ADD_MIN, y);
            put16(_mm_and_si128(_mm_srli_epi16(q, 4), mask), half_avx(b), half_avx(b + 2), ADD_MIN, y + 16);
        }
        return 1;
    case T_Q5_0:
        for (int64_t i = 0; i < count / 32; i++, b += 22, y += 32) {
            const uint32_t qh = load_u32(b + 2);
            const __m128i q = load16(b + 6), sixteen = _mm_set1_epi8(16);
            const __m128i low = _mm_or_si128(_mm_and_si128(q, mask), bits_to_0x10(qh & 0xFFFF));
            const __m128i high = _mm_or_si128(_mm_and_si128(_mm_srli_epi16(q, 4), mask), bits_to_0x10(qh >> 16));
            put16(_mm_sub_epi8(low, sixteen), half_avx(b), 0, NO_MIN, y);
            put16(_mm_sub_epi8(high, sixteen), half_avx(b), 0, NO_MIN, y + 16);
        }
        return 1;
    case T_Q8_0:
        for (int64_t i = 0; i < count / 32; i++, b += 34, y += 32) {
            put16(load16(b + 2), half_avx(b), 0, NO_MIN, y);
            put16(load16(b + 18), half_avx(b), 0, NO_MIN, y + 16);
        }
        return 1;
    case T_Q4_K:
        for (int64_t i = 0; i < count / 256; i++, b += 144) {
            const float d = half_avx(b), dmin = half_avx(b + 2);
            const uint8_t *q = b + 16;
            for (int j = 0; j < 4; j++, q += 32, y += 64) {
                uint8_t sc1, m1, sc2, m2;
                scale_min_k4(2 * j, b + 4, &sc1, &m1);
                scale_min_k4(2 * j + 1, b + 4, &sc2, &m2);
                const float d1 = d * (float)sc1, min1 = dmin * (float)m1, d2 = d * (float)sc2, min2 = dmin * (float)m2;
                const __m128i q0 = load16(q), q1 = load16(q + 16);
                put16(_mm_and_si128(q0, mask), d1, min1, SUB_MIN, y);
                put16(_mm_and_si128(q1, mask), d1, min1, SUB_MIN, y + 16);
                put16(_mm_and_si128(_mm_srli_epi16(q0, 4), mask), d2, min2, SUB_MIN, y + 32);
                put16(_mm_and_si128(_mm_srli_epi16(q1, 4), mask), d2, min2, SUB_MIN, y + 48);
            }
        }
        return 1;
    case T_Q6_K:
        for (int64_t i = 0; i < count / 256; i++, b += 210, y += 256) {
            const __m128i bits45 = _mm_set1_epi8(0x30), offset = _mm_set1_epi8(32);
            const float d = half_avx(b + 208);
            const int8_t *scales = (const int8_t *)(b + 192);
            for (int n = 0; n < 2; n++) {
                const uint8_t *ql = b + 64 * n, *qh = b + 128 + 32 * n;
                float *out = y + 128 * n;
                for (int l0 = 0; l0 < 32; l0 += 16) {
                    const __m128i a = load16(ql + l0), c = load16(ql + 32 + l0), h = load16(qh + l0);
                    const int8_t *sc = scales + 8 * n + l0 / 16;
                    put16(_mm_sub_epi8(_mm_or_si128(_mm_and_si128(a, mask), _mm_and_si128(_mm_slli_epi16(h, 4), bits45)), offset),
                          d * (float)sc[0], 0, NO_MIN, out + l0);
                    put16(_mm_sub_epi8(_mm_or_si128(_mm_and_si128(c, mask), _mm_and_si128(_mm_slli_epi16(h, 2), bits45)), offset),
                          d * (float)sc[2], 0, NO_MIN, out + 32 + l0);
                    put16(_mm_sub_epi8(_mm_or_si128(_mm_and_si128(_mm_srli_epi16(a, 4), mask), _mm_and_si128(h, bits45)), offset),
                          d * (float)sc[4], 0, NO_MIN, out + 64 + l0);
                    put16(_mm_sub_epi8(_mm_or_si128(_mm_and_si128(_mm_srli_epi16(c, 4), mask),
                                                    _mm_and_si128(_mm_srli_epi16(h, 2), bits45)), offset),
                          d * (float)sc[6], 0, NO_MIN, out + 96 + l0);
                }
            }
        }
        return 1;
    default:
        return 0;
    }
}

/// Whether `type` has an AVX2 product.
static int has_avx2_row(uint32_t type) {
    switch (type) {
    case T_F32: case T_F16: case T_Q4_0: case T_Q4_1: case T_Q5_0: case T_Q5_1: case T_Q8_0:
    case T_Q4_K: case T_Q5_K: case T_Q6_K: return 1;
    default: return 0;
    }
}

/// The quantized activations laid out in a caller's buffer: codes, then scales, then sums.
static quantized_x activations_view(const void *buffer, int64_t columns) {
    int8_t *codes = (int8_t *)buffer;
    float *scales = (float *)(codes + columns);
    return (quantized_x){.q = codes, .d = scales, .sum = scales + columns / 32};
}

AVX2 static void matvec_avx2(uint32_t type, const uint8_t *weights, size_t row_bytes, int64_t columns,
                             const float *x, const void *activations, float *y, int64_t first, int64_t end) {
    if (type == T_F32 || type == T_F16) {
        for (int64_t r = first; r < end; r++) {
            const uint8_t *row = weights + r * row_bytes;
            y[r] = type == T_F32 ? row_f32((const float *)row, columns, x) : row_f16(row, columns, x);
        }
        return;
    }
    if (!activations) { matvec_portable(type, weights, row_bytes, columns, x, y, first, end); return; }
    const int64_t blocks = columns / tw_block_elements(type);
    const quantized_x qx = activations_view(activations, columns);
    for (int64_t r = first; r < end; r++) {
        const uint8_t *row = weights + r * row_bytes;
        switch (type) {
        case T_Q4_0: y[r] = row_q4_0(row, blocks, &qx); break;
        case T_Q4_1: y[r] = row_q4_1(row, blocks, &qx); break;
        case T_Q5_0: y[r] = row_q5_0(row, blocks, &qx); break;
        case T_Q5_1: y[r] = row_q5_1(row, blocks, &qx); break;
        case T_Q8_0: y[r] = row_q8_0(row, blocks, &qx); break;
        case T_Q4_K: y[r] = row_q4_k(row, blocks, &qx); break;
        case T_Q5_K: y[r] = row_q5_k(row, blocks, &qx); break;
        case T_Q6_K: y[r] = row_q6_k(row, blocks, &qx); break;
        default: break;
        }
    }
}

tw_kernels tw_kernels_available(void) {
    static int level = -1;
    if (level < 0) {
        __builtin_cpu_init();
        level = (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") && __builtin_cpu_supports("f16c"))
            ? TW_KERNELS_AVX2 : TW_KERNELS_PORTABLE;
    }
    return (tw_kernels)level;
}
#else
tw_kernels tw_kernels_available(void) { return TW_KERNELS_PORTABLE; }
#endif

void tw_dequantize(uint32_t type, const void *source, float *destination, int64_t count, tw_kernels kernels) {
#if defined(__x86_64__) || defined(_M_X64)
    if (kernels != TW_KERNELS_PORTABLE && tw_kernels_available() == TW_KERNELS_AVX2
        && dequantize_avx2(type, source, destination, count)) return;
#endif
    dequantize_portable(type, source, destination, count);
}

size_t tw_activations_bytes(int64_t columns) {
    return (size_t)columns + 2 * sizeof(float) * (size_t)(columns / 32);
}

void tw_prepare_activations(const float *x, int64_t columns, void *activations) {
#if defined(__x86_64__) || defined(_M_X64)
    if (tw_kernels_available() == TW_KERNELS_AVX2) quantize_x(x, columns / 32, activations_view(activations, columns));
#else
    (void)x; (void)columns; (void)activations;
#endif
}

void tw_matvec(uint32_t type, const void *weights, size_t row_bytes, int64_t columns, const float *x,
               const void *activations, float *y, int64_t first, int64_t end, tw_kernels kernels) {
    if (!tw_type_supported(type)) return;
    if (kernels == TW_KERNELS_AUTO) kernels = tw_kernels_available();
#if defined(__x86_64__) || defined(_M_X64)
    if (kernels == TW_KERNELS_AVX2 && tw_kernels_available() == TW_KERNELS_AVX2 && has_avx2_row(type)) {
        matvec_avx2(type, weights, row_bytes, columns, x, activations, y, first, end);
        return;
    }
#endif
    matvec_portable(type, weights, row_bytes, columns, x, y, first, end);
}
