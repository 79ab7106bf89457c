// Parity of the ARM64 NEON kernels (Core/CKernels/quant_neon.c) with the portable ones, for every
// quantized type: tw_matmul within the bound its header documents, tw_dequantize bit for bit, and
// the activation quantization. Built for ARM64 and run there or under qemu-aarch64 by
// infra/dev/test-kernels-arm64; built natively on x86 the same checks run the x86 kernels (a NEON
// request resolves to them) and the plain-C activation quantization is compared with the AVX2 one
// bit for bit. With the Swift tests' fixture of gguf-py's dequantization it also checks both levels'
// dequantization against gguf-py's values. Prints one line per type and a summary; exits 1 on any failure.
//   neon_parity [--dotprod=yes|no] [--reference=Tests/GenerationTests/Fixtures/quant_blocks.json]
//   --dotprod: on ARM64, fail unless the CPU's dot-product extension is as stated
#include "quant_internal.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#if defined(__aarch64__) && defined(__linux__)
#include <sys/auxv.h>
#endif

enum { ROWS = 37, MAX_TOKENS = 11, Y_PAD = 3 };

static int failures = 0;

/// Counts one failed check and prints it (the first 30), described printf-style.
__attribute__((format(printf, 1, 2))) static void fail(const char *format, ...) {
    if (++failures > 30) return;
    va_list arguments;
    va_start(arguments, format);
    printf("  FAIL ");
    vprintf(format, arguments);
    printf("\n");
    va_end(arguments);
}

/// A seeded generator (splitmix64): the same weights and activations on every run.
static uint64_t state = 0x7477696e6c6f67ULL;
static uint64_t next_random(void) {
    uint64_t z = (state += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

/// Uniform in [-1, 1).
static float uniform(void) { return (float)(next_random() >> 40) / (float)(1 << 23) - 1.0f; }

/// A finite half with a binary exponent from `low` to `high` (unbiased), any sign when `signed_`.
static uint16_t random_half(int low, int high, int signed_) {
    const uint64_t r = next_random();
    const uint16_t exponent = (uint16_t)(low + 15 + (int)(r % (uint64_t)(high - low + 1)));
    const uint16_t sign = signed_ && (r >> 32 & 1) ? 0x8000 : 0;
    return (uint16_t)(sign | exponent << 10 | ((r >> 16) & 0x3FF));
}

static void put_half(uint8_t *p, uint16_t h) { memcpy(p, &h, 2); }

typedef struct {
    const char *name;
    uint32_t id;
    int integer;  ///< whether it has an integer product
} type_case;

static const type_case types[] = {
    {"Q4_0", T_Q4_0, 1}, {"Q4_1", T_Q4_1, 1}, {"Q5_0", T_Q5_0, 1}, {"Q5_1", T_Q5_1, 1}, {"Q8_0", T_Q8_0, 1},
    {"Q4_K", T_Q4_K, 1}, {"Q5_K", T_Q5_K, 1}, {"Q6_K", T_Q6_K, 1}, {"Q2_K", T_Q2_K, 0}, {"Q3_K", T_Q3_K, 0},
    {"F16", T_F16, 0},   {"F32", T_F32, 0},   {"BF16", T_BF16, 0},
};

/// `count` random but valid blocks of `type`: random codes, scales finite halves of a realistic
/// magnitude (2⁻¹¹ .. 2⁻⁴; minimums of either sign), F16 elements in ±(2⁻⁸ .. 4), F32/BF16 in [-2, 2).
static void random_blocks(uint32_t type, uint8_t *b, int64_t count) {
    const int bytes = tw_block_bytes(type);
    for (int64_t i = 0; i < count * bytes; i++) b[i] = (uint8_t)next_random();
    for (int64_t i = 0; i < count; i++, b += bytes) {
        switch (type) {
        case T_Q4_0: case T_Q5_0: case T_Q8_0: put_half(b, random_half(-11, -4, 1)); break;
        case T_Q4_1: case T_Q5_1: case T_Q4_K: case T_Q5_K:
            put_half(b, random_half(-11, -4, type != T_Q4_K && type != T_Q5_K));
            put_half(b + 2, random_half(-11, -4, 1));
            break;
        case T_Q2_K: put_half(b + 80, random_half(-11, -4, 0)); put_half(b + 82, random_half(-11, -4, 0)); break;
        case T_Q3_K: put_half(b + 108, random_half(-11, -4, 1)); break;
        case T_Q6_K: put_half(b + 208, random_half(-11, -4, 1)); break;
        case T_F16: put_half(b, random_half(-8, 1, 1)); break;
        case T_F32: { const float f = uniform() * 2.0f; memcpy(b, &f, 4); break; }
        case T_BF16: {
            const float f = uniform() * 2.0f;
            uint32_t bits;
            memcpy(&bits, &f, 4);
            put_half(b, (uint16_t)(bits >> 16));
            break;
        }
        default: break;
        }
    }
}

/// Activations of `tokens` × `columns`: uniform values whose scale changes from block to block, one
/// outlier, and (token 1) a first super-block of zeros, so the zero-scale path runs too.
static void random_activations(float *x, int64_t columns, int tokens) {
    for (int t = 0; t < tokens; t++) {
        for (int64_t c = 0; c < columns; c += 32) {
            const float scale = ldexpf(1.0f, (int)(next_random() % 7) - 3);
            for (int i = 0; i < 32; i++) x[t * columns + c + i] = uniform() * scale;
        }
        x[t * columns + (int64_t)(next_random() % (uint64_t)columns)] = 40.0f;
    }
    if (tokens > 1) memset(x + columns, 0, sizeof(float) * (size_t)(columns < 256 ? columns : 256));
}

/// The documented bound of tw_matmul's integer product for one row and token: Σ over activation
/// blocks of `width` values of d/2 · Σ|W|, d = max|x| / 127.
static double int8_bound(const float *w, const float *x, int64_t columns, int width) {
    double bound = 0;
    for (int64_t c = 0; c < columns; c += width) {
        double amax = 0, wsum = 0;
        for (int i = 0; i < width; i++) {
            amax = fmax(amax, fabs((double)x[c + i]));
            wsum += fabs((double)w[c + i]);
        }
        bound += amax / 127.0 / 2.0 * wsum;
    }
    return bound;
}

/// What one type's matrix products showed.
typedef struct {
    double worst_ratio;  ///< the largest |NEON − portable| / bound
    long outputs;        ///< outputs compared
    long different;      ///< outputs not bit-equal to the portable ones (the integer path ran)
} product_stats;

/// tw_matmul at the NEON level against the portable one for `type`, `columns` and 1 ..
/// MAX_TOKENS tokens: within the bound, each token's outputs the same alone as in a group, a row
/// range leaving the other rows alone, and without activations exactly the portable product.
static void check_products(const type_case *type, int64_t columns, product_stats *stats) {
    const size_t row_bytes = (size_t)(columns / tw_block_elements(type->id) * tw_block_bytes(type->id));
    const size_t stride = tw_activations_bytes(columns), y_count = MAX_TOKENS * (ROWS + Y_PAD);
    const int64_t y_stride = ROWS + Y_PAD;
    uint8_t *weights = malloc(ROWS * row_bytes), *activations = malloc(MAX_TOKENS * stride);
    float *dense = malloc(sizeof(float) * ROWS * (size_t)columns), *x = malloc(sizeof(float) * MAX_TOKENS * (size_t)columns);
    float *y = malloc(sizeof(float) * y_count), *expected = malloc(sizeof(float) * y_count);
    float *other = malloc(sizeof(float) * y_count);
    random_blocks(type->id, weights, ROWS * (int64_t)row_bytes / tw_block_bytes(type->id));
    for (int r = 0; r < ROWS; r++)
        tw_dequantize(type->id, weights + r * row_bytes, dense + r * columns, columns, TW_KERNELS_PORTABLE);
    char where[96];
    snprintf(where, sizeof where, "%s, %lld columns", type->name, (long long)columns);
    const int integer = tw_integer_product(type->id, columns, TW_KERNELS_NEON);
#if defined(__aarch64__)
    if (integer != type->integer) fail("%s: tw_integer_product at the NEON level", where);
    if (tw_integer_product(type->id, columns, TW_KERNELS_AVX2) != integer) fail("%s: an AVX2 request is not NEON", where);
#else
    if (integer != tw_integer_product(type->id, columns, TW_KERNELS_AUTO)) fail("%s: a NEON request is not the best x86", where);
#endif
    if (tw_integer_product(type->id, columns, TW_KERNELS_PORTABLE)) fail("%s: a portable product as integers", where);
    const int width = tw_block_elements(type->id) == 256 ? 256 : 32;
    for (int tokens = 1; tokens <= MAX_TOKENS; tokens++) {
        snprintf(where, sizeof where, "%s, %lld columns, %d tokens", type->name, (long long)columns, tokens);
        random_activations(x, columns, tokens);
        for (int t = 0; t < tokens; t++) tw_prepare_activations(x + t * columns, columns, activations + t * stride);
        for (size_t i = 0; i < y_count; i++) y[i] = expected[i] = other[i] = NAN;
        tw_matmul(type->id, weights, row_bytes, columns, x, activations, tokens, y, y_stride, 0, ROWS, TW_KERNELS_NEON);
        tw_matmul(type->id, weights, row_bytes, columns, x, activations, tokens, expected, y_stride, 0, ROWS, TW_KERNELS_PORTABLE);
        for (int t = 0; t < tokens; t++) {
            for (int r = 0; r < ROWS; r++) {
                const double e = expected[t * y_stride + r], got = y[t * y_stride + r];
                const double bound = (integer ? int8_bound(dense + r * columns, x + t * columns, columns, width) : 0)
                    + 1e-4 * fmax(1.0, fabs(e));
                const double error = fabs(got - e);
                if (!(error <= bound)) fail("%s: token %d row %d is %g, portable %g: beyond %g", where, t, r, got, e, bound);
                if (error / bound > stats->worst_ratio) stats->worst_ratio = error / bound;
                stats->outputs++;
                if (got != e) stats->different++;
            }
            for (int r = ROWS; r < y_stride; r++)
                if (!isnan(y[t * y_stride + r])) fail("%s: wrote beyond the rows", where);
        }
        for (int t = 0; t < tokens; t += tokens > 1 ? tokens - 1 : 1) {
            float single[ROWS];
            tw_matmul(type->id, weights, row_bytes, columns, x + t * columns, activations + t * stride, 1, single, ROWS, 0, ROWS,
                      TW_KERNELS_NEON);
            if (memcmp(single, y + t * y_stride, sizeof single) != 0) fail("%s: token %d alone differs from the group", where, t);
        }
        const int64_t first = 5, end = ROWS - 3;
        tw_matmul(type->id, weights, row_bytes, columns, x, activations, tokens, other, y_stride, first, end, TW_KERNELS_NEON);
        for (int t = 0; t < tokens; t++)
            for (int64_t r = 0; r < y_stride; r++) {
                const float v = other[t * y_stride + r];
                if (r >= first && r < end ? memcmp(&v, &y[t * y_stride + r], sizeof v) != 0 : !isnan(v))
                    fail("%s: rows %lld ..< %lld alone differ from the whole (row %lld)", where, (long long)first, (long long)end,
                         (long long)r);
            }
        if (integer) {
            tw_matmul(type->id, weights, row_bytes, columns, x, NULL, tokens, other, y_stride, 0, ROWS, TW_KERNELS_NEON);
            for (int t = 0; t < tokens; t++)
                if (memcmp(other + t * y_stride, expected + t * y_stride, sizeof(float) * ROWS) != 0)
                    fail("%s: without activations the product is not the portable one", where);
        }
    }
    free(weights); free(activations); free(dense); free(x); free(y); free(expected); free(other);
}

/// tw_dequantize at the NEON level against the portable one, bit for bit, over `blocks` random blocks.
static void check_dequantization(const type_case *type, int64_t blocks) {
    const int64_t count = blocks * tw_block_elements(type->id);
    uint8_t *source = malloc((size_t)(blocks * tw_block_bytes(type->id)));
    float *neon = malloc(sizeof(float) * (size_t)count), *portable = malloc(sizeof(float) * (size_t)count);
    random_blocks(type->id, source, blocks);
    memset(neon, 0xA5, sizeof(float) * (size_t)count);
    memset(portable, 0x5A, sizeof(float) * (size_t)count);
    tw_dequantize(type->id, source, neon, count, TW_KERNELS_NEON);
    tw_dequantize(type->id, source, portable, count, TW_KERNELS_PORTABLE);
    if (memcmp(neon, portable, sizeof(float) * (size_t)count) != 0) fail("%s: dequantization not bit-exact", type->name);
    free(source); free(neon); free(portable);
}

/// The plain-C activation quantization: ties rounded to even; on x86 with AVX2 the same bytes as
/// the AVX2 quantization for random, zero, tiny, huge and infinite values; on ARM64 what
/// tw_prepare_activations writes.
static void check_activations(void) {
    const int before = failures;
    // With max|x| = 127 the codes are x itself rounded: halves go to the even neighbour.
    float ties[256] = {127.0f, 2.5f, 3.5f, -2.5f, -3.5f, 0.5f, -0.5f, 1.5f, 126.5f, -127.0f};
    const int8_t rounded[10] = {127, 2, 4, -2, -4, 0, 0, 2, 126, -127};
    uint8_t buffer[4096];
    tw_quantize_activations_c(ties, 256, buffer);
    const quantized_x view = activations_view(buffer, 256);
    if (memcmp(view.q, rounded, 10) != 0 || memcmp(view.qk, rounded, 10) != 0) fail("activations: ties to even");
    if (view.d[0] != 1.0f || view.dk[0] != 1.0f) fail("activations: scales of max|x| = 127");
    const int64_t widths[] = {32, 256, 352, 512, 4096};
    int compared = 0;
    for (int w = 0; w < 5; w++) {
        const int64_t columns = widths[w];
        const size_t bytes = tw_activations_bytes(columns);
        float *x = malloc(sizeof(float) * (size_t)columns);
        uint8_t *c_version = malloc(bytes), *prepared = malloc(bytes);
        for (int trial = 0; trial < 40; trial++) {
            random_activations(x, columns, 1);
            if (trial % 8 == 1) for (int64_t i = 0; i < columns; i++) x[i] *= 1e-38f;
            if (trial % 8 == 2) for (int64_t i = 0; i < columns; i++) x[i] *= 1e30f;
            if (trial % 8 == 3) x[next_random() % (uint64_t)columns] = -INFINITY;
            if (trial % 8 == 4) memset(x, 0, sizeof(float) * (size_t)(columns < 256 ? columns : 256));
            memset(c_version, 0xA5, bytes);
            memset(prepared, 0x5A, bytes);
            tw_quantize_activations_c(x, columns, c_version);
            tw_prepare_activations(x, columns, prepared);
#if defined(__x86_64__)
            if (tw_kernels_available() < TW_KERNELS_AVX2) continue;
#endif
            compared++;
            if (memcmp(c_version, prepared, bytes) != 0)
                fail("activations, %lld columns: the plain-C ones differ from tw_prepare_activations's", (long long)columns);
        }
        free(x); free(c_version); free(prepared);
    }
    printf("%-6s %s; ties to even; plain-C activations of %d random vectors compared with tw_prepare_activations's%s\n", "x",
           failures == before ? "ok  " : "FAIL", compared, compared == 0 ? " (none: no AVX2 here)" : "");
}

/// The text of the file at `path` (NUL-terminated), or NULL.
static char *read_text(const char *path) {
    FILE *file = fopen(path, "rb");
    if (!file) return NULL;
    fseek(file, 0, SEEK_END);
    const long size = ftell(file);
    fseek(file, 0, SEEK_SET);
    char *text = malloc((size_t)size + 1);
    const size_t length = fread(text, 1, (size_t)size, file);
    fclose(file);
    text[length] = 0;
    return text;
}

/// The string value of the first `"key": "..."` after `from` as bytes (it is hex); returns how many,
/// and where the value ends in `end`.
static size_t hex_field(const char *from, const char *key, uint8_t *out, size_t capacity, const char **end) {
    const char *p = strstr(from, key);
    if (!p || !(p = strchr(p + strlen(key), '"'))) return 0;
    size_t n = 0;
    for (p++; p[0] != '"' && p[1] != '"' && n < capacity; p += 2) {
        const char pair[3] = {p[0], p[1], 0};
        out[n++] = (uint8_t)strtoul(pair, NULL, 16);
    }
    *end = p;
    return n;
}

/// Both levels' dequantization against gguf-py's, bit for bit, for every entry of the Swift tests'
/// fixture at `path` (its entries name typeId, elements, bytes and expected, in that order).
static void check_reference(const char *path) {
    const int before = failures;
    char *text = read_text(path);
    if (!text) { fail("reading the gguf-py fixture (%s)", path); return; }
    enum { CAPACITY = 1 << 16 };
    uint8_t *bytes = malloc(CAPACITY), *expected = malloc(CAPACITY);
    float *values = malloc(CAPACITY);
    int entries = 0;
    for (const char *p = text; (p = strstr(p, "\"typeId\"")) != NULL; entries++) {
        const uint32_t type = (uint32_t)strtoul(strchr(p, ':') + 1, NULL, 10);
        const char *elements_key = strstr(p, "\"elements\"");
        const int64_t elements = elements_key ? strtoll(strchr(elements_key, ':') + 1, NULL, 10) : 0;
        const size_t byte_count = hex_field(p, "\"bytes\"", bytes, CAPACITY, &p);
        const size_t expected_count = hex_field(p, "\"expected\"", expected, CAPACITY, &p);
        const int64_t blocks = tw_block_elements(type) ? elements / tw_block_elements(type) : 0;
        if (!tw_type_supported(type) || elements <= 0 || (size_t)elements * 4 != expected_count
            || (size_t)(blocks * tw_block_bytes(type)) != byte_count) {
            fail("an entry of the gguf-py fixture unreadable (%s, entry %d)", path, entries);
            break;
        }
        const tw_kernels levels[2] = {TW_KERNELS_PORTABLE, TW_KERNELS_NEON};
        for (int level = 0; level < 2; level++) {
            memset(values, 0xA5, expected_count);
            tw_dequantize(type, bytes, values, elements, levels[level]);
            if (memcmp(values, expected, expected_count) != 0)
                fail("%s-level dequantization of type %u differs from gguf-py (fixture entry %d)", level ? "NEON" : "portable",
                     type, entries);
        }
    }
    if (entries == 0) fail("no entries in the gguf-py fixture (%s)", path);
    printf("%-6s %s; %d entries of gguf-py's dequantization bit-equal at the portable and NEON levels\n", "gguf",
           failures == before ? "ok  " : "FAIL", entries);
    free(text); free(bytes); free(expected); free(values);
}

int main(int argc, char **argv) {
    const char *expected_dotprod = NULL, *reference = NULL;
    for (int i = 1; i < argc; i++) {
        if (strncmp(argv[i], "--dotprod=", 10) == 0) expected_dotprod = argv[i] + 10;
        else if (strncmp(argv[i], "--reference=", 12) == 0) reference = argv[i] + 12;
        else { fprintf(stderr, "usage: %s [--dotprod=yes|no] [--reference=quant_blocks.json]\n", argv[0]); return 2; }
    }
#if defined(__aarch64__)
    if (tw_kernels_available() != TW_KERNELS_NEON) fail("tw_kernels_available is NEON");
#if defined(__linux__)
    const int dotprod = (getauxval(AT_HWCAP) & HWCAP_ASIMDDP) != 0;
#else
    const int dotprod = 0;
#endif
    printf("neon_parity: ARM64, kernels %d (NEON = %d), dot-product extension: %s\n", tw_kernels_available(), TW_KERNELS_NEON,
           dotprod ? "yes (sdot kernels)" : "no (baseline kernels)");
    if (expected_dotprod && strcmp(expected_dotprod, dotprod ? "yes" : "no") != 0) fail("the CPU's dot-product extension");
#else
    (void)expected_dotprod;
    printf("neon_parity: not ARM64 (kernels %d): the NEON level resolves to this CPU's best\n", tw_kernels_available());
#endif
    check_activations();
    if (reference) check_reference(reference);
    for (size_t i = 0; i < sizeof types / sizeof types[0]; i++) {
        const type_case *type = &types[i];
        const int before = failures;
        check_dequantization(type, type->id == T_F16 || type->id == T_F32 || type->id == T_BF16 ? 517 : 24);
        product_stats stats = {0};
        char widths[64] = "";
        const int64_t candidates[] = {256, 512, 352};
        for (int w = 0; w < 3; w++) {
            const int simd = type->integer || type->id == T_F16 || type->id == T_F32;
            if (candidates[w] % tw_block_elements(type->id) != 0 || !simd) continue;
            check_products(type, candidates[w], &stats);
            const size_t used = strlen(widths);
            snprintf(widths + used, sizeof widths - used, "%s%lld", used ? "," : "", (long long)candidates[w]);
        }
        if (type->integer && stats.different == 0)
            fail("%s: the integer product never differs from the portable one (not run)", type->name);
        printf("%-6s %s; dequantization compared bit for bit", type->name, failures == before ? "ok  " : "FAIL");
        if (stats.outputs)
            printf("; %ld products (columns %s, 1-%d tokens), worst error %.3f of the bound, %ld not equal to portable",
                   stats.outputs, widths, MAX_TOKENS, stats.worst_ratio, stats.different);
        printf("\n");
    }
    if (failures) printf("neon_parity: FAILED, %d checks\n", failures);
    else printf("neon_parity: all checks passed\n");
    return failures ? 1 : 0;
}
