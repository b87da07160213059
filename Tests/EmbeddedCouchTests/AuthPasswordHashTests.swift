@testable import EmbeddedCouch
import Testing

@Suite("Auth: password hashing and header encodings")
struct AuthPasswordHashTests {
    @Test("PBKDF2-HMAC-SHA256 matches RFC 7914 section 11")
    func pbkdf2SHA256() {
        let first = PasswordHash.pbkdf2(
            password: Array("passwd".utf8), salt: Array("salt".utf8), iterations: 1, prf: .sha256, byteCount: 64)
        #expect(PasswordHash.hex(first) == "55ac046e56e3089fec1691c22544b605f94185216dde0465e68b9d57c20dacbc"
            + "49ca9cccf179b645991664b39d77ef317c71b845b1e30bd509112041d3a19783")
        let second = PasswordHash.pbkdf2(
            password: Array("Password".utf8), salt: Array("NaCl".utf8), iterations: 80_000, prf: .sha256, byteCount: 64)
        #expect(PasswordHash.hex(second) == "4ddcd8f60b98be21830cee5ef22701f9641a4418d04c0414aeff08876b34ab56"
            + "a1d425a1225833549adb841b51c9b3176a272bdebba1d078478f62b397f33c8d")
    }

    @Test("PBKDF2-HMAC-SHA1 matches RFC 6070, with the digest-sized default length CouchDB uses")
    func pbkdf2SHA1() {
        let one = PasswordHash.pbkdf2(password: Array("password".utf8), salt: Array("salt".utf8), iterations: 1, prf: .sha)
        #expect(PasswordHash.hex(one) == "0c60c80f961f0e71f3a9b524af6012062fe037a6")
        let many = PasswordHash.pbkdf2(password: Array("password".utf8), salt: Array("salt".utf8), iterations: 4096, prf: .sha)
        #expect(PasswordHash.hex(many) == "4b007901b765489abead49d926f721d065a429c1")
        let long = PasswordHash.pbkdf2(
            password: Array("passwordPASSWORDpassword".utf8), salt: Array("saltSALTsaltSALTsaltSALTsaltSALTsalt".utf8),
            iterations: 4096, prf: .sha, byteCount: 25)
        #expect(PasswordHash.hex(long) == "3d2eec4fe41c849b80c8d83662c0e44a8b291a964cf2f07038")
    }

    @Test("the legacy simple scheme is hex SHA-1 of password then salt")
    func simpleScheme() {
        #expect(PasswordHash.simple(password: Array("secret".utf8), salt: Array("pepper".utf8))
            == "0f8912baf3c8178ad9ce5f9d5bd2a6ff5efcf1f0")
    }

    @Test("salts are 32 lowercase hex digits and differ")
    func salts() {
        let a = PasswordHash.randomSalt(), b = PasswordHash.randomSalt()
        #expect(a.count == 32 && a.allSatisfy { "0123456789abcdef".contains($0) })
        #expect(a != b)
    }

    @Test("constant-time comparison")
    func constantTime() {
        #expect(PasswordHash.constantTimeEquals([1, 2, 3], [1, 2, 3]))
        #expect(!PasswordHash.constantTimeEquals([1, 2, 3], [1, 2, 4]))
        #expect(!PasswordHash.constantTimeEquals([1, 2], [1, 2, 3]))
    }

    @Test("base64 decodes strictly like Erlang's base64:decode")
    func base64() {
        #expect(Base64.decode(Array("YWRtaW46YWRtaW4=".utf8)) == Array("admin:admin".utf8))
        #expect(Base64.decode(Array("YWRt aW46\r\nYWRtaW4=".utf8)) == Array("admin:admin".utf8))
        #expect(Base64.decode(Array("!!!not-base64".utf8)) == nil)
        #expect(Base64.decode(Array("YWRtaW46YWRtaW4".utf8)) == nil)
        #expect(Base64.decode(Array("".utf8)) == [])
        let bytes: [UInt8] = Array(0...255)
        #expect(Base64.decode(Array(Base64.encode(bytes).utf8)) == bytes)
        #expect(Base64.decodeURL(Base64.encodeURL(bytes)) == bytes)
        #expect(!Base64.encodeURL(bytes).contains("=") && !Base64.encodeURL(bytes).contains("+"))
    }

    @Test("basic authorization values as CouchDB 3.4 reads them")
    func basicHeader() {
        #expect(BasicAuthorization(header: "Basic YWRtaW46YWRtaW4=") == .credentials(name: "admin", password: "admin"))
        #expect(BasicAuthorization(header: AuthFixture.basic("a", "p:w:d")) == .credentials(name: "a", password: "p:w:d"))
        #expect(BasicAuthorization(header: "Basic !!!not-base64") == .malformed)
        #expect(BasicAuthorization(header: "Bearer some-token") == .none)
        #expect(BasicAuthorization(header: nil) == .none)
        #expect(BasicAuthorization(header: AuthFixture.basic("_", "_")) == .none)
        #expect(BasicAuthorization(header: "Basic " + Base64.encode(Array("nocolon".utf8))) == .none)
    }
}
