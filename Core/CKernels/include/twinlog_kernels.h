// Quantized weight kernels for the generation engine: dequantization of GGUF blocks exactly as
// ggml defines them, and matrix products that read the blocks in place (never a whole dequantized
// matrix). Written in C because the hot loops need AVX2/FMA/F16C and AVX-512 VNNI chosen at run
// time (per-function target attributes) and ARM64 NEON (the dot-product extension when the CPU has
// it), which Swift cannot express; everything else stays in Swift. Only TwinlogGeneration imports
// this module.
#ifndef TWINLOG_KERNELS_H
#define TWINLOG_KERNELS_H

#include <stddef.h>
#include <stdint.h>

/// Which implementation of the products runs.
typedef enum {
    TW_KERNELS_AUTO = 0,      ///< the best this CPU supports (decided once)
    TW_KERNELS_PORTABLE = 1,  ///< plain C, any CPU
    TW_KERNELS_AVX2 = 2,      ///< AVX2 + FMA + F16C (x86-64 only)
    TW_KERNELS_AVX512 = 3,    ///< AVX2 and AVX-512 F/BW/VL + VNNI: the K-quants on 512-bit registers
    TW_KERNELS_NEON = 4,      ///< ARM64 NEON integer products (sdot when the CPU has it); on x86 the best x86 level
} tw_kernels;

/// Whether ggml type `type` (its GGUF type id) is dequantized and multiplied here.
int tw_type_supported(uint32_t type);

/// Elements per block of `type` (1 for plain floats, 32 or 256 for quantized types); 0 if unsupported.
int tw_block_elements(uint32_t type);

/// Bytes per block of `type`; 0 if unsupported.
int tw_block_bytes(uint32_t type);

/// The implementation AUTO resolves to on this CPU (the best it supports): NEON on ARM64. Asking for
/// more than that gets it too, and on ARM64 so does every request but PORTABLE.
tw_kernels tw_kernels_available(void);

/// Writes the `count` values stored at `source` as float32 to `destination`, bit-exact with ggml's
/// reference dequantization (both implementations). `count` must be a multiple of the type's block size.
void tw_dequantize(uint32_t type, const void *source, float *destination, int64_t count, tw_kernels kernels);

/// Bytes of the buffer `tw_prepare_activations` fills for `columns` values (a multiple of 32).
size_t tw_activations_bytes(int64_t columns);

/// Quantizes x once for every product that reads it: per block of 32 values int8 codes
/// q = round(x / d) with d = max|x| / 127, the scales and the blocks' sums d·Σq; and, when
/// `columns` is a multiple of 256, the same per super-block of 256 with the sums of each 16 codes
/// (what the K-quant products multiply). The same bytes on x86 (AVX2) and ARM64 (plain C); does
/// nothing where no integer product runs (x86 without AVX2, other CPUs).
void tw_prepare_activations(const float *x, int64_t columns, void *activations);

/// Whether `tw_matmul` multiplies `type` as integers with `kernels` on this CPU (so prepared
/// activations are worth making), for a matrix `columns` wide.
int tw_integer_product(uint32_t type, int64_t columns, tw_kernels kernels);

/// y[t · y_stride + r] = Σ_c W[r][c] · x[t · columns + c] for rows `first ..< end` of a
/// [rows × columns] matrix of `type` (row r at `weights + r · row_bytes`) and tokens t < `tokens`.
/// `columns` is a multiple of the block size. The portable products use the float32 x; the integer
/// products use `activations` instead: each token's x prepared by `tw_prepare_activations`, one
/// after another, `tw_activations_bytes(columns)` apart (without them they fall back to the
/// portable product). Their error is bounded by Σ_blocks d/2 · Σ_i |W[r][i]| on top of float
/// rounding, with d the activations' scale of the weight block's width (32 or 256).
void tw_matmul(uint32_t type, const void *weights, size_t row_bytes, int64_t columns, const float *x,
               const void *activations, int64_t tokens, float *y, int64_t y_stride, int64_t first, int64_t end,
               tw_kernels kernels);

#endif
