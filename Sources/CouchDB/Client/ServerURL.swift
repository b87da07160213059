extension CouchClient {
    /// Splits `scheme://[user[:password]@]host[:port][/prefix]` into the base URL and credentials.
    static func split(url: String) throws(CouchError) -> (base: String, credentials: CouchCredentials) {
        guard let schemeEnd = url.range(of: "://") else {
            throw CouchError(code: .invalidArgument, reason: "not an http(s) URL: \(url.redactingUserInfo())")
        }
        let scheme = url[..<schemeEnd.lowerBound].lowercased()
        guard scheme == "http" || scheme == "https" else {
            throw CouchError(code: .invalidArgument, reason: "not an http(s) URL: \(url.redactingUserInfo())")
        }
        var rest = url[schemeEnd.upperBound...]
        let authorityEnd = rest.firstIndex(of: "/") ?? rest.endIndex
        var authority = rest[..<authorityEnd]
        var credentials = CouchCredentials.none
        if let at = authority.lastIndex(of: "@") {
            let userInfo = authority[..<at]
            authority = authority[authority.index(after: at)...]
            if let colon = userInfo.firstIndex(of: ":") {
                credentials = .basic(
                    name: PathEncoding.decode(userInfo[..<colon]),
                    password: PathEncoding.decode(userInfo[userInfo.index(after: colon)...]))
            } else {
                credentials = .basic(name: PathEncoding.decode(userInfo), password: "")
            }
        }
        guard !authority.isEmpty else {
            throw CouchError(code: .invalidArgument, reason: "URL has no host: \(url.redactingUserInfo())")
        }
        rest = rest[authorityEnd...]
        while rest.hasSuffix("/") { rest = rest.dropLast() }
        return (scheme + "://" + authority + rest, credentials)
    }
}

extension String {
    /// The URL with any `user:password@` replaced by `***@`, for messages.
    func redactingUserInfo() -> String {
        guard let schemeEnd = range(of: "://") else { return self }
        let rest = self[schemeEnd.upperBound...]
        let authorityEnd = rest.firstIndex(of: "/") ?? rest.endIndex
        guard let at = rest[..<authorityEnd].lastIndex(of: "@") else { return self }
        return String(self[..<schemeEnd.upperBound]) + "***" + rest[at...]
    }
}
