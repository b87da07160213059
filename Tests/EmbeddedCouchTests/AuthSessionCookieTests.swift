@testable import EmbeddedCouch
import Crypto
import Testing

@Suite("Auth: AuthSession cookies")
struct AuthSessionCookieTests {
    let key = SessionCookie.key(secret: AuthFixture.secret, salt: "0123456789abcdef0123456789abcdef")

    @Test("a cookie has CouchDB's shape and round-trips")
    func roundTrip() throws {
        let value = SessionCookie.make(user: "admin", time: 0x6B02523D, key: key)
        let contents = try #require(SessionCookie.decode(value))
        #expect(contents.user == "admin")
        #expect(contents.timeText == "6B02523D")
        #expect(contents.mac.count == 32)
        #expect(SessionCookie.verify(contents, key: key, now: 0x6B02523D + 10, lifetime: 600) == 590)
    }

    @Test("a tampered user, time or MAC, or another key, does not verify")
    func tampering() throws {
        let contents = try #require(SessionCookie.decode(SessionCookie.make(user: "alice", time: 1000, key: key)))
        var otherUser = contents
        otherUser.user = "admin"
        #expect(SessionCookie.verify(otherUser, key: key, now: 1001, lifetime: 600) == nil)
        var laterTime = contents
        laterTime.timeText = "3E9"
        #expect(SessionCookie.verify(laterTime, key: key, now: 1001, lifetime: 600) == nil)
        var flipped = contents
        flipped.mac[0] ^= 1
        #expect(SessionCookie.verify(flipped, key: key, now: 1001, lifetime: 600) == nil)
        let otherKey = SessionCookie.key(secret: AuthFixture.secret, salt: "another salt")
        #expect(SessionCookie.verify(contents, key: otherKey, now: 1001, lifetime: 600) == nil)
        var notHex = contents
        notHex.timeText = "zz"
        #expect(SessionCookie.verify(notHex, key: key, now: 1001, lifetime: 600) == nil)
    }

    @Test("a cookie expires after its lifetime")
    func expiry() throws {
        let contents = try #require(SessionCookie.decode(SessionCookie.make(user: "alice", time: 1000, key: key)))
        #expect(SessionCookie.verify(contents, key: key, now: 1599, lifetime: 600) == 1)
        #expect(SessionCookie.verify(contents, key: key, now: 1600, lifetime: 600) == nil)
    }

    @Test("malformed values are recognised: the corpus's forged cookie, bad base64, too few colons")
    func malformed() {
        #expect(SessionCookie.decode("bm90LWEtcmVhbC1jb29raWU") == nil)
        #expect(SessionCookie.decode("!!!") == nil)
        #expect(SessionCookie.decode(Base64.encodeURL(Array("user:only".utf8))) == nil)
        #expect(SessionCookie.decode(Base64.encodeURL(Array("u:t:".utf8))) == SessionCookie.Contents(user: "u", timeText: "t", mac: []))
    }

    @Test("the recorded admin cookie decodes to admin and its issue time")
    func recordedCookie() throws {
        let contents = try #require(SessionCookie.decode("YWRtaW46NkIwMjUyM0Q695OAL_wTotIeKs5gorMOCSwHNuU6Bq4v0FBVSG9FUg4"))
        #expect(contents.user == "admin" && contents.timeText == "6B02523D" && contents.mac.count == 32)
    }

    @Test("Set-Cookie carries CouchDB's attributes and date format")
    func setCookie() {
        #expect(SessionCookie.setCookieHeader(value: "abc", now: 0x6B02523D, maxAge: 600)
            == "AuthSession=abc; Version=1; Expires=Sun, 22-Nov-2026 02:33:57 GMT; Max-Age=600; Path=/; HttpOnly")
        #expect(SessionCookie.cookieDate(0) == "Thu, 01-Jan-1970 00:00:00 GMT")
        #expect(SessionCookie.cookieDate(951_782_400) == "Tue, 29-Feb-2000 00:00:00 GMT")
    }

    @Test("the AuthSession value is found among other cookies")
    func cookieHeader() {
        #expect(SessionCookie.value(inCookieHeader: "a=1; AuthSession=xyz; b=2") == "xyz")
        #expect(SessionCookie.value(inCookieHeader: "AuthSession=\"q\"") == "q")
        #expect(SessionCookie.value(inCookieHeader: "AuthSession=") == nil)
        #expect(SessionCookie.value(inCookieHeader: "other=1") == nil)
        #expect(SessionCookie.value(inCookieHeader: nil) == nil)
    }
}

extension AuthSessionCookieTests {
    @Test("older SHA-1 cookies still verify")
    func sha1Cookie() throws {
        let data = Array("alice:3E8".utf8)
        let mac = HMAC<Insecure.SHA1>.authenticationCode(for: data, using: SymmetricKey(data: key))
        let value = Base64.encodeURL(data + [UInt8(ascii: ":")] + Array(mac))
        let contents = try #require(SessionCookie.decode(value))
        #expect(SessionCookie.verify(contents, key: key, now: 1001, lifetime: 600) == 599)
        var truncated = contents
        truncated.mac.removeLast()
        #expect(SessionCookie.verify(truncated, key: key, now: 1001, lifetime: 600) == nil)
    }
}
