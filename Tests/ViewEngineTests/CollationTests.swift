import JSON
import Testing
@testable import ViewEngine

@Suite("View collation")
struct CollationTests {
    /// The keys of view_collation in the order Apache CouchDB 3.4.3 returned them.
    static let recordedOrder: [String] = [
        "null", "false", "true", "-100", "-1.5", "-1", "0", "0.5", "1", "1.0", "2", "10", "1000.0",
        "123456789012345678901234567890", #""""#, #"" ""#, #""!""#, #""~""#, #""😀""#, #""0""#, #""1""#, #""10""#,
        #""2""#, #""9""#, #""a""#, #""A""#, #""ä""#, #""a b""#, #""a_b""#, #""a-b""#, #""a1""#, #""a10""#, #""a2""#,
        #""aa""#, #""aA""#, #""Aa""#, #""AA""#, #""ab""#, #""æ""#, #""b""#, #""B""#, #""ba""#, #""e""#, #""E""#, #""é""#,
        #""f""#, #""ø""#, #""ss""#, #""ß""#, #""z""#, #""Z""#, #""中""#, #""日本""#, "[]", "[null]", "[false]", "[1]",
        "[1,2]", #"[1,"a"]"#, "[2]", #"["a"]"#, #"["a",[]]"#, #"["b"]"#, "[[]]", "[{}]", "{}", #"{"a":1}"#,
        #"{"a":1,"b":2}"#, #"{"a":2}"#, #"{"A":1}"#, #"{"b":1}"#, #"{"b":2,"a":1}"#,
    ]

    @Test("the full view_collation key list sorts as CouchDB sorted it, by compare and by sort key")
    func recordedKeys() throws {
        let keys = try Self.recordedOrder.map(json)
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<5 {
            let shuffled = Array(keys.enumerated()).shuffled(using: &generator)
            let byCompare = shuffled.sorted { a, b in
                let c = ViewCollation.compare(a.element, b.element)
                return c != 0 ? c < 0 : a.offset < b.offset
            }
            #expect(byCompare.map(\.offset) == Array(keys.indices))
            let bySortKey = shuffled.sorted { a, b in
                let x = ViewCollation.sortKey(a.element), y = ViewCollation.sortKey(b.element)
                return x != y ? x.lexicographicallyPrecedes(y) : a.offset < b.offset
            }
            #expect(bySortKey.map(\.offset) == Array(keys.indices))
        }
        #expect(ViewCollation.compare(try json("1"), try json("1.0")) == 0)
        #expect(ViewCollation.sortKey(try json("1")) == ViewCollation.sortKey(try json("1.0")))
        #expect(ViewCollation.compare(try json(#"{"b":2,"a":1}"#), try json(#"{"a":1,"b":2}"#)) > 0)
    }

    @Test("the ASCII fast path agrees with ICU on random printable strings")
    func asciiFastPath() {
        var generator = SystemRandomNumberGenerator()
        let alphabet = Array(" !\"#$%&'()*+,-./0123456789:;<=>?@AZaz[\\]^_`{|}~bBcCyY".utf8)
        for _ in 0..<20_000 {
            let a = (0..<Int.random(in: 0...6, using: &generator)).map { _ in alphabet.randomElement(using: &generator)! }
            let b = (0..<Int.random(in: 0...6, using: &generator)).map { _ in alphabet.randomElement(using: &generator)! }
            let fast = a.withUnsafeBufferPointer { x in b.withUnsafeBufferPointer { y in ASCIICollation.compare(x, y) } }
            let icu = a.withUnsafeBufferPointer { x in b.withUnsafeBufferPointer { y in ICUCollator.compare(x, y) } }
            #expect(fast == icu, "\(String(decoding: a, as: UTF8.self)) vs \(String(decoding: b, as: UTF8.self))")
            if fast != icu { return }
        }
    }

    @Test("sort keys order exactly like compare on random mixed keys")
    func sortKeysAgree() {
        var generator = SystemRandomNumberGenerator()
        let pieces: [String] = ["a", "A", "ä", "ß", "ss", "é", "e", " ", "-", "_", "1", "10", "中", "😀", "Z", "ø", "æ", ""]
        func randomKey(_ depth: Int = 0) -> JSONValue {
            switch Int.random(in: 0..<(depth > 1 ? 4 : 6), using: &generator) {
            case 0: return [nil, false, true].randomElement(using: &generator)!
            case 1: return .number(JSONNumber(uncheckedText: ["-2", "-1.5", "0", "0.0", "1", "1.0", "2.5", "1e3", "1000"].randomElement(using: &generator)!))
            case 2, 3: return .string((0..<Int.random(in: 0...3, using: &generator)).map { _ in pieces.randomElement(using: &generator)! }.joined())
            case 4: return .array((0..<Int.random(in: 0...3, using: &generator)).map { _ in randomKey(depth + 1) })
            default:
                var object = JSONObject()
                for _ in 0..<Int.random(in: 0...2, using: &generator) { object[pieces.randomElement(using: &generator)!] = randomKey(depth + 1) }
                return .object(object)
            }
        }
        for _ in 0..<3000 {
            let a = randomKey(), b = randomKey()
            let byCompare = ViewCollation.compare(a, b).signum()
            let x = ViewCollation.sortKey(a), y = ViewCollation.sortKey(b)
            let byKey = x == y ? 0 : (x.lexicographicallyPrecedes(y) ? -1 : 1)
            #expect(byCompare == byKey, "\(a.serialized()) vs \(b.serialized())")
            if byCompare != byKey { return }
        }
    }

    @Test("rows with equal keys are ordered by document id in byte order")
    func rowOrder() throws {
        #expect(ViewCollation.compareRows(key: 1, id: "B", key: try json("1.0"), id: "a") < 0)
        #expect(ViewCollation.compareRows(key: 1, id: "a", key: 1, id: "a") == 0)
        #expect(ViewCollation.compareRows(key: "a", id: "z", key: "A", id: "a") < 0)
    }

    @Test("group keys truncate arrays to the group level and leave other keys whole")
    func groupKeys() throws {
        let key = try json(#"["london",1988,"x"]"#)
        #expect(ViewCollation.groupKey(key, level: 1) == ["london"])
        #expect(ViewCollation.groupKey(key, level: 2) == ["london", 1988])
        #expect(ViewCollation.groupKey(key, level: 5) == key)
        #expect(ViewCollation.groupKey(key, level: nil) == key)
        #expect(ViewCollation.groupKey("paris", level: 1) == "paris")
    }

    @Test("comparison and sort-key speed (printed, not asserted)")
    func speed() {
        let keys: [JSONValue] = (0..<50_000).map { i in [.string("module\(i % 97)"), .int(i % 1000), .string("status-\(i % 7)")] }
        let clock = ContinuousClock()
        var sorted: [JSONValue] = []
        let sortTime = clock.measure { sorted = keys.sorted { ViewCollation.compare($0, $1) < 0 } }
        var encoded = 0
        let keyTime = clock.measure { for key in keys { encoded += ViewCollation.sortKey(key).count } }
        #expect(sorted.count == keys.count)
        #expect(encoded > 0)
        print("ViewCollation: sorted 50k array keys in \(sortTime); 50k sort keys in \(keyTime) (debug build)")
    }
}
