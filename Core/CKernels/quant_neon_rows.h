// The NEON row kernels, included twice by quant_neon.c (hence no include guard): TARGET is the
// attribute every function of a copy is built with, NAME(name) the copy's name for a function and
// DOT16(acc, w, x) its 16-pair integer dot product (baseline ARMv8, or sdot). Each kernel multiplies
// one weight row with `n` ≤ GROUP tokens' prepared activations, out[t] = Σ W·x_t, decoding each
// block once for all of them; called with a constant n, so the per-token accumulators stay in registers.

/// The 32-weight types: per block and token one integer dot product and one float FMA; Q4_1 and
/// Q5_1 add their minimum times the block's activation sum d·Σq.
TARGET INLINE void NAME(rows_32)(uint32_t type, const uint8_t *b, int64_t blocks, const quantized_x *x, int n, float *out) {
    const int bytes = tw_block_bytes(type), minimum = has_minimum(type);
    float32x4_t acc[GROUP];
    float bias[GROUP];
    for (int t = 0; t < n; t++) { acc[t] = vdupq_n_f32(0); bias[t] = 0; }
    for (int64_t i = 0; i < blocks; i++, b += bytes) {
        const block32 w = decode32(type, b);
        for (int t = 0; t < n; t++) {
            const int8_t *xq = x[t].q + 32 * i;
            const int32x4_t dot = DOT16(DOT16(vdupq_n_s32(0), w.low, vld1q_s8(xq)), w.high, vld1q_s8(xq + 16));
            acc[t] = vfmaq_n_f32(acc[t], vcvtq_f32_s32(dot), w.d * x[t].d[i]);
            if (minimum) bias[t] += w.m * x[t].sum[i];
        }
    }
    for (int t = 0; t < n; t++) out[t] = vaddvq_f32(acc[t]) + bias[t];
}

/// Q4_K and Q5_K: codes 0..31 (a fifth bit when `q5`), Σ over the super-block of
/// scale_j · Σ w·x in int32, then one conversion; the minimums' share from the codes' sums.
TARGET INLINE void NAME(rows_k4)(const uint8_t *b, int64_t blocks, const quantized_x *x, int n, float *out, int q5) {
    const int stride = q5 ? 176 : 144;
    float32x4_t acc[GROUP];
    float bias[GROUP];
    for (int t = 0; t < n; t++) { acc[t] = vdupq_n_f32(0); bias[t] = 0; }
    for (int64_t i = 0; i < blocks; i++, b += stride) {
        uint8_t scales[16];
        k4_scales(b + 4, scales);
        const int16x8_t minimums = vreinterpretq_s16_u16(vmovl_u8(vld1_u8(scales + 8)));
        const uint8x16_t high_bits[2] = {q5 ? vld1q_u8(b + 16) : vdupq_n_u8(0), q5 ? vld1q_u8(b + 32) : vdupq_n_u8(0)};
        const uint8_t *q = b + (q5 ? 48 : 16);
        int32x4_t sum[GROUP];
        for (int t = 0; t < n; t++) sum[t] = vdupq_n_s32(0);
        for (int j = 0; j < 4; j++, q += 32) {
            int8x16_t w[4];
            k4_codes(q, high_bits, j, q5, w);
            for (int t = 0; t < n; t++) {
                const int8_t *xq = x[t].qk + 256 * i + 64 * j;
                const int32x4_t low = DOT16(DOT16(vdupq_n_s32(0), w[0], vld1q_s8(xq)), w[1], vld1q_s8(xq + 16));
                const int32x4_t high = DOT16(DOT16(vdupq_n_s32(0), w[2], vld1q_s8(xq + 32)), w[3], vld1q_s8(xq + 48));
                sum[t] = vmlaq_n_s32(vmlaq_n_s32(sum[t], low, scales[2 * j]), high, scales[2 * j + 1]);
            }
        }
        const float d = half_neon(b), dmin = half_neon(b + 2);
        for (int t = 0; t < n; t++) {
            const float dx = x[t].dk[i];
            acc[t] = vfmaq_n_f32(acc[t], vcvtq_f32_s32(sum[t]), d * dx);
            bias[t] += dmin * dx * (float)k4_minimum_terms(minimums, x[t].bsum + 16 * i);
        }
    }
    for (int t = 0; t < n; t++) out[t] = vaddvq_f32(acc[t]) - bias[t];
}

/// Q6_K: signed codes −32..31 (the AVX2 kernel's unsigned codes less its offset term: the same
/// integers), scale_g · Σ w·x over each 16 in int32, then one conversion per super-block.
TARGET INLINE void NAME(rows_q6_k)(const uint8_t *b, int64_t blocks, const quantized_x *x, int n, float *out) {
    float32x4_t acc[GROUP];
    for (int t = 0; t < n; t++) acc[t] = vdupq_n_f32(0);
    for (int64_t i = 0; i < blocks; i++, b += 210) {
        const int8_t *scales = (const int8_t *)(b + 192);
        int32x4_t sum[GROUP];
        for (int t = 0; t < n; t++) sum[t] = vdupq_n_s32(0);
        for (int half = 0; half < 2; half++) {
            for (int l0 = 0; l0 < 32; l0 += 16) {
                int8x16_t w[4];
                q6_codes(b + 64 * half + l0, b + 128 + 32 * half + l0, w);
                for (int k = 0; k < 4; k++) {
                    const int scale = scales[8 * half + 2 * k + l0 / 16];
                    for (int t = 0; t < n; t++) {
                        const int8x16_t xq = vld1q_s8(x[t].qk + 256 * i + 128 * half + 32 * k + l0);
                        sum[t] = vmlaq_n_s32(sum[t], DOT16(vdupq_n_s32(0), w[k], xq), scale);
                    }
                }
            }
        }
        const float d = half_neon(b + 208);
        for (int t = 0; t < n; t++) acc[t] = vfmaq_n_f32(acc[t], vcvtq_f32_s32(sum[t]), d * x[t].dk[i]);
    }
    for (int t = 0; t < n; t++) out[t] = vaddvq_f32(acc[t]);
}

/// One weight row times `n` tokens' prepared activations, by type (each call site a constant type).
TARGET INLINE void NAME(rows_any)(uint32_t type, const uint8_t *row, int64_t columns, const quantized_x *x, int n, float *out) {
    switch (type) {
    case T_Q4_0: NAME(rows_32)(T_Q4_0, row, columns / 32, x, n, out); break;
    case T_Q4_1: NAME(rows_32)(T_Q4_1, row, columns / 32, x, n, out); break;
    case T_Q5_0: NAME(rows_32)(T_Q5_0, row, columns / 32, x, n, out); break;
    case T_Q5_1: NAME(rows_32)(T_Q5_1, row, columns / 32, x, n, out); break;
    case T_Q8_0: NAME(rows_32)(T_Q8_0, row, columns / 32, x, n, out); break;
    case T_Q4_K: NAME(rows_k4)(row, columns / 256, x, n, out, 0); break;
    case T_Q5_K: NAME(rows_k4)(row, columns / 256, x, n, out, 1); break;
    case T_Q6_K: NAME(rows_q6_k)(row, columns / 256, x, n, out); break;
    default: break;
    }
}

TARGET static void NAME(rows_1)(uint32_t type, const uint8_t *row, int64_t columns, const quantized_x *x, float *out) {
    NAME(rows_any)(type, row, columns, x, 1, out);
}
TARGET static void NAME(rows_2)(uint32_t type, const uint8_t *row, int64_t columns, const quantized_x *x, float *out) {
    NAME(rows_any)(type, row, columns, x, 2, out);
}
TARGET static void NAME(rows_3)(uint32_t type, const uint8_t *row, int64_t columns, const quantized_x *x, float *out) {
    NAME(rows_any)(type, row, columns, x, 3, out);
}
TARGET static void NAME(rows_4)(uint32_t type, const uint8_t *row, int64_t columns, const quantized_x *x, float *out) {
    NAME(rows_any)(type, row, columns, x, 4, out);
}

/// This copy's kernels for 1 to GROUP tokens.
static const neon_rows_kernel NAME(rows_kernels)[GROUP] = {NAME(rows_1), NAME(rows_2), NAME(rows_3), NAME(rows_4)};
