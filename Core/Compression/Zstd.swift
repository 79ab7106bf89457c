import CZstd

/// zstd compression of whole buffers (snapshots, dataset artifacts). The only home of `ZSTD_*` calls.
public enum Zstd {
    /// What went wrong inside zstd, with the library's own description.
    public struct Error: Swift.Error, CustomStringConvertible, Equatable {
        public let description: String
    }

    /// Compresses `input` at `level` (1 fastest … 19 smallest; 3 is zstd's default) into one frame
    /// that declares its size and carries a content checksum, so corruption is detected on decompression.
    public static func compress(_ input: [UInt8], level: Int32 = 3) throws(Error) -> [UInt8] {
        let bound = ZSTD_compressBound(input.count)
        var output = [UInt8](repeating: 0, count: bound)
        guard let context = ZSTD_createCCtx() else { throw Error(description: "out of memory creating a zstd context") }
        defer { ZSTD_freeCCtx(context) }
        try check(ZSTD_CCtx_setParameter(context, ZSTD_c_compressionLevel, level))
        try check(ZSTD_CCtx_setParameter(context, ZSTD_c_checksumFlag, 1))
        let written = input.withUnsafeBytes { src in
            output.withUnsafeMutableBytes { dst in
                ZSTD_compress2(context, dst.baseAddress, bound, src.baseAddress, src.count)
            }
        }
        try check(written)
        output.removeSubrange(written...)
        return output
    }

    /// Decompresses one zstd frame. The frame must declare its content size (every frame
    /// `compress` writes does); `limit` bounds the memory a hostile or corrupt input can claim.
    public static func decompress(_ input: [UInt8], limit: Int = 1 << 32) throws(Error) -> [UInt8] {
        let size = input.withUnsafeBytes { ZSTD_getFrameContentSize($0.baseAddress, $0.count) }
        // ZSTD_CONTENTSIZE_UNKNOWN and ZSTD_CONTENTSIZE_ERROR are the two largest UInt64 values.
        guard size < UInt64.max - 1 else { throw Error(description: "not a zstd frame with a declared content size") }
        guard size <= UInt64(limit) else { throw Error(description: "frame declares \(size) bytes, over the limit of \(limit)") }
        var output = [UInt8](repeating: 0, count: Int(size))
        let written = input.withUnsafeBytes { src in
            output.withUnsafeMutableBytes { dst in
                ZSTD_decompress(dst.baseAddress, dst.count, src.baseAddress, src.count)
            }
        }
        try check(written)
        guard written == Int(size) else {
            throw Error(description: "frame decompressed to \(written) bytes, declared \(size)")
        }
        return output
    }

    private static func check(_ code: Int) throws(Error) {
        if ZSTD_isError(code) != 0 {
            throw Error(description: String(cString: ZSTD_getErrorName(code)))
        }
    }
}
