// Dequantization and matrix products over GGUF blocks. The block layouts and the dequantization
// formulas are ggml's (the GGUF format's definition). The portable products dequantize one block
// into a small buffer and take a float dot product. The AVX2 products of the quantized types
// multiply int8 activations (quantized per block of 32, or per super-block of 256 for the
// K-quants, as llama.cpp's CPU path does) by the weight codes decoded in registers, as integers
// (maddubs/madd): one float FMA per 32-weight block, or one per K-quant super-block, whose
// sub-block scales are applied in int32; with AVX-512 VNNI the K-quants take 64 weights per
// instruction and vpdpwssd. Each weight block is decoded once for up to four tokens,
// so a prompt's tokens share the decoding. F16/F32 rows use float FMA. No product ever holds a
// dequantized matrix. The ARM64 NEON products, the same math, are in quant_neon.c; the activations
// they read are quantized here in plain C (tw_quantize_activations_c), the AVX2 quantization's bytes.
#include "quant_internal.h"

#include <math.h>

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

/// The most tokens one pass over a weight row serves (their accumulators stay in registers): four
/// in the 16 AVX2 registers, eight in the 32 of AVX-512 for the K-quants, whose super-blocks cost
/// the most to unpack and so gain the most from serving more tokens per unpacking.
enum { GROUP = 4, WIDE_GROUP = 8 };

AVX2 static inline float amax8(__m256 m) {
    __m128 h = _mm_max_ps(_mm256_castps256_ps128(m), _mm256_extractf128_ps(m, 1));
    h = _mm_max_ps(h, _mm_movehl_ps(h, h));
    h = _mm_max_ss(h, _mm_movehdup_ps(h));
    return _mm_cvtss_f32(h);
}

/// 32 floats times `inverse`, rounded to nearest-even int8, stored in order.
AVX2 static inline void codes32(const float *x, __m256 inverse, int8_t *out) {
    const __m256i i0 = _mm256_cvtps_epi32(_mm256_mul_ps(_mm256_loadu_ps(x), inverse));
    const __m256i i1 = _mm256_cvtps_epi32(_mm256_mul_ps(_mm256_loadu_ps(x + 8), inverse));
    const __m256i i2 = _mm256_cvtps_epi32(_mm256_mul_ps(_mm256_loadu_ps(x + 16), inverse));
    const __m256i i3 = _mm256_cvtps_epi32(_mm256_mul_ps(_mm256_loadu_ps(x + 24), inverse));
    // The packs interleave the 128-bit lanes; the permutation puts the 4-byte groups back in order.
    const __m256i packed = _mm256_packs_epi16(_mm256_packs_epi32(i0, i1), _mm256_packs_epi32(i2, i3));
    _mm256_storeu_si256((__m256i *)out, _mm256_permutevar8x32_epi32(packed, _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7)));
}

AVX2 static inline __m256 abs8(const float *x) { return _mm256_andnot_ps(_mm256_set1_ps(-0.0f), _mm256_loadu_ps(x)); }

/// Σ of `count` (16 or 32) int8 codes.
AVX2 static inline int code_sum(const int8_t *codes, int count) {
    __m256i pairs = _mm256_madd_epi16(_mm256_cvtepi8_epi16(load16((const uint8_t *)codes)), _mm256_set1_epi16(1));
    if (count == 32) pairs = _mm256_add_epi32(pairs, _mm256_madd_epi16(_mm256_cvtepi8_epi16(load16((const uint8_t *)codes + 16)), _mm256_set1_epi16(1)));
    __m128i s = _mm_add_epi32(_mm256_castsi256_si128(pairs), _mm256_extracti128_si256(pairs, 1));
    s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0x4E));
    s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0xB1));
    return _mm_cvtsi128_si32(s);
}

AVX2 static void quantize_x(const float *x, int64_t columns, void *buffer) {
    const quantized_x view = activations_view(buffer, columns);
    int8_t *q = (int8_t *)view.q;
    float *d = (float *)view.d, *sum = (float *)view.sum;
    for (int64_t b = 0; b < columns / 32; b++) {
        const float *v = x + 32 * b;
        const float amax = amax8(_mm256_max_ps(_mm256_max_ps(abs8(v), abs8(v + 8)), _mm256_max_ps(abs8(v + 16), abs8(v + 24))));
        d[b] = amax / 127.0f;
        codes32(v, _mm256_set1_ps(amax != 0.0f ? 127.0f / amax : 0.0f), q + 32 * b);
        sum[b] = d[b] * (float)code_sum(q + 32 * b, 32);
    }
    if (columns % 256 != 0) return;
    int8_t *qk = (int8_t *)view.qk;
    float *dk = (float *)view.dk;
    int16_t *bsum = (int16_t *)view.bsum;
    for (int64_t b = 0; b < columns / 256; b++) {
        const float *v = x + 256 * b;
        __m256 m = _mm256_setzero_ps();
        for (int i = 0; i < 256; i += 8) m = _mm256_max_ps(m, abs8(v + i));
        const float amax = amax8(m);
        const float scale = amax != 0.0f ? 127.0f / amax : 0.0f;
        dk[b] = amax != 0.0f ? 1.0f / scale : 0.0f;
        const __m256 inverse = _mm256_set1_ps(scale);
        for (int i = 0; i < 256; i += 32) codes32(v + i, inverse, qk + 256 * b + i);
        for (int g = 0; g < 16; g++) bsum[16 * b + g] = (int16_t)code_sum(qk + 256 * b + 16 * g, 16);
    }
}

/// Σ w·x over 32 signed int8 weights and activations, as 8 int32 partial sums:
/// lanes 0-3 hold elements 0-15, lanes 4-7 elements 16-31.
AVX2 static inline __m256i idot_signed(__m256i w, __m256i x) {
    return _mm256_madd_epi16(_mm256_maddubs_epi16(_mm256_sign_epi8(w, w), _mm256_sign_epi8(x, w)), _mm256_set1_epi16(1));
}

/// The same for unsigned weights below 128.
AVX2 static inline __m256i idot_unsigned(__m256i w, __m256i x) {
    return _mm256_madd_epi16(_mm256_maddubs_epi16(w, x), _mm256_set1_epi16(1));
}

AVX2 static inline __m256i join(__m128i low, __m128i high) { return _mm256_set_m128i(high, low); }
AVX2 static inline __m256i load32(const void *p) { return _mm256_loadu_si256((const __m256i *)p); }

// The integer products of each quantized type over `n` ≤ GROUP tokens: each block of a weight row
// is decoded once and multiplied with every token's activations, out[t] = Σ W·x_t. Called with a
// constant n, so the per-token accumulators stay in registers.

AVX2 INLINE void rows_q4_0(const uint8_t *b, int64_t blocks, const quantized_x *x, int n, float *out) {
    const __m128i mask = _mm_set1_epi8(0x0F);
    __m256 acc[GROUP];
    for (int t = 0; t < n; t++) acc[t] = _mm256_setzero_ps();
    for (int64_t i = 0; i < blocks; i++, b += 18) {
        const __m128i q = load16(b + 2);
        const __m256i w = _mm256_sub_epi8(join(_mm_and_si128(q, mask), _mm_and_si128(_mm_srli_epi16(q, 4), mask)), _mm256_set1_epi8(8));
        const float d = half_avx(b);
        for (int t = 0; t < n; t++)
            acc[t] = _mm256_fmadd_ps(_mm256_set1_ps(d * x[t].d[i]), _mm256_cvtepi32_ps(idot_signed(w, load32(x[t].q + 32 * i))), acc[t]);
    }
    for (int t = 0; t < n; t++) out[t] = hsum(acc[t]);
}

AVX2 INLINE void rows_q4_1(const uint8_t *b, int64_t blocks, const quantized_x *x, int n, float *out) {
    const __m128i mask = _mm_set1_epi8(0x0F);
    __m256 acc[GROUP];
    float bias[GROUP];
    for (int t = 0; t < n; t++) { acc[t] = _mm256_setzero_ps(); bias[t] = 0; }
    for (int64_t i = 0; i < blocks; i++, b += 20) {
        const __m128i q = load16(b + 4);
        const __m256i w = join(_mm_and_si128(q, mask), _mm_and_si128(_mm_srli_epi16(q, 4), mask));
        const float d = half_avx(b), m = half_avx(b + 2);
        for (int t = 0; t < n; t++) {
            acc[t] = _mm256_fmadd_ps(_mm256_set1_ps(d * x[t].d[i]), _mm256_cvtepi32_ps(idot_unsigned(w, load32(x[t].q + 32 * i))), acc[t]);
            bias[t] += m * x[t].sum[i];
        }
    }
    for (int t = 0; t < n; t++) out[t] = hsum(acc[t]) + bias[t];
}

/// The 32 five-bit codes of a Q5_0/Q5_1 block (nibbles at q, high bits in qh), without offset.
AVX2 static inline __m256i codes_q5(const uint8_t *q, uint32_t qh) {
    const __m128i mask = _mm_set1_epi8(0x0F), nibbles = load16(q);
    return join(_mm_or_si128(_mm_and_si128(nibbles, mask), bits_to_0x10(qh & 0xFFFF)),
                _mm_or_si128(_mm_and_si128(_mm_srli_epi16(nibbles, 4), mask), bits_to_0x10(qh >> 16)));
}

AVX2 INLINE void rows_q5_0(const uint8_t *b, int64_t blocks, const quantized_x *x, int n, float *out) {
    __m256 acc[GROUP];
    for (int t = 0; t < n; t++) acc[t] = _mm256_setzero_ps();
    for (int64_t i = 0; i < blocks; i++, b += 22) {
        const __m256i w = _mm256_sub_epi8(codes_q5(b + 6, load_u32(b + 2)), _mm256_set1_epi8(16));
        const float d = half_avx(b);
        for (int t = 0; t < n; t++)
            acc[t] = _mm256_fmadd_ps(_mm256_set1_ps(d * x[t].d[i]), _mm256_cvtepi32_ps(idot_signed(w, load32(x[t].q + 32 * i))), acc[t]);
    }
    for (int t = 0; t < n; t++) out[t] = hsum(acc[t]);
}

AVX2 INLINE void rows_q5_1(const uint8_t *b, int64_t blocks, const quantized_x *x, int n, float *out) {
    __m256 acc[GROUP];
    float bias[GROUP];
    for (int t = 0; t < n; t++) { acc[t] = _mm256_setzero_ps(); bias[t] = 0; }
    for (int64_t i = 0; i < blocks; i++, b += 24) {
        const __m256i w = codes_q5(b + 8, load_u32(b + 4));
        const float d = half_avx(b), m = half_avx(b + 2);
        for (int t = 0; t < n; t++) {
            acc[t] = _mm256_fmadd_ps(_mm256_set1_ps(d * x[t].d[i]), _mm256_cvtepi32_ps(idot_unsigned(w, load32(x[t].q + 32 * i))), acc[t]);
            bias[t] += m * x[t].sum[i];
        }
    }
    for (int t = 0; t < n; t++) out[t] = hsum(acc[t]) + bias[t];
}

AVX2 INLINE void rows_q8_0(const uint8_t *b, int64_t blocks, const quantized_x *x, int n, float *out) {
    __m256 acc[GROUP];
    for (int t = 0; t < n; t++) acc[t] = _mm256_setzero_ps();
    for (int64_t i = 0; i < blocks; i++, b += 34) {
        const __m256i w = load32(b + 2);
        const float d = half_avx(b);
        for (int t = 0; t < n; t++)
            acc[t] = _mm256_fmadd_ps(_mm256_set1_ps(d * x[t].d[i]), _mm256_cvtepi32_ps(idot_signed(w, load32(x[t].q + 32 * i))), acc[t]);
    }
    for (int t = 0; t < n; t++) out[t] = hsum(acc[t]);
}

/// The eight 6-bit scales of a Q4_K/Q5_K super-block as int16 in both 128-bit lanes, and its eight
/// minimums as int16. Unpacked four at a time in 32-bit words (byte k of each word is sub-block k or
/// k + 4), which is scale_min_k4 for all j at once: scales 0-3 and minimums 0-3 are the low six
/// bits of bytes 0-3 and 4-7; scales and minimums 4-7 take four bits from bytes 8-11 and their top
/// two bits from the top of bytes 0-3 and 4-7.
AVX2 static inline void k4_scales(const uint8_t *packed, __m256i *scales, __m128i *minimums) {
    const uint32_t low6 = 0x3F3F3F3Fu, low4 = 0x0F0F0F0Fu, low2 = 0x03030303u;
    const uint32_t w0 = load_u32(packed), w1 = load_u32(packed + 4), w2 = load_u32(packed + 8);
    const uint32_t sc_low = w0 & low6, m_low = w1 & low6;
    const uint32_t sc_high = (w2 & low4) | (((w0 >> 6) & low2) << 4);
    const uint32_t m_high = ((w2 >> 4) & low4) | (((w1 >> 6) & low2) << 4);
    const __m128i bytes = _mm_setr_epi32((int)sc_low, (int)sc_high, (int)m_low, (int)m_high);
    *scales = _mm256_broadcastsi128_si256(_mm_cvtepu8_epi16(bytes));
    *minimums = _mm_cvtepu8_epi16(_mm_srli_si128(bytes, 8));
}

/// Sub-block s's scale in all 16 int16 lanes (from k4_scales' vector).
AVX2 static inline __m256i k4_scale(__m256i scales, int s) {
    return _mm256_shuffle_epi8(scales, _mm256_set1_epi16((short)(0x0100 + 0x0202 * s)));
}

/// Σ_j m_j · (Σ of sub-block j's 32 activation codes) for one super-block, as 4 int32 partial sums.
AVX2 static inline __m128i k4_minimum_terms(__m128i minimums, const int16_t *bsum) {
    const __m256i sums16 = load32(bsum);
    const __m128i sums32 = _mm_hadd_epi16(_mm256_castsi256_si128(sums16), _mm256_extracti128_si256(sums16, 1));
    return _mm_madd_epi16(minimums, sums32);
}

/// The 64 codes of Q4_K/Q5_K sub-blocks 2j (low nibbles of the 32 bytes at q) and 2j + 1 (high
/// nibbles), with Q5_K's fifth bit from `high_bits` (bits 2j and 2j + 1 of each byte).
AVX2 static inline void k4_codes(const uint8_t *q, __m256i high_bits, int j, int q5, __m256i *low, __m256i *high) {
    const __m256i mask = _mm256_set1_epi8(0x0F), codes = load32(q);
    *low = _mm256_and_si256(codes, mask);
    *high = _mm256_and_si256(_mm256_srli_epi16(codes, 4), mask);
    if (q5) {
        const __m256i bit1 = _mm256_set1_epi8((char)(1 << (2 * j))), bit2 = _mm256_set1_epi8((char)(2 << (2 * j)));
        const __m256i sixteen = _mm256_set1_epi8(16);
        *low = _mm256_or_si256(*low, _mm256_and_si256(_mm256_cmpeq_epi8(_mm256_and_si256(high_bits, bit1), bit1), sixteen));
        *high = _mm256_or_si256(*high, _mm256_and_si256(_mm256_cmpeq_epi8(_mm256_and_si256(high_bits, bit2), bit2), sixteen));
    }
}

/// Adds one super-block's minimum terms, dmin·dx · Σ_j m_j · (Σ of sub-block j's codes), to `bias`.
AVX2 static inline __m128 k4_add_minimums(__m128 bias, float dmin_dx, __m128i minimums, const int16_t *bsum) {
    return _mm_fmadd_ps(_mm_set1_ps(dmin_dx), _mm_cvtepi32_ps(k4_minimum_terms(minimums, bsum)), bias);
}

AVX2 static inline float hsum128(__m128 s) {
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
}

/// The six-bit codes of one half of a Q6_K super-block (ql: 64 low-nibble bytes, qh: 32 high-bit
/// bytes): segment k holds weights 128·half + 32k + l, l < 32.
AVX2 static inline void q6_codes(const uint8_t *ql, const uint8_t *qh, __m256i codes[4]) {
    const __m256i low4 = _mm256_set1_epi8(0x0F), bits45 = _mm256_set1_epi8(0x30);
    const __m256i a = load32(ql), c = load32(ql + 32), h = load32(qh);
    codes[0] = _mm256_or_si256(_mm256_and_si256(a, low4), _mm256_and_si256(_mm256_slli_epi16(h, 4), bits45));
    codes[1] = _mm256_or_si256(_mm256_and_si256(c, low4), _mm256_and_si256(_mm256_slli_epi16(h, 2), bits45));
    codes[2] = _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(a, 4), low4), _mm256_and_si256(h, bits45));
    codes[3] = _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(c, 4), low4), _mm256_and_si256(_mm256_srli_epi16(h, 2), bits45));
}

/// Q4_K and Q5_K: codes 0..31 (a fifth bit when `high_bits`), Σ over the super-block of
/// scale_j · Σ w·x in int32, then one conversion; the minimums' share from the codes' sums.
AVX2 INLINE void rows_k4(const uint8_t *b, int64_t blocks, const quantized_x *x, int n, float *out, int q5) {
    const int stride = q5 ? 176 : 144;
    __m256 acc[GROUP];
    __m128 bias[GROUP];
    for (int t = 0; t < n; t++) { acc[t] = _mm256_setzero_ps(); bias[t] = _mm_setzero_ps(); }
    for (int64_t i = 0; i < blocks; i++, b += stride) {
        __m256i scales;
        __m128i minimums;
        k4_scales(b + 4, &scales, &minimums);
        const float d = half_avx(b), dmin = half_avx(b + 2);
        const uint8_t *q = b + (q5 ? 48 : 16);
        const __m256i high_bits = q5 ? load32(b + 16) : _mm256_setzero_si256();
        __m256i sum[GROUP];
        for (int t = 0; t < n; t++) sum[t] = _mm256_setzero_si256();
        for (int j = 0; j < 4; j++, q += 32) {
            __m256i low, high;
            k4_codes(q, high_bits, j, q5, &low, &high);
            const __m256i scale_low = k4_scale(scales, 2 * j), scale_high = k4_scale(scales, 2 * j + 1);
            for (int t = 0; t < n; t++) {
                const int8_t *xq = x[t].qk + 256 * i + 64 * j;
                const __m256i p0 = _mm256_madd_epi16(_mm256_maddubs_epi16(low, load32(xq)), scale_low);
                const __m256i p1 = _mm256_madd_epi16(_mm256_maddubs_epi16(high, load32(xq + 32)), scale_high);
                sum[t] = _mm256_add_epi32(sum[t], _mm256_add_epi32(p0, p1));
            }
        }
        for (int t = 0; t < n; t++) {
            const float dx = x[t].dk[i];
            acc[t] = _mm256_fmadd_ps(_mm256_set1_ps(d * dx), _mm256_cvtepi32_ps(sum[t]), acc[t]);
            bias[t] = k4_add_minimums(bias[t], dmin * dx, minimums, x[t].bsum + 16 * i);
        }
    }
    for (int t = 0; t < n; t++) out[t] = hsum(acc[t]) - hsum128(bias[t]);
}

/// Q6_K: unsigned codes 0..63 multiplied as integers, scale_g · Σ w·x over each 16 in int32, and
/// the offset 32 taken off once per super-block as 32 · Σ_g scale_g · (Σ of group g's codes).
AVX2 INLINE void rows_q6_k(const uint8_t *b, int64_t blocks, const quantized_x *x, int n, float *out) {
    const __m128i pairs = _mm_setr_epi8(0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1);
    __m256 acc[GROUP];
    for (int t = 0; t < n; t++) acc[t] = _mm256_setzero_ps();
    for (int64_t i = 0; i < blocks; i++, b += 210) {
        const __m128i sc = load16(b + 192);
        const __m256i scales16 = _mm256_cvtepi8_epi16(sc);
        __m256i sum[GROUP];
        for (int t = 0; t < n; t++)
            sum[t] = _mm256_sub_epi32(_mm256_setzero_si256(), _mm256_slli_epi32(_mm256_madd_epi16(scales16, load32(x[t].bsum + 16 * i)), 5));
        for (int half = 0; half < 2; half++) {
            __m256i codes[4];
            q6_codes(b + 64 * half, b + 128 + 32 * half, codes);
            for (int k = 0; k < 4; k++) {
                // Weights 128·half + 32k + l: l < 16 is group 8·half + 2k, the rest the next group.
                const int g = 8 * half + 2 * k;
                const __m256i scale = _mm256_cvtepi8_epi16(_mm_shuffle_epi8(sc, _mm_add_epi8(pairs, _mm_set1_epi8((char)g))));
                for (int t = 0; t < n; t++) {
                    const __m256i p = _mm256_maddubs_epi16(codes[k], load32(x[t].qk + 256 * i + 32 * (4 * half + k)));
                    sum[t] = _mm256_add_epi32(sum[t], _mm256_madd_epi16(p, scale));
                }
            }
        }
        const float d = half_avx(b + 208);
        for (int t = 0; t < n; t++) acc[t] = _mm256_fmadd_ps(_mm256_set1_ps(d * x[t].dk[i]), _mm256_cvtepi32_ps(sum[t]), acc[t]);
    }
    for (int t = 0; t < n; t++) out[t] = hsum(acc[t]);
}

/// One weight row times `n` tokens' prepared activations, by type.
AVX2 INLINE void rows_any(uint32_t type, const uint8_t *row, int64_t columns, const quantized_x *x, int n, float *out) {
    switch (type) {
    case T_Q4_0: rows_q4_0(row, columns / 32, x, n, out); break;
    case T_Q4_1: rows_q4_1(row, columns / 32, x, n, out); break;
    case T_Q5_0: rows_q5_0(row, columns / 32, x, n, out); break;
    case T_Q5_1: rows_q5_1(row, columns / 32, x, n, out); break;
    case T_Q8_0: rows_q8_0(row, columns / 32, x, n, out); break;
    case T_Q4_K: rows_k4(row, columns / 256, x, n, out, 0); break;
    case T_Q5_K: rows_k4(row, columns / 256, x, n, out, 1); break;
    case T_Q6_K: rows_q6_k(row, columns / 256, x, n, out); break;
    default: break;
    }
}

AVX2 static void rows_1(uint32_t type, const uint8_t *row, int64_t columns, const quantized_x *x, float *out) { rows_any(type, row, columns, x, 1, out); }
AVX2 static void rows_2(uint32_t type, const uint8_t *row, int64_t columns, const quantized_x *x, float *out) { rows_any(type, row, columns, x, 2, out); }
AVX2 static void rows_3(uint32_t type, const uint8_t *row, int64_t columns, const quantized_x *x, float *out) { rows_any(type, row, columns, x, 3, out); }
AVX2 static void rows_4(uint32_t type, const uint8_t *row, int64_t columns, const quantized_x *x, float *out) { rows_any(type, row, columns, x, 4, out); }

// The K-quant products on AVX-512 with VNNI: 64 weights (two sub-blocks of Q4_K/Q5_K, four
// groups of Q6_K) per instruction, and vpdpwssd applies the sub-block scales and accumulates in
// one step, so a token costs two instructions per 64 weights where AVX2 needs six. The integer
// sums per super-block are the AVX2 kernels'; only the order of the float additions differs.
#define AVX512 __attribute__((target("avx2,fma,f16c,avx512f,avx512bw,avx512vl,avx512vnni")))

AVX512 static inline __m512i join512(__m256i low, __m256i high) {
    return _mm512_inserti64x4(_mm512_castsi256_si512(low), high, 1);
}

/// Token t's copy of an activation array: the tokens of a group lie `stride` bytes apart, so one
/// pointer and the stride address them all (eight pointers per array would not fit the registers).
#define TOKEN(p, t) ((const __typeof__(*(p)) *)((const uint8_t *)(p) + (size_t)(t) * stride))

AVX512 INLINE void rows512_k4(const uint8_t *b, int64_t blocks, const quantized_x *x, size_t stride, int n, float *out, int q5) {
    const int block_bytes = q5 ? 176 : 144;
    const int8_t *qk = x->qk;
    const float *dk = x->dk;
    const int16_t *bsum = x->bsum;
    __m512 acc[WIDE_GROUP];
    __m128 bias[WIDE_GROUP];
    for (int t = 0; t < n; t++) { acc[t] = _mm512_setzero_ps(); bias[t] = _mm_setzero_ps(); }
    for (int64_t i = 0; i < blocks; i++, b += block_bytes) {
        __m256i scales256;
        __m128i minimums;
        k4_scales(b + 4, &scales256, &minimums);
        const __m512i scales = _mm512_broadcast_i32x4(_mm256_castsi256_si128(scales256));
        const float d = half_avx(b), dmin = half_avx(b + 2);
        const uint8_t *q = b + (q5 ? 48 : 16);
        const __m256i high_bits = q5 ? load32(b + 16) : _mm256_setzero_si256();
        __m512i sum[WIDE_GROUP];
        for (int t = 0; t < n; t++) sum[t] = _mm512_setzero_si512();
        for (int j = 0; j < 4; j++, q += 32) {
            __m256i low, high;
            k4_codes(q, high_bits, j, q5, &low, &high);
            // Weights 64j .. 64j + 63 (sub-blocks 2j and 2j + 1), and their scales in 16 lanes each.
            const __m512i w = join512(low, high);
            const __m512i scale = _mm512_shuffle_epi8(scales, join512(_mm256_set1_epi16((short)(0x0100 + 0x0202 * 2 * j)),
                                                                     _mm256_set1_epi16((short)(0x0100 + 0x0202 * (2 * j + 1)))));
            for (int t = 0; t < n; t++) {
                const __m512i p = _mm512_maddubs_epi16(w, _mm512_loadu_si512(TOKEN(qk, t) + 256 * i + 64 * j));
                sum[t] = _mm512_dpwssd_epi32(sum[t], p, scale);
            }
        }
        for (int t = 0; t < n; t++) {
            const float dx = TOKEN(dk, t)[i];
            acc[t] = _mm512_fmadd_ps(_mm512_set1_ps(d * dx), _mm512_cvtepi32_ps(sum[t]), acc[t]);
            bias[t] = k4_add_minimums(bias[t], dmin * dx, minimums, TOKEN(bsum, t) + 16 * i);
        }
    }
    for (int t = 0; t < n; t++) out[t] = _mm512_reduce_add_ps(acc[t]) - hsum128(bias[t]);
}

AVX512 INLINE void rows512_q6_k(const uint8_t *b, int64_t blocks, const quantized_x *x, size_t stride, int n, float *out) {
    const int8_t *qk = x->qk;
    const float *dk = x->dk;
    const int16_t *bsum = x->bsum;
    const __m256i quads = _mm256_setr_epi8(0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1,
                                           2, 2, 2, 2, 2, 2, 2, 2, 3, 3, 3, 3, 3, 3, 3, 3);
    __m512 acc[WIDE_GROUP];
    for (int t = 0; t < n; t++) acc[t] = _mm512_setzero_ps();
    for (int64_t i = 0; i < blocks; i++, b += 210) {
        const __m128i sc = load16(b + 192);
        const __m256i sc_both = _mm256_broadcastsi128_si256(sc);
        __m512i sum[WIDE_GROUP];
        for (int t = 0; t < n; t++) {
            const __m256i offset = _mm256_slli_epi32(_mm256_madd_epi16(_mm256_cvtepi8_epi16(sc), load32(TOKEN(bsum, t) + 16 * i)), 5);
            sum[t] = _mm512_zextsi256_si512(_mm256_sub_epi32(_mm256_setzero_si256(), offset));
        }
        for (int half = 0; half < 2; half++) {
            __m256i codes[4];
            q6_codes(b + 64 * half, b + 128 + 32 * half, codes);
            const __m512i codes01 = join512(codes[0], codes[1]), codes23 = join512(codes[2], codes[3]);
            // Segments 2p and 2p + 1 of this half are groups g .. g + 3, g = 8·half + 4p.
            const __m512i scale01 = _mm512_cvtepi8_epi16(_mm256_shuffle_epi8(sc_both, _mm256_add_epi8(quads, _mm256_set1_epi8((char)(8 * half)))));
            const __m512i scale23 = _mm512_cvtepi8_epi16(_mm256_shuffle_epi8(sc_both, _mm256_add_epi8(quads, _mm256_set1_epi8((char)(8 * half + 4)))));
            for (int t = 0; t < n; t++) {
                const int8_t *xq = TOKEN(qk, t) + 256 * i + 128 * half;
                sum[t] = _mm512_dpwssd_epi32(sum[t], _mm512_maddubs_epi16(codes01, _mm512_loadu_si512(xq)), scale01);
                sum[t] = _mm512_dpwssd_epi32(sum[t], _mm512_maddubs_epi16(codes23, _mm512_loadu_si512(xq + 64)), scale23);
            }
        }
        const float d = half_avx(b + 208);
        for (int t = 0; t < n; t++) acc[t] = _mm512_fmadd_ps(_mm512_set1_ps(d * TOKEN(dk, t)[i]), _mm512_cvtepi32_ps(sum[t]), acc[t]);
    }
    for (int t = 0; t < n; t++) out[t] = _mm512_reduce_add_ps(acc[t]);
}

/// Whether AVX-512 has a kernel of its own for `type` (the K-quants); the other types run on AVX2.
static int has_wide_kernel(uint32_t type) { return type == T_Q4_K || type == T_Q5_K || type == T_Q6_K; }

/// One K-quant weight row times `n` ≤ WIDE_GROUP tokens on AVX-512; token t's activations are
/// `x`'s, `t · stride` bytes on.
AVX512 INLINE void rows512_any(uint32_t type, const uint8_t *row, int64_t columns, const quantized_x *x, size_t stride, int n,
                               float *out) {
    switch (type) {
    case T_Q4_K: rows512_k4(row, columns / 256, x, stride, n, out, 0); break;
    case T_Q5_K: rows512_k4(row, columns / 256, x, stride, n, out, 1); break;
    case T_Q6_K: rows512_q6_k(row, columns / 256, x, stride, n, out); break;
    default: break;
    }
}

#define ROWS512(n) AVX512 static void rows512_##n(uint32_t type, const uint8_t *row, int64_t columns, const quantized_x *x, \
                                                  size_t stride, float *out) { rows512_any(type, row, columns, x, stride, n, out); }
ROWS512(1) ROWS512(2) ROWS512(3) ROWS512(4) ROWS512(5) ROWS512(6) ROWS512(7) ROWS512(8)
#undef ROWS512

/// A row kernel for 1 to GROUP tokens (AVX2), each token's activations in its own view.
typedef void (*rows_kernel)(uint32_t, const uint8_t *, int64_t, const quantized_x *, float *);
static const rows_kernel avx2_rows[GROUP] = {rows_1, rows_2, rows_3, rows_4};
/// A row kernel for 1 to WIDE_GROUP tokens (AVX-512, K-quants), the tokens' activations `stride` bytes apart.
typedef void (*wide_rows_kernel)(uint32_t, const uint8_t *, int64_t, const quantized_x *, size_t, float *);
static const wide_rows_kernel avx512_rows[WIDE_GROUP] = {rows512_1, rows512_2, rows512_3, rows512_4,
                                                         rows512_5, rows512_6, rows512_7, rows512_8};
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

/// Decoding (one token): the type chosen once, then a direct pass over the rows.
#define EACH_ROW(call) for (int64_t r = first; r < end; r++) { const uint8_t *row = weights + r * row_bytes; call; }
AVX2 static void matvec256(uint32_t type, const uint8_t *weights, size_t row_bytes, int64_t columns, const quantized_x *x,
                           float *y, int64_t first, int64_t end) {
    switch (type) {
    case T_Q4_0: EACH_ROW(rows_q4_0(row, columns / 32, x, 1, y + r)) break;
    case T_Q4_1: EACH_ROW(rows_q4_1(row, columns / 32, x, 1, y + r)) break;
    case T_Q5_0: EACH_ROW(rows_q5_0(row, columns / 32, x, 1, y + r)) break;
    case T_Q5_1: EACH_ROW(rows_q5_1(row, columns / 32, x, 1, y + r)) break;
    case T_Q8_0: EACH_ROW(rows_q8_0(row, columns / 32, x, 1, y + r)) break;
    case T_Q4_K: EACH_ROW(rows_k4(row, columns / 256, x, 1, y + r, 0)) break;
    case T_Q5_K: EACH_ROW(rows_k4(row, columns / 256, x, 1, y + r, 1)) break;
    case T_Q6_K: EACH_ROW(rows_q6_k(row, columns / 256, x, 1, y + r)) break;
    default: break;
    }
}

AVX512 static void matvec512(uint32_t type, const uint8_t *weights, size_t row_bytes, int64_t columns, const quantized_x *x,
                             float *y, int64_t first, int64_t end) {
    switch (type) {
    case T_Q4_K: EACH_ROW(rows512_k4(row, columns / 256, x, 0, 1, y + r, 0)) break;
    case T_Q5_K: EACH_ROW(rows512_k4(row, columns / 256, x, 0, 1, y + r, 1)) break;
    case T_Q6_K: EACH_ROW(rows512_q6_k(row, columns / 256, x, 0, 1, y + r)) break;
    default: matvec256(type, weights, row_bytes, columns, x, y, first, end); break;
    }
}
#undef EACH_ROW

AVX2 static void matmul_simd(uint32_t type, const uint8_t *weights, size_t row_bytes, int64_t columns, const float *x,
                             const void *activations, int64_t tokens, float *y, int64_t y_stride, int64_t first, int64_t end,
                             tw_kernels level) {
    if (type == T_F32 || type == T_F16) {
        for (int64_t t = 0; t < tokens; t++) {
            for (int64_t r = first; r < end; r++) {
                const uint8_t *row = weights + r * row_bytes;
                y[t * y_stride + r] = type == T_F32 ? row_f32((const float *)row, columns, x + t * columns)
                                                    : row_f16(row, columns, x + t * columns);
            }
        }
        return;
    }
    if (tokens == 1) {
        const quantized_x x1 = activations_view(activations, columns);
        if (level == TW_KERNELS_AVX512) matvec512(type, weights, row_bytes, columns, &x1, y, first, end);
        else matvec256(type, weights, row_bytes, columns, &x1, y, first, end);
        return;
    }
    const int wide = level == TW_KERNELS_AVX512 && has_wide_kernel(type);
    const int group = wide ? WIDE_GROUP : GROUP;
    const size_t stride = tw_activations_bytes(columns);
    for (int64_t tile = first; tile < end; tile += ROW_TILE) {
        const int64_t tile_end = end - tile < ROW_TILE ? end : tile + ROW_TILE;
        for (int64_t t0 = 0; t0 < tokens; t0 += group) {
            const int n = tokens - t0 < group ? (int)(tokens - t0) : group;
            quantized_x x_group[WIDE_GROUP];
            for (int t = 0; t < n; t++) x_group[t] = activations_view((const uint8_t *)activations + (size_t)(t0 + t) * stride, columns);
            for (int64_t r = tile; r < tile_end; r++) {
                const uint8_t *row = weights + r * row_bytes;
                float out[WIDE_GROUP];
                if (wide) avx512_rows[n - 1](type, row, columns, x_group, stride, out);
                else avx2_rows[n - 1](type, row, columns, x_group, out);
                for (int t = 0; t < n; t++) y[(t0 + t) * y_stride + r] = out[t];
            }
        }
    }
}

tw_kernels tw_kernels_available(void) {
    static int level = -1;
    if (level < 0) {
        __builtin_cpu_init();
        const int avx2 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") && __builtin_cpu_supports("f16c");
        const int avx512 = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw")
            && __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512vnni");
        level = !avx2 ? TW_KERNELS_PORTABLE : avx512 ? TW_KERNELS_AVX512 : TW_KERNELS_AVX2;
    }
    return (tw_kernels)level;
}
#elif defined(__aarch64__)
tw_kernels tw_kernels_available(void) { return TW_KERNELS_NEON; }
#else
tw_kernels tw_kernels_available(void) { return TW_KERNELS_PORTABLE; }
#endif

/// The prepared activations: codes, scales and sums per 32; then, for a width that is a whole number
/// of super-blocks, codes, scales per 256 and the sums of each 16 codes.
size_t tw_activations_bytes(int64_t columns) {
    size_t bytes = (size_t)columns + 2 * sizeof(float) * (size_t)(columns / 32);
    if (columns % 256 == 0) bytes += (size_t)columns + sizeof(float) * (size_t)(columns / 256) + sizeof(int16_t) * (size_t)(columns / 16);
    return bytes;
}

/// The largest |x[i]| of `count` values.
static float max_abs(const float *x, int count) {
    float amax = 0.0f;
    for (int i = 0; i < count; i++) {
        const float a = fabsf(x[i]);
        amax = a > amax ? a : amax;
    }
    return amax;
}

/// One activation code from x · (127 / max|x|) as the AVX2 quantization makes it: rounded to
/// nearest, ties to even (cvtps2dq), then saturated to int8 (packs); NaN and values beyond int32
/// become x86's "integer indefinite", which saturates to -128.
static inline int8_t activation_code(float scaled) {
    if (!(scaled >= -2147483648.0f && scaled < 2147483648.0f)) return -128;
    const float rounded = rintf(scaled);
    return (int8_t)(rounded > 127.0f ? 127.0f : rounded < -128.0f ? -128.0f : rounded);
}

/// 32 or 256 codes of x made with `factor`; returns their sum.
static int activation_codes(const float *x, int count, float factor, int8_t *codes) {
    int sum = 0;
    for (int i = 0; i < count; i++) {
        codes[i] = activation_code(x[i] * factor);
        sum += codes[i];
    }
    return sum;
}

void tw_quantize_activations_c(const float *x, int64_t columns, void *activations) {
    const quantized_x view = activations_view(activations, columns);
    int8_t *q = (int8_t *)view.q;
    float *d = (float *)view.d, *sum = (float *)view.sum;
    for (int64_t b = 0; b < columns / 32; b++) {
        const float amax = max_abs(x + 32 * b, 32);
        d[b] = amax / 127.0f;
        sum[b] = d[b] * (float)activation_codes(x + 32 * b, 32, amax != 0.0f ? 127.0f / amax : 0.0f, q + 32 * b);
    }
    if (columns % 256 != 0) return;
    int8_t *qk = (int8_t *)view.qk;
    float *dk = (float *)view.dk;
    int16_t *bsum = (int16_t *)view.bsum;
    for (int64_t b = 0; b < columns / 256; b++) {
        const float amax = max_abs(x + 256 * b, 256);
        const float scale = amax != 0.0f ? 127.0f / amax : 0.0f;
        dk[b] = amax != 0.0f ? 1.0f / scale : 0.0f;
        for (int g = 0; g < 16; g++)
            bsum[16 * b + g] = (int16_t)activation_codes(x + 256 * b + 16 * g, 16, scale, qk + 256 * b + 16 * g);
    }
}

/// The implementation that runs when `requested` is asked for: AUTO is the best available, and a
/// request beyond this CPU gets the best it has. On ARM64 every request but PORTABLE gets NEON; on
/// x86 a NEON request is beyond every x86 level, so it gets the best x86 kernels.
static tw_kernels resolve(tw_kernels requested) {
    const tw_kernels available = tw_kernels_available();
#if defined(__aarch64__)
    return requested == TW_KERNELS_PORTABLE ? requested : available;
#else
    return requested == TW_KERNELS_AUTO || requested > available ? available : requested;
#endif
}

void tw_dequantize(uint32_t type, const void *source, float *destination, int64_t count, tw_kernels kernels) {
#if defined(__x86_64__) || defined(_M_X64)
    if (resolve(kernels) >= TW_KERNELS_AVX2 && dequantize_avx2(type, source, destination, count)) return;
#elif defined(__aarch64__)
    if (resolve(kernels) == TW_KERNELS_NEON && tw_neon_dequantize(type, source, destination, count)) return;
#else
    (void)kernels;
#endif
    dequantize_portable(type, source, destination, count);
}

void tw_prepare_activations(const float *x, int64_t columns, void *activations) {
#if defined(__x86_64__) || defined(_M_X64)
    if (tw_kernels_available() >= TW_KERNELS_AVX2) quantize_x(x, columns, activations);
#elif defined(__aarch64__)
    tw_quantize_activations_c(x, columns, activations);
#else
    (void)x; (void)columns; (void)activations;
#endif
}

int tw_integer_product(uint32_t type, int64_t columns, tw_kernels kernels) {
#if defined(__x86_64__) || defined(_M_X64)
    return resolve(kernels) >= TW_KERNELS_AVX2 && has_integer_product(type) && columns % tw_block_elements(type) == 0;
#elif defined(__aarch64__)
    return resolve(kernels) == TW_KERNELS_NEON && has_integer_product(type) && columns % tw_block_elements(type) == 0;
#else
    (void)type; (void)columns; (void)kernels;
    return 0;
#endif
}

void tw_matmul(uint32_t type, const void *weights, size_t row_bytes, int64_t columns, const float *x,
               const void *activations, int64_t tokens, float *y, int64_t y_stride, int64_t first, int64_t end,
               tw_kernels kernels) {
    if (!tw_type_supported(type)) return;
    kernels = resolve(kernels);
#if defined(__x86_64__) || defined(_M_X64)
    if (kernels >= TW_KERNELS_AVX2
        && (type == T_F32 || type == T_F16 || (activations && tw_integer_product(type, columns, kernels)))) {
        matmul_simd(type, weights, row_bytes, columns, x, activations, tokens, y, y_stride, first, end, kernels);
        return;
    }
#elif defined(__aarch64__)
    if (kernels == TW_KERNELS_NEON
        && (type == T_F32 || type == T_F16 || (activations && tw_integer_product(type, columns, kernels)))) {
        tw_neon_matmul(type, weights, row_bytes, columns, x, activations, tokens, y, y_stride, first, end);
        return;
    }
#else
    (void)activations;
#endif
    for (int64_t t = 0; t < tokens; t++)
        matvec_portable(type, weights, row_bytes, columns, x + t * columns, y + t * y_stride, first, end);
}
