import JSON
import NIOHTTP1

extension CouchClient {
    /// Sends `request` with authentication and retries; returns a 2xx answer or throws.
    func send(_ request: CouchRequest) async throws(CouchError) -> CouchResponse {
        let method = request.method.rawValue
        let displayPath = request.pathAndQuery
        let url = baseURL + displayPath
        var policy = configuration.retry
        if let maxAttempts = request.maxAttempts { policy.maxAttempts = max(1, maxAttempts) }
        var attempt = 0
        var loggedInAgain = false

        while true {
            attempt += 1
            if Task.isCancelled {
                throw CouchError(code: .cancelled, method: method, path: displayPath, attempts: attempt - 1)
            }
            var headers = request.headers
            var sentCookie: String?
            if request.authenticated {
                sentCookie = try await authenticate(&headers, method: method, path: displayPath)
            }
            let outgoing = TransportRequest(
                method: request.method, url: url, headers: headers, body: request.body,
                timeout: request.timeout ?? configuration.requestTimeout)

            let started = ContinuousClock.now
            let response: TransportResponse
            do {
                response = try await transport.send(outgoing)
            } catch {
                if error is CancellationError || Task.isCancelled {
                    throw CouchError(code: .cancelled, method: method, path: displayPath, attempts: attempt)
                }
                let failure = (error as? TransportError) ?? TransportError(kind: .failed, message: String(describing: error))
                let code: CouchError.Code = failure.kind == .timeout ? .timeout : .transport
                let retryable = request.idempotent || failure.kind == .notConnected
                if retryable, attempt < policy.maxAttempts {
                    logger.notice(
                        "CouchDB request failed, retrying",
                        metadata: ["method": "\(method)", "path": "\(displayPath)", "attempt": "\(attempt)",
                                   "error": "\(failure)"])
                    try await pause(policy.delay(afterAttempt: attempt), method: method, path: displayPath, attempt: attempt)
                    continue
                }
                throw CouchError(code: code, method: method, path: displayPath, attempts: attempt, underlying: failure.message)
            }
            logger.debug(
                "CouchDB request",
                metadata: ["method": "\(method)", "path": "\(displayPath)", "status": "\(response.status)",
                           "ms": "\((ContinuousClock.now - started).seconds * 1000)"])

            if case .cookie = credentials, let header = response.headers.first(name: "Set-Cookie"),
                let fresh = authSessionCookie(fromSetCookie: header)
            {
                await authentication.refresh(fresh)
            }

            switch response.status {
            case 200..<300:
                return CouchResponse(
                    status: response.status, headers: response.headers, body: response.body,
                    method: method, path: displayPath)
            case 401 where sentCookie != nil && !loggedInAgain:
                // The session cookie has expired (CouchDB then treats the request as anonymous):
                // log in once more and resend. This is not a retry of a failure, so it does not
                // count as an attempt.
                loggedInAgain = true
                await authentication.invalidate(sentCookie!)
                attempt -= 1
                continue
            case 500..<600 where response.status != 501 && request.idempotent && attempt < policy.maxAttempts:
                // 501 Not Implemented will not change by asking again.
                logger.notice(
                    "CouchDB answered with a server error, retrying",
                    metadata: ["method": "\(method)", "path": "\(displayPath)", "status": "\(response.status)",
                               "attempt": "\(attempt)"])
                try await pause(policy.delay(afterAttempt: attempt), method: method, path: displayPath, attempt: attempt)
                continue
            default:
                let error = CouchError.from(
                    status: response.status, body: response.body, method: method, path: displayPath,
                    attempts: attempt)
                if request.authenticated, credentials != .none, error.isCredentialRejection {
                    await authentication.reject(error)
                    logger.error(
                        "CouchDB rejected the credentials; no further request will present them",
                        metadata: ["user": "\(credentials.name ?? "")", "error": "\(error)"])
                }
                throw error
            }
        }
    }

    private func pause(_ delay: Duration, method: String, path: String, attempt: Int) async throws(CouchError) {
        do {
            try await Task.sleep(for: delay)
        } catch {
            throw CouchError(code: .cancelled, method: method, path: path, attempts: attempt)
        }
    }
}
