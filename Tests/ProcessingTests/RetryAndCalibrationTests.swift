import Foundation
import Processing
import Testing

/// A deterministic generator (SplitMix64) for jitter tests.
struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

@Suite("Retry policy")
struct RetryPolicyTests {
    let policy = RetryPolicy(maxAttempts: 3, initialDelay: 60, multiplier: 5, maxDelay: 1000, jitter: 0.2,
                             transientPatterns: ["(?i)timed? ?out", "Connection reset"])

    @Test("the base delay grows by the multiplier and stops at the maximum")
    func base() {
        #expect(policy.baseDelay(afterFailures: 1) == 60)
        #expect(policy.baseDelay(afterFailures: 2) == 300)
        #expect(policy.baseDelay(afterFailures: 3) == 1000)
        #expect(policy.baseDelay(afterFailures: 400) == 1000)
    }

    @Test("jitter spreads a delay within ± the fraction, reproducibly with a seeded generator")
    func jitter() {
        var a = SeededGenerator(state: 1), b = SeededGenerator(state: 1)
        var seen: Set<Double> = []
        for _ in 0..<200 {
            let delay = policy.delay(afterFailures: 2, using: &a)
            #expect(delay >= 240 && delay <= 360)
            #expect(delay == policy.delay(afterFailures: 2, using: &b))
            seen.insert(delay)
        }
        #expect(seen.count > 100, "the jitter must actually vary")
    }

    @Test("transient patterns are regular expressions matched anywhere in the error text")
    func transient() {
        #expect(policy.isTransient("srm: Timed out after 300 s"))
        #expect(policy.isTransient("read: Connection reset by peer"))
        #expect(!policy.isTransient("Segmentation fault"))
    }

    @Test("decide: retry with backoff while attempts remain and the error is transient")
    func decide() {
        var g = SeededGenerator(state: 9)
        let now = Date(timeIntervalSince1970: 0)
        guard case .retry(let notBefore) = policy.decide(attempts: 1, errorText: "timeout", now: now, using: &g) else {
            Issue.record("expected a retry")
            return
        }
        #expect(notBefore.timeIntervalSince1970 >= 48 && notBefore.timeIntervalSince1970 <= 72)
        #expect(policy.decide(attempts: 3, errorText: "timeout", now: now, using: &g) == .giveUp(reason: "attempt 3 of 3: no attempt left"))
        #expect(policy.decide(attempts: 1, errorText: "bad macro", now: now, using: &g) == .giveUp(reason: "not a transient error"))
    }

    @Test("problems name the key at fault")
    func problems() {
        let bad = RetryPolicy(maxAttempts: 0, multiplier: 0.5, jitter: 2, transientPatterns: ["(unclosed"])
        #expect(bad.problems().map(\.key) == ["max_attempts", "multiplier", "jitter", "transient.0"])
        #expect(policy.problems().isEmpty)
    }
}

@Suite("Calibration locks")
struct CalibrationRuleTests {
    @Test("a lock holds back later runs only, until released")
    func holds() {
        var lock = CalibrationLock(kind: "PCA", run: 100, setTime: nil)
        #expect(!lock.holds(run: 99))
        #expect(!lock.holds(run: 100), "the calibration run itself is processed")
        #expect(lock.holds(run: 101))
        lock.release(validTo: 150, at: "2026-01-01T00:00:00Z")
        #expect(!lock.holds(run: 101))
        #expect(lock.validTo == 150)
    }

    @Test("the blocking lock is the earliest of those that hold")
    func blocking() {
        let pca = CalibrationLock(kind: "PCA", run: 100, setTime: nil)
        let eca = CalibrationLock(kind: "ECA", run: 90, setTime: nil)
        #expect(CalibrationRule.blockingLock(for: 120, locks: [pca, eca])?.kind == "ECA")
        #expect(CalibrationRule.blockingLock(for: 95, locks: [pca, eca])?.kind == "ECA")
        #expect(CalibrationRule.blockingLock(for: 90, locks: [pca, eca]) == nil)
    }

    @Test("a calibration run sets a lock unless the current calibration covers it")
    func sets() {
        #expect(CalibrationRule.setsLock(run: 5, existing: nil))
        let locked = CalibrationLock(kind: "PCA", run: 100, setTime: nil)
        #expect(!CalibrationRule.setsLock(run: 100, existing: locked))
        #expect(!CalibrationRule.setsLock(run: 120, existing: locked))
        var released = locked
        released.release(validTo: 150, at: "")
        #expect(!CalibrationRule.setsLock(run: 150, existing: released))
        #expect(CalibrationRule.setsLock(run: 151, existing: released))
    }
}
