// What quant.c (dequantization, the portable and x86 products, dispatch) and quant_neon.c (the
// ARM64 products) share: the GGUF type ids, unaligned loads, half floats, the Q4_K/Q5_K scale
// packing and the layout of the prepared activations. Private to Core/CKernels (not under include/).
#ifndef TWINLOG_QUANT_INTERNAL_H
#define TWINLOG_QUANT_INTERNAL_H

#include "twinlog_kernels.h"

#include <string.h>

/// The GGUF type ids of the supported types.
enum {
    T_F32 = 0, T_F16 = 1, T_Q4_0 = 2, T_Q4_1 = 3, T_Q5_0 = 6, T_Q5_1 = 7, T_Q8_0 = 8,
    T_Q2_K = 10, T_Q3_K = 11, T_Q4_K = 12, T_Q5_K = 13, T_Q6_K = 14, T_BF16 = 30,
};

/// For the kernels that must be inlined into their callers (so per-token loops over a constant count unroll).
#define INLINE static inline __attribute__((always_inline))

/// Rows of weights per tile of the SIMD products: a tile stays in L1/L2 while every token group passes over it.
enum { ROW_TILE = 16 };

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

/// Whether `type` has an integer product (on AVX2 or NEON); the SIMD products of F32/F16 are in float.
static inline int has_integer_product(uint32_t type) {
    switch (type) {
    case T_Q4_0: case T_Q4_1: case T_Q5_0: case T_Q5_1: case T_Q8_0: case T_Q4_K: case T_Q5_K: case T_Q6_K: return 1;
    default: return 0;
    }
}

/// Activations quantized for the integer products, as llama.cpp's CPU path does, in two forms:
/// per block of 32 values (for the 32-weight types) int8 codes q = round(x / d) with
/// d = max|x| / 127 and the block's sum d·Σq (for the minimum terms: taking the quantized sum
/// makes the product's error Σ w·(x − d·q), not Σ (w − min)·(x − d·q)); per super-block of 256
/// (for the K-quants) the same codes with one scale per 256 and the integer sums of each 16 codes,
/// so a K-quant product accumulates integers over a whole super-block and converts once. That
/// scale is stored as llama.cpp's Q8_K stores it, 1 / (127 / max|x|), the reciprocal of the factor
/// the codes were made with, which can differ from max|x| / 127 in the last bit: with it, greedy
/// decoding follows llama.cpp's on more prompts (BENCHMARKS.md, parity).
typedef struct {
    const int8_t *q;       ///< codes per block of 32
    const float *d;        ///< their scales
    const float *sum;      ///< the blocks' sums d·Σq
    const int8_t *qk;      ///< codes per super-block of 256 (columns % 256 == 0 only)
    const float *dk;       ///< their scales
    const int16_t *bsum;   ///< Σ of each 16 codes
} quantized_x;

/// Where each part of the prepared activations of `columns` values lives in the caller's buffer.
static inline quantized_x activations_view(const void *buffer, int64_t columns) {
    const int8_t *codes = (const int8_t *)buffer;
    const float *scales = (const float *)(codes + columns);
    const int8_t *k_codes = (const int8_t *)(scales + 2 * (columns / 32));
    const float *k_scales = (const float *)(k_codes + columns);
    return (quantized_x){.q = codes, .d = scales, .sum = scales + columns / 32, .qk = k_codes, .dk = k_scales,
                         .bsum = (const int16_t *)(k_scales + columns / 256)};
}

/// The activations of `tw_prepare_activations` in plain C, for any CPU: the buffer the AVX2
/// quantization writes, bit for bit (same rounding, to nearest even; same saturation to int8).
/// What tw_prepare_activations runs on ARM64.
void tw_quantize_activations_c(const float *x, int64_t columns, void *activations);

#if defined(__aarch64__)
/// The NEON dequantization of the types prefill meets (bit-exact with the portable one); returns 0
/// for the types it leaves to the portable one.
int tw_neon_dequantize(uint32_t type, const uint8_t *source, float *destination, int64_t count);

/// tw_matmul's NEON products: F32/F16 in float, the types with an integer product from
/// `activations` (which must be prepared).
void tw_neon_matmul(uint32_t type, const uint8_t *weights, size_t row_bytes, int64_t columns, const float *x,
                    const void *activations, int64_t tokens, float *y, int64_t y_stride, int64_t first, int64_t end);
#endif

#endif
