#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// A read-only memory mapping of a whole file; the pages are shared with the page cache, so a
/// 100 MB model file costs no heap and is only read where it is touched.
///
/// The mapping lives as long as this object; raw pointers into it never leave the module.
final class MappedFile: @unchecked Sendable {
    let path: String
    let count: Int
    let base: UnsafeRawPointer

    init(path: String) throws {
        self.path = path
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else {
            throw GGUFError(path: path, offset: nil, "cannot open the file (errno \(errno))")
        }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else {
            throw GGUFError(path: path, offset: nil, "cannot stat the file (errno \(errno))")
        }
        count = Int(info.st_size)
        guard count > 0 else { throw GGUFError(path: path, offset: 0, "the file is empty") }
        guard let mapped = mmap(nil, count, PROT_READ, MAP_PRIVATE, fd, 0), mapped != MAP_FAILED else {
            throw GGUFError(path: path, offset: nil, "cannot memory-map the file (errno \(errno))")
        }
        base = UnsafeRawPointer(mapped)
    }

    deinit {
        munmap(UnsafeMutableRawPointer(mutating: base), count)
    }
}
