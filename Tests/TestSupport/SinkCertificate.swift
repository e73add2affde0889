import NIOSSL

/// A self-signed certificate for 127.0.0.1 and localhost, made for the SMTP sink only (never trusted anywhere else):
/// `openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 36500 -addext "subjectAltName=IP:127.0.0.1,DNS:localhost"`.
public enum SinkCertificate {
    public static let certificatePEM = """
        -----BEGIN CERTIFICATE-----
        MIIBuTCCAV+gAwIBAgIUYDUAZwEwGYUl5tdvfncuShrUr8AwCgYIKoZIzj0EAwIw
        IzEhMB8GA1UEAwwYdHJhZGVsYW5lIHRlc3QgU01UUCBzaW5rMCAXDTI2MTIwMzE4
        MjYwOFoYDzIxMjYxMTA5MTgyNjA4WjAjMSEwHwYDVQQDDBh0cmFkZWxhbmUgdGVz
        dCBTTVRQIHNpbmswWTATBgcqhkjOPQIBBggqhkjOPQMBBwNCAATyq+juCij1YQHF
        XTOIoIUdiLGTAoSRZeFm9sCvs487eaNN8ctd5wu4cM4rpC7fJu30fQDzN9Nlh1+2
        aViA8PGWo28wbTAdBgNVHQ4EFgQU9epmKrtTMzKFi47Eii5ej3UC7D8wHwYDVR0j
        BBgwFoAU9epmKrtTMzKFi47Eii5ej3UC7D8wDwYDVR0TAQH/BAUwAwEB/zAaBgNV
        HREEEzARhwR/AAABgglsb2NhbGhvc3QwCgYIKoZIzj0EAwIDSAAwRQIhAOcl9/OA
        p79BvDZlK5Jg7/+4tQOdL1EuIAa9LU4ASpZIAiBLxnxLNBk03THTgjCCekmNO9EA
        kecDRaHwlOpoAFGomw==
        -----END CERTIFICATE-----
        """

    static let privateKeyPEM = """
        -----BEGIN PRIVATE KEY-----
        MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgq5mo1JXYxinlNiSy
        W4yvrh/F7+fwJOxt7geg9wWgoouhRANCAATyq+juCij1YQHFXTOIoIUdiLGTAoSR
        ZeFm9sCvs487eaNN8ctd5wu4cM4rpC7fJu30fQDzN9Nlh1+2aViA8PGW
        -----END PRIVATE KEY-----
        """

    static func serverContext() throws -> NIOSSLContext {
        let config = TLSConfiguration.makeServerConfiguration(
            certificateChain: try NIOSSLCertificate.fromPEMBytes(Array(certificatePEM.utf8)).map { .certificate($0) },
            privateKey: .privateKey(try NIOSSLPrivateKey(bytes: Array(privateKeyPEM.utf8), format: .pem)))
        return try NIOSSLContext(configuration: config)
    }
}
