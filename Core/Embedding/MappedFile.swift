#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A read-only memory mapping of a whole file, unmapped when the last reference goes away.
///
/// Model files are large and read once at load: mapping lets the kernel page them in on demand
/// and share them between processes, where reading would copy them through a buffer first.
final class MappedFile: @unchecked Sendable {
    // Sendable: the mapping is read-only and never changes after init.
    let path: String
    let bytes: UnsafeRawBufferPointer

    init(path: String) throws(SafeTensorsError) {
        self.path = path
        let descriptor = open(path, O_RDONLY)
        guard descriptor >= 0 else {
            throw SafeTensorsError(path: path, tensor: nil, reason: "cannot be opened (errno \(errno))")
        }
        defer { close(descriptor) }
        var status = stat()
        guard fstat(descriptor, &status) == 0 else {
            throw SafeTensorsError(path: path, tensor: nil, reason: "cannot be inspected (errno \(errno))")
        }
        let size = Int(status.st_size)
        guard size > 0 else {
            throw SafeTensorsError(path: path, tensor: nil, reason: "is empty")
        }
        guard let base = mmap(nil, size, PROT_READ, MAP_PRIVATE, descriptor, 0), base != MAP_FAILED else {
            throw SafeTensorsError(path: path, tensor: nil, reason: "cannot be mapped (errno \(errno))")
        }
        bytes = UnsafeRawBufferPointer(start: base, count: size)
    }

    deinit {
        munmap(UnsafeMutableRawPointer(mutating: bytes.baseAddress), bytes.count)
    }
}
