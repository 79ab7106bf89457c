/// The one rule for which settings hold credentials, so logs and error messages never print their
/// values: a name containing password, passwd, token, secret, sasl, credential, apikey, privatekey
/// or keypem (any case, any separator: `sasl.password`, `ssl.key.password`, `ssl.key.pem`,
/// `sslpassword`, `gatewayToken`).
public enum SecretNames {
    /// Whether a setting, property or parameter called `name` holds a credential.
    public static func isSecret(_ name: String) -> Bool {
        let folded = String(name.lowercased().unicodeScalars.filter { $0 != "." && $0 != "_" && $0 != "-" })
        return markers.contains { folded.contains($0) }
    }

    private static let markers = ["password", "passwd", "token", "secret", "sasl", "credential", "apikey", "privatekey", "keypem"]
}
