#if canImport(Glibc)
import Glibc
#endif

/// Allocation of the big arenas (vectors, layer-0 links) on transparent huge pages.
///
/// A search reads a few thousand vectors at random places in an arena of hundreds of MiB: with
/// 4 KiB pages nearly every read also misses the TLB, and under virtualization a TLB miss is a
/// two-level page walk. 2 MiB pages cut those misses by 512×. Linux gives them only to regions
/// that ask (`madvise` mode, the default here), so arenas of 2 MiB or more are aligned to a huge
/// page and advised. Elsewhere, or when the kernel declines, this is a plain allocation.
enum LargeAllocation {
    static let hugePageBytes = 2 << 20

    static func allocate<T>(_: T.Type, capacity: Int) -> UnsafeMutablePointer<T> {
        let bytes = capacity * MemoryLayout<T>.stride
        guard bytes >= hugePageBytes else { return .allocate(capacity: capacity) }
        let raw = UnsafeMutableRawPointer.allocate(byteCount: bytes, alignment: hugePageBytes)
        #if os(Linux)
        _ = madvise(raw, bytes, MADV_HUGEPAGE)
        #endif
        return raw.bindMemory(to: T.self, capacity: capacity)
    }
}
