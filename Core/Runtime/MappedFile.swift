#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A read-only memory mapping of a whole file, unmapped when the last reference goes away.
///
/// Model files are large and read once at load: mapping lets the kernel page them in on demand and
/// share them with the page cache and other processes, where reading would copy them to the heap.
public final class MappedFile: @unchecked Sendable {
    // Sendable: the mapping is read-only and never changes after init.

    /// Why a file could not be mapped, with the path.
    public struct Failure: Error, CustomStringConvertible, Sendable {
        public let path: String
        public let reason: String
        public var description: String { "\(path): \(reason)" }
    }

    public let path: String
    /// The file's bytes.
    public let bytes: UnsafeRawBufferPointer
    public var count: Int { bytes.count }
    public var base: UnsafeRawPointer { bytes.baseAddress! }

    public init(path: String) throws(Failure) {
        self.path = path
        let descriptor = open(path, O_RDONLY)
        guard descriptor >= 0 else { throw Failure(path: path, reason: "cannot be opened (errno \(errno))") }
        defer { close(descriptor) }
        var status = stat()
        guard fstat(descriptor, &status) == 0 else { throw Failure(path: path, reason: "cannot be inspected (errno \(errno))") }
        let size = Int(status.st_size)
        guard size > 0 else { throw Failure(path: path, reason: "is empty") }
        guard let base = mmap(nil, size, PROT_READ, MAP_PRIVATE, descriptor, 0), base != MAP_FAILED else {
            throw Failure(path: path, reason: "cannot be mapped (errno \(errno))")
        }
        bytes = UnsafeRawBufferPointer(start: base, count: size)
    }

    /// An anonymous read-only mapping holding a copy of `bytes`, for readers fed from memory
    /// (tests, fuzzing); `name` stands for the path in messages.
    public init(copying bytes: [UInt8], name: String) throws(Failure) {
        path = name
        guard !bytes.isEmpty else { throw Failure(path: name, reason: "is empty") }
        guard let base = mmap(nil, bytes.count, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0), base != MAP_FAILED else {
            throw Failure(path: name, reason: "cannot be mapped (errno \(errno))")
        }
        bytes.withUnsafeBytes { base.copyMemory(from: $0.baseAddress!, byteCount: $0.count) }
        mprotect(base, bytes.count, PROT_READ)
        self.bytes = UnsafeRawBufferPointer(start: base, count: bytes.count)
    }

    deinit {
        munmap(UnsafeMutableRawPointer(mutating: bytes.baseAddress), bytes.count)
    }
}
