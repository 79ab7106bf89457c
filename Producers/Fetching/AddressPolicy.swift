#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import TwinlogRuntime

/// Which network addresses the crawler may connect to, so a crawler that takes URLs from users
/// and from pages (redirects, feed links) cannot be aimed at the machine it runs on or its
/// private network (SSRF).
///
/// The check resolves the host and judges every address it resolves to: a name that resolves to
/// any forbidden address is refused, because the HTTP client may connect to any of them. Literal
/// IP addresses in every notation (`127.1`, `0x7f000001`, `[::ffff:127.0.0.1]`) go through the
/// same resolver and so the same check.
public struct AddressPolicy: Sendable, Equatable {
    /// Allow 127.0.0.0/8 and ::1 (tests, a local development server).
    public var allowLoopback: Bool
    /// Allow RFC 1918, unique-local, link-local, CGNAT and other non-public ranges.
    public var allowPrivate: Bool

    public init(allowLoopback: Bool = false, allowPrivate: Bool = false) {
        self.allowLoopback = allowLoopback
        self.allowPrivate = allowPrivate
    }

    /// Only public Internet addresses: the production default.
    public static let publicOnly = AddressPolicy()

    /// What an address is, for the policy.
    enum AddressClass: Equatable {
        case publicAddress, loopback, nonPublic(String)
    }

    private static let resolver = BlockingExecutor(label: "twinlog.crawl.resolver")

    /// Resolves `host` and throws when it has no address or any address is forbidden; returns the
    /// address to connect to, so the connection goes where the check looked (no DNS rebinding).
    @discardableResult
    func check(host: String, url: String) async throws -> String {
        let literal = host.hasPrefix("[") && host.hasSuffix("]") ? String(host.dropFirst().dropLast()) : host
        let addresses: [[UInt8]]
        do { addresses = try await Self.resolver.run { try Self.resolve(literal) } } catch let error as CrawlError {
            throw CrawlError(url: url, error.reason)
        }
        guard !addresses.isEmpty else { throw CrawlError(url: url, .addressRefused("\(host) resolves to no address")) }
        for address in addresses {
            switch Self.classify(address) {
            case .publicAddress: continue
            case .loopback where allowLoopback: continue
            case .loopback:
                throw CrawlError(url: url, .addressRefused("\(host) resolves to the loopback address \(Self.format(address))"))
            case .nonPublic where allowPrivate: continue
            case .nonPublic(let range):
                throw CrawlError(url: url, .addressRefused("\(host) resolves to \(Self.format(address)), a \(range) address"))
            }
        }
        return Self.format(addresses[0])
    }

    /// The addresses of `host` as 4- or 16-byte arrays (blocking: getaddrinfo).
    static func resolve(_ host: String) throws -> [[UInt8]] {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        #if canImport(Glibc)
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        #else
        hints.ai_socktype = SOCK_STREAM
        #endif
        var result: UnsafeMutablePointer<addrinfo>?
        let status = getaddrinfo(host, nil, &hints, &result)
        guard status == 0 else {
            throw CrawlError(url: host, .network("cannot resolve \(host): \(String(cString: gai_strerror(status)))"))
        }
        defer { freeaddrinfo(result) }
        var addresses: [[UInt8]] = []
        var entry = result
        while let current = entry {
            if let address = current.pointee.ai_addr {
                switch Int32(address.pointee.sa_family) {
                case AF_INET:
                    address.withMemoryRebound(to: sockaddr_in.self, capacity: 1) {
                        addresses.append(withUnsafeBytes(of: $0.pointee.sin_addr) { Array($0) })
                    }
                case AF_INET6:
                    address.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) {
                        addresses.append(withUnsafeBytes(of: $0.pointee.sin6_addr) { Array($0) })
                    }
                default: break
                }
            }
            entry = current.pointee.ai_next
        }
        return addresses
    }

    /// Classifies a 4- or 16-byte address.
    static func classify(_ bytes: [UInt8]) -> AddressClass {
        if bytes.count == 4 { return classifyV4(bytes) }
        guard bytes.count == 16 else { return .nonPublic("malformed") }
        if bytes == [UInt8](repeating: 0, count: 15) + [1] { return .loopback }
        if bytes.allSatisfy({ $0 == 0 }) { return .nonPublic("unspecified") }
        // IPv4-mapped (::ffff:a.b.c.d), IPv4-compatible (::a.b.c.d) and NAT64 (64:ff9b::a.b.c.d)
        // addresses reach the embedded IPv4 address: judge that one.
        if bytes[0..<10].allSatisfy({ $0 == 0 }), (bytes[10] == 0xff && bytes[11] == 0xff) || (bytes[10] == 0 && bytes[11] == 0) {
            return classifyV4(Array(bytes[12..<16]))
        }
        if bytes[0..<12] == [0x00, 0x64, 0xff, 0x9b, 0, 0, 0, 0, 0, 0, 0, 0] { return classifyV4(Array(bytes[12..<16])) }
        // IPv4-translated (SIIT, ::ffff:0:a.b.c.d, RFC 6145) and local-use NAT64 (64:ff9b:1::/48, RFC 8215)
        // reach whatever the local translator maps them to: refused whatever they embed.
        if bytes[0..<8].allSatisfy({ $0 == 0 }), bytes[8..<12] == [0xff, 0xff, 0, 0] { return .nonPublic("IPv4-translated (SIIT)") }
        if bytes[0..<6] == [0x00, 0x64, 0xff, 0x9b, 0x00, 0x01] { return .nonPublic("local-use NAT64") }
        if bytes[0] == 0xfe, bytes[1] & 0xc0 == 0x80 { return .nonPublic("link-local") }
        if bytes[0] == 0xfe, bytes[1] & 0xc0 == 0xc0 { return .nonPublic("site-local") }
        if bytes[0] & 0xfe == 0xfc { return .nonPublic("unique-local (private)") }
        if bytes[0] == 0xff { return .nonPublic("multicast") }
        // Only 2000::/3 is global unicast; everything else is reserved or one of the ranges above.
        if bytes[0] & 0xe0 != 0x20 { return .nonPublic("reserved") }
        if bytes[0..<4] == [0x20, 0x01, 0x00, 0x00] { return .nonPublic("Teredo") }
        if bytes[0] == 0x20, bytes[1] == 0x01, bytes[2] == 0x0d, bytes[3] == 0xb8 { return .nonPublic("documentation") }
        if bytes[0] == 0x20, bytes[1] == 0x02 { return classifyV4(Array(bytes[2..<6])) } // 6to4 embeds an IPv4 address
        return .publicAddress
    }

    private static func classifyV4(_ b: [UInt8]) -> AddressClass {
        switch (b[0], b[1]) {
        case (127, _): return .loopback
        case (0, _): return .nonPublic("\"this network\"")
        case (10, _), (172, 16...31), (192, 168): return .nonPublic("private (RFC 1918)")
        case (169, 254): return .nonPublic("link-local")
        case (100, 64...127): return .nonPublic("shared (CGNAT)")
        case (192, 0) where b[2] == 0 || b[2] == 2: return .nonPublic("reserved")
        case (192, 88) where b[2] == 99: return .nonPublic("6to4 relay anycast")
        case (198, 18...19): return .nonPublic("benchmarking")
        case (198, 51) where b[2] == 100, (203, 0) where b[2] == 113: return .nonPublic("documentation")
        case (224...239, _): return .nonPublic("multicast")
        case (240...255, _): return .nonPublic("reserved")
        default: return .publicAddress
        }
    }

    static func format(_ bytes: [UInt8]) -> String {
        if bytes.count == 4 { return bytes.map(String.init).joined(separator: ".") }
        return stride(from: 0, to: bytes.count, by: 2).map { String(UInt16(bytes[$0]) << 8 | UInt16(bytes[$0 + 1]), radix: 16) }
            .joined(separator: ":")
    }
}
