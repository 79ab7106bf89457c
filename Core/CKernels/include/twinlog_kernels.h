// Quantized weight kernels for the generation engine: dequantization of GGUF blocks exactly as
// ggml defines them, and matrix-vector products that read the blocks in place (never a whole
// dequantized matrix). Written in C because the hot loops need AVX2/FMA/F16C chosen at run time
// (per-function target attributes), which Swift cannot express; everything else stays in Swift.
// Only TwinlogGeneration imports this module.
#ifndef TWINLOG_KERNELS_H
#define TWINLOG_KERNELS_H

#include <stddef.h>
#include <stdint.h>

/// Which implementation of the products runs.
typedef enum {
    TW_KERNELS_AUTO = 0,      ///< the best this CPU supports (decided once)
    TW_KERNELS_PORTABLE = 1,  ///< plain C, any CPU
    TW_KERNELS_AVX2 = 2,      ///< AVX2 + FMA + F16C (x86-64 only)
} tw_kernels;

/// Whether ggml type `type` (its GGUF type id) is dequantized and multiplied here.
int tw_type_supported(uint32_t type);

/// Elements per block of `type` (1 for plain floats, 32 or 256 for quantized types); 0 if unsupported.
int tw_block_elements(uint32_t type);

/// Bytes per block of `type`; 0 if unsupported.
int tw_block_bytes(uint32_t type);

/// The implementation AUTO resolves to on this CPU (PORTABLE or AVX2).
tw_kernels tw_kernels_available(void);

/// Writes the `count` values stored at `source` as float32 to `destination`, bit-exact with ggml's
/// reference dequantization (both implementations). `count` must be a multiple of the type's block size.
void tw_dequantize(uint32_t type, const void *source, float *destination, int64_t count, tw_kernels kernels);

/// Bytes of the buffer `tw_prepare_activations` fills for `columns` values (a multiple of 32).
size_t tw_activations_bytes(int64_t columns);

/// Quantizes x once for every product that reads it: per block of 32 values int8 codes
/// q = round(x / d) with d = max|x| / 127, the scales and the blocks' float sums (what the AVX2
/// products of quantized types multiply). Does nothing on a CPU without AVX2.
void tw_prepare_activations(const float *x, int64_t columns, void *activations);

/// y[r] = Σ_c W[r][c] · x[c] for rows `first ..< end` of a [rows × columns] matrix of `type`
/// whose row r starts at `weights + r · row_bytes`. `columns` is a multiple of the block size.
/// The portable products use float32 activations; the AVX2 products of quantized types use
/// `activations` (x prepared by `tw_prepare_activations`; without them they fall back to the
/// portable product), so their error is bounded by Σ_blocks d/2 · Σ_i |W[r][i]| on top of float
/// rounding.
void tw_matvec(uint32_t type, const void *weights, size_t row_bytes, int64_t columns, const float *x,
               const void *activations, float *y, int64_t first, int64_t end, tw_kernels kernels);

#endif
