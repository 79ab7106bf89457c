// The ARM64 NEON products and dequantization, the counterpart of quant.c's AVX2 ones with the same
// math, as llama.cpp's CPU path does on ARM: int8 activations (tw_prepare_activations) times the
// weight codes decoded in registers, as integers, one float FMA per 32-weight block or per K-quant
// super-block (whose sub-block scales are applied in int32, the minimum terms through the
// activations' sums); each weight block is decoded once for up to four tokens. The integer dot
// products take baseline ARMv8 instructions (widening multiplies into int16, pairwise adds into
// int32), or sdot when the CPU has the dot-product extension (asked once at run time); both give
// the same integer sums. F16/F32 rows use float FMA. Built on ARM64 only.
#include "quant_internal.h"

#if defined(__aarch64__)
#include <arm_neon.h>
#if defined(__linux__)
#include <sys/auxv.h>
#endif

/// The most tokens one pass over a weight row serves (their accumulators stay in registers).
enum { GROUP = 4 };

/// The functions built for the dot-product extension (an Armv8.2 option; run only when the CPU has it).
#define DOTPROD __attribute__((target("arch=armv8.2-a+dotprod")))

/// Whether this CPU has the dot-product instructions, asked of Linux once; elsewhere the baseline
/// kernels run.
static int has_dotprod(void) {
    static int known = -1;
    if (known < 0) {
#if defined(__linux__) && defined(HWCAP_ASIMDDP)
        known = (getauxval(AT_HWCAP) & HWCAP_ASIMDDP) != 0;
#else
        known = 0;
#endif
    }
    return known;
}

/// The half at `p` as float, by the CPU's conversion (exact; only a signalling NaN comes back quiet).
static inline float half_neon(const uint8_t *p) {
    __fp16 h;
    memcpy(&h, p, 2);
    return (float)h;
}

/// acc + Σ w·x over 16 signed byte pairs, as 4 int32 partial sums, in baseline ARMv8: products in
/// int16 two to a lane (|w·x| ≤ 128·127 since the activation codes stay within ±127), then pairwise
/// widening adds.
static inline int32x4_t dot16_base(int32x4_t acc, int8x16_t w, int8x16_t x) {
    const int16x8_t products = vmlal_s8(vmull_s8(vget_low_s8(w), vget_low_s8(x)), vget_high_s8(w), vget_high_s8(x));
    return vpadalq_s16(acc, products);
}

/// The same sum with the dot-product extension (other partial sums, the same total).
DOTPROD static inline int32x4_t dot16_sdot(int32x4_t acc, int8x16_t w, int8x16_t x) { return vdotq_s32(acc, w, x); }

/// 16 bits of `bits` spread to 16 bytes: 0x10 where the bit is set, 0 elsewhere.
static inline uint8x16_t bits_to_0x10(uint32_t bits) {
    const uint8x16_t select = {1, 2, 4, 8, 16, 32, 64, 128, 1, 2, 4, 8, 16, 32, 64, 128};
    const uint8x16_t spread = vcombine_u8(vdup_n_u8((uint8_t)bits), vdup_n_u8((uint8_t)(bits >> 8)));
    return vandq_u8(vtstq_u8(spread, select), vdupq_n_u8(0x10));
}

/// One block of a 32-weight type decoded: its codes as signed bytes (weights 0-15 and 16-31, Q4_0
/// and Q5_0 less their offset), its scale and (Q4_1, Q5_1) its minimum.
typedef struct {
    int8x16_t low, high;
    float d, m;
} block32;

/// Whether blocks of `type` store a minimum beside their scale (Q4_1, Q5_1).
static inline int has_minimum(uint32_t type) { return type == T_Q4_1 || type == T_Q5_1; }

/// The block of `type` (Q4_0, Q4_1, Q5_0, Q5_1 or Q8_0) at `b`.
INLINE block32 decode32(uint32_t type, const uint8_t *b) {
    const uint8x16_t mask = vdupq_n_u8(0x0F);
    block32 w = {.d = half_neon(b), .m = has_minimum(type) ? half_neon(b + 2) : 0.0f};
    if (type == T_Q8_0) {
        w.low = vld1q_s8((const int8_t *)b + 2);
        w.high = vld1q_s8((const int8_t *)b + 18);
        return w;
    }
    const int q5 = type == T_Q5_0 || type == T_Q5_1;
    const uint8_t *nibbles = b + (has_minimum(type) ? 4 : 2) + (q5 ? 4 : 0);
    const uint8x16_t q = vld1q_u8(nibbles);
    uint8x16_t low = vandq_u8(q, mask), high = vshrq_n_u8(q, 4);
    if (q5) {
        const uint32_t qh = load_u32(nibbles - 4);
        low = vorrq_u8(low, bits_to_0x10(qh & 0xFFFF));
        high = vorrq_u8(high, bits_to_0x10(qh >> 16));
    }
    w.low = vreinterpretq_s8_u8(low);
    w.high = vreinterpretq_s8_u8(high);
    if (type == T_Q4_0 || type == T_Q5_0) {
        const int8x16_t offset = vdupq_n_s8(type == T_Q4_0 ? 8 : 16);
        w.low = vsubq_s8(w.low, offset);
        w.high = vsubq_s8(w.high, offset);
    }
    return w;
}

/// The eight 6-bit scales (bytes 0-7) and eight minimums (bytes 8-15) of a Q4_K/Q5_K super-block:
/// scale_min_k4 for all j at once, four sub-blocks per 32-bit word. Scales and minimums 0-3 are the
/// low six bits of bytes 0-3 and 4-7; 4-7 take four bits from bytes 8-11 and their top two bits from
/// the top of bytes 0-3 and 4-7.
static inline void k4_scales(const uint8_t *packed, uint8_t out[16]) {
    const uint32_t low6 = 0x3F3F3F3Fu, low4 = 0x0F0F0F0Fu, low2 = 0x03030303u;
    const uint32_t w0 = load_u32(packed), w1 = load_u32(packed + 4), w2 = load_u32(packed + 8);
    const uint32_t words[4] = {w0 & low6, (w2 & low4) | (((w0 >> 6) & low2) << 4),
                               w1 & low6, ((w2 >> 4) & low4) | (((w1 >> 6) & low2) << 4)};
    memcpy(out, words, 16);
}

/// The 64 codes of Q4_K/Q5_K sub-blocks 2j (low nibbles of the 32 bytes at q: w[0], w[1]) and
/// 2j + 1 (high nibbles: w[2], w[3]), with Q5_K's fifth bit from bits 2j and 2j + 1 of the 32
/// bytes `high_bits`.
INLINE void k4_codes(const uint8_t *q, const uint8x16_t high_bits[2], int j, int q5, int8x16_t w[4]) {
    const uint8x16_t mask = vdupq_n_u8(0x0F), sixteen = vdupq_n_u8(16);
    const uint8x16_t bit_low = vdupq_n_u8((uint8_t)(1 << (2 * j))), bit_high = vdupq_n_u8((uint8_t)(2 << (2 * j)));
    for (int h = 0; h < 2; h++) {
        const uint8x16_t bytes = vld1q_u8(q + 16 * h);
        uint8x16_t low = vandq_u8(bytes, mask), high = vshrq_n_u8(bytes, 4);
        if (q5) {
            low = vorrq_u8(low, vandq_u8(vtstq_u8(high_bits[h], bit_low), sixteen));
            high = vorrq_u8(high, vandq_u8(vtstq_u8(high_bits[h], bit_high), sixteen));
        }
        w[h] = vreinterpretq_s8_u8(low);
        w[2 + h] = vreinterpretq_s8_u8(high);
    }
}

/// Σ_j m_j · (Σ of sub-block j's 32 activation codes) for one Q4_K/Q5_K super-block, from its
/// minimums and the activations' sums of each 16 codes.
static inline int32_t k4_minimum_terms(int16x8_t minimums, const int16_t *bsum) {
    const int16x8_t sums = vpaddq_s16(vld1q_s16(bsum), vld1q_s16(bsum + 8));
    const int32x4_t terms = vmlal_s16(vmull_s16(vget_low_s16(minimums), vget_low_s16(sums)), vget_high_s16(minimums),
                                      vget_high_s16(sums));
    return vaddvq_s32(terms);
}

/// The six-bit codes, less 32, of 16 weights of each segment of one half of a Q6_K super-block (ql:
/// its low nibbles, qh: its high bits, both at the 16 weights' offset l0): segment k holds weights
/// 128·half + 32k + l0 .. + 15, one group of 16 with one scale.
static inline void q6_codes(const uint8_t *ql, const uint8_t *qh, int8x16_t w[4]) {
    const uint8x16_t low4 = vdupq_n_u8(0x0F), bits45 = vdupq_n_u8(0x30);
    const uint8x16_t a = vld1q_u8(ql), c = vld1q_u8(ql + 32), h = vld1q_u8(qh);
    const uint8x16_t codes[4] = {
        vorrq_u8(vandq_u8(a, low4), vandq_u8(vshlq_n_u8(h, 4), bits45)),
        vorrq_u8(vandq_u8(c, low4), vandq_u8(vshlq_n_u8(h, 2), bits45)),
        vorrq_u8(vshrq_n_u8(a, 4), vandq_u8(h, bits45)),
        vorrq_u8(vshrq_n_u8(c, 4), vandq_u8(vshrq_n_u8(h, 2), bits45)),
    };
    for (int k = 0; k < 4; k++) w[k] = vsubq_s8(vreinterpretq_s8_u8(codes[k]), vdupq_n_s8(32));
}

/// A row kernel for 1 to GROUP tokens: out[t] = Σ W·x_t for one weight row and each token's view.
typedef void (*neon_rows_kernel)(uint32_t, const uint8_t *, int64_t, const quantized_x *, float *);

// The row kernels twice: for any ARMv8 CPU, and built for the dot-product extension.
#define TARGET
#define NAME(name) name##_base
#define DOT16 dot16_base
#include "quant_neon_rows.h"
#undef TARGET
#undef NAME
#undef DOT16
#define TARGET DOTPROD
#define NAME(name) name##_sdot
#define DOT16 dot16_sdot
#include "quant_neon_rows.h"
#undef TARGET
#undef NAME
#undef DOT16

/// Σ w[c] x[c] over an F32 row.
static float row_f32(const float *w, int64_t columns, const float *x) {
    float32x4_t acc[4] = {vdupq_n_f32(0), vdupq_n_f32(0), vdupq_n_f32(0), vdupq_n_f32(0)};
    int64_t c = 0;
    for (; c + 16 <= columns; c += 16)
        for (int k = 0; k < 4; k++) acc[k] = vfmaq_f32(acc[k], vld1q_f32(w + c + 4 * k), vld1q_f32(x + c + 4 * k));
    float sum = vaddvq_f32(vaddq_f32(vaddq_f32(acc[0], acc[1]), vaddq_f32(acc[2], acc[3])));
    for (; c < columns; c++) sum += w[c] * x[c];
    return sum;
}

/// Σ w[c] x[c] over an F16 row at `b`.
static float row_f16(const uint8_t *b, int64_t columns, const float *x) {
    float32x4_t acc[2] = {vdupq_n_f32(0), vdupq_n_f32(0)};
    int64_t c = 0;
    for (; c + 8 <= columns; c += 8) {
        const float16x8_t w = vreinterpretq_f16_u8(vld1q_u8(b + 2 * c));
        acc[0] = vfmaq_f32(acc[0], vcvt_f32_f16(vget_low_f16(w)), vld1q_f32(x + c));
        acc[1] = vfmaq_f32(acc[1], vcvt_high_f32_f16(w), vld1q_f32(x + c + 4));
    }
    float sum = vaddvq_f32(vaddq_f32(acc[0], acc[1]));
    for (; c < columns; c++) sum += half_neon(b + 2 * c) * x[c];
    return sum;
}

void tw_neon_matmul(uint32_t type, const uint8_t *weights, size_t row_bytes, int64_t columns, const float *x,
                    const void *activations, int64_t tokens, float *y, int64_t y_stride, int64_t first, int64_t end) {
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
    const neon_rows_kernel *kernels = has_dotprod() ? rows_kernels_sdot : rows_kernels_base;
    const size_t stride = tw_activations_bytes(columns);
    for (int64_t tile = first; tile < end; tile += ROW_TILE) {
        const int64_t tile_end = end - tile < ROW_TILE ? end : tile + ROW_TILE;
        for (int64_t t0 = 0; t0 < tokens; t0 += GROUP) {
            const int n = tokens - t0 < GROUP ? (int)(tokens - t0) : GROUP;
            quantized_x group[GROUP];
            for (int t = 0; t < n; t++)
                group[t] = activations_view((const uint8_t *)activations + (size_t)(t0 + t) * stride, columns);
            for (int64_t r = tile; r < tile_end; r++) {
                float out[GROUP];
                kernels[n - 1](type, weights + r * row_bytes, columns, group, out);
                for (int t = 0; t < n; t++) y[(t0 + t) * y_stride + r] = out[t];
            }
        }
    }
}

/// y[0..16) = codes · scale (+ add or − subtract, as ggml's formula for the type writes it): the
/// portable dequantization's operations, so the same values bit for bit. (Where a minimum is added
/// the product is exact, a code of at most 5 bits times a scale of at most 17 significant bits, so a
/// compiler fusing the two into a multiply-add changes nothing.)
enum { NO_MIN = 0, ADD_MIN = 1, SUB_MIN = 2 };
INLINE void put16(int8x16_t codes, float scale, float minimum, int form, float *y) {
    const int16x8_t low = vmovl_s8(vget_low_s8(codes)), high = vmovl_high_s8(codes);
    const int32x4_t quarters[4] = {vmovl_s16(vget_low_s16(low)), vmovl_high_s16(low),
                                   vmovl_s16(vget_low_s16(high)), vmovl_high_s16(high)};
    for (int k = 0; k < 4; k++) {
        float32x4_t v = vmulq_n_f32(vcvtq_f32_s32(quarters[k]), scale);
        if (form == ADD_MIN) v = vaddq_f32(v, vdupq_n_f32(minimum));
        if (form == SUB_MIN) v = vsubq_f32(v, vdupq_n_f32(minimum));
        vst1q_f32(y + 4 * k, v);
    }
}

int tw_neon_dequantize(uint32_t type, const uint8_t *b, float *y, int64_t count) {
    switch (type) {
    case T_F16: {
        int64_t i = 0;
        for (; i + 8 <= count; i += 8) {
            const float16x8_t h = vreinterpretq_f16_u8(vld1q_u8(b + 2 * i));
            vst1q_f32(y + i, vcvt_f32_f16(vget_low_f16(h)));
            vst1q_f32(y + i + 4, vcvt_high_f32_f16(h));
        }
        for (; i < count; i++) y[i] = half_neon(b + 2 * i);
        return 1;
    }
    case T_Q4_0: case T_Q4_1: case T_Q5_0: case T_Q5_1: case T_Q8_0: {
        const int bytes = tw_block_bytes(type), form = has_minimum(type) ? ADD_MIN : NO_MIN;
        for (int64_t i = 0; i < count / 32; i++, b += bytes, y += 32) {
            const block32 w = decode32(type, b);
            put16(w.low, w.d, w.m, form, y);
            put16(w.high, w.d, w.m, form, y + 16);
        }
        return 1;
    }
    case T_Q4_K: case T_Q5_K: {
        const int q5 = type == T_Q5_K;
        for (int64_t i = 0; i < count / 256; i++, b += q5 ? 176 : 144) {
            uint8_t scales[16];
            k4_scales(b + 4, scales);
            const float d = half_neon(b), dmin = half_neon(b + 2);
            const uint8x16_t high_bits[2] = {q5 ? vld1q_u8(b + 16) : vdupq_n_u8(0), q5 ? vld1q_u8(b + 32) : vdupq_n_u8(0)};
            const uint8_t *q = b + (q5 ? 48 : 16);
            for (int j = 0; j < 4; j++, q += 32, y += 64) {
                int8x16_t w[4];
                k4_codes(q, high_bits, j, q5, w);
                const float d1 = d * (float)scales[2 * j], min1 = dmin * (float)scales[8 + 2 * j];
                const float d2 = d * (float)scales[2 * j + 1], min2 = dmin * (float)scales[9 + 2 * j];
                put16(w[0], d1, min1, SUB_MIN, y);
                put16(w[1], d1, min1, SUB_MIN, y + 16);
                put16(w[2], d2, min2, SUB_MIN, y + 32);
                put16(w[3], d2, min2, SUB_MIN, y + 48);
            }
        }
        return 1;
    }
    case T_Q6_K:
        for (int64_t i = 0; i < count / 256; i++, b += 210, y += 256) {
            const int8_t *scales = (const int8_t *)(b + 192);
            const float d = half_neon(b + 208);
            for (int half = 0; half < 2; half++) {
                for (int l0 = 0; l0 < 32; l0 += 16) {
                    int8x16_t w[4];
                    q6_codes(b + 64 * half + l0, b + 128 + 32 * half + l0, w);
                    for (int k = 0; k < 4; k++)
                        put16(w[k], d * (float)scales[8 * half + 2 * k + l0 / 16], 0, NO_MIN, y + 128 * half + 32 * k + l0);
                }
            }
        }
        return 1;
    default:
        return 0;
    }
}
#endif
