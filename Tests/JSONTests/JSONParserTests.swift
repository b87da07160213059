import JSON
import Testing

@Suite("JSON parsing and writing")
struct JSONParserTests {
    @Test("numbers keep their literal text through a round trip")
    func numbersRoundTrip() throws {
        let text = #"{"big":123456789012345678901234567890,"f":1.0,"e":1E3,"neg":-0.5e-7}"#
        let value = try JSONParser.parse(text)
        #expect(value["big"]?.numberValue?.text == "123456789012345678901234567890")
        #expect(value["f"]?.numberValue?.text == "1.0")
        #expect(value.serialized() == text)
    }

    @Test("object members keep their order, and a duplicate key keeps the last value")
    func memberOrder() throws {
        let value = try JSONParser.parse(#"{"b":1,"a":2,"b":3}"#)
        #expect(value.objectValue.map { Array($0.keys) } == ["a", "b"])
        #expect(value["b"]?.intValue == 3)
    }

    @Test("escapes and surrogate pairs decode; control characters are escaped on output")
    func strings() throws {
        let value = try JSONParser.parse(#"["a\"b\\c\/d\n", "\u00e9\ud83d\ude00", "tab\there"]"#)
        #expect(value[0]?.stringValue == "a\"b\\c/d\n")
        #expect(value[1]?.stringValue == "é😀")
        #expect(JSONValue.string("\u{1}x\"").serialized() == #""\u0001x\"""#)
    }

    @Test("malformed input reports what and where", arguments: [
        ("{\"a\":1,}", 1, 8),
        ("[1,\n 2,\n x]", 3, 2),
        ("{'a':1}", 1, 2),
        ("01", 1, 1),
        ("\"abc", 1, 1),
        ("[1] 2", 1, 5),
        ("\"\\ud800\"", 1, 8),
    ])
    func malformed(text: String, line: Int, column: Int) {
        #expect {
            try JSONParser.parse(text)
        } throws: { error in
            guard let error = error as? JSONParseError else { return false }
            return error.line == line && error.column == column
        }
    }

    @Test("ASCII and non-ASCII strings, with and without escapes, parse to the same text they were written from")
    func stringRoundTrip() throws {
        let strings = ["plain", "", "é and ü", "a\"b\\c\nd\u{1}e", "tab\there é\u{7F}", "😀 end", String(repeating: "x", count: 300)]
        for string in strings {
            let text = JSONValue.string(string).serialized()
            #expect(try JSONParser.parse(text) == .string(string))
        }
        #expect(JSONValue.string("a\"b\\c\nd\u{1}é").serialized() == #""a\"b\\c\nd\u0001é""#)
    }

    @Test("an object written member by member is the text of the same JSONObject, extras not yet written appended")
    func objectWriter() {
        var out: [UInt8] = Array("[".utf8)
        JSONObjectWriter.write(into: &out, extra: ["n": 7, "extra": "kept", "s": "no"]) { m in
            m.member("s", string: "x\"y")
            m.member("none", string: nil)
            m.member("n", int: 42)
            m.member("nothing", int: Int?.none)
            m.member("list", count: 2) { i, out in out.append(contentsOf: String(i + 1).utf8) }
            m.member("empty", count: 0) { _, _ in }
            m.member("nested") { out in JSONObjectWriter.write(into: &out) { $0.member("v", .bool(true)) } }
            m.member("value", ["a": [1.5, nil]])
        }
        out.append(contentsOf: "]".utf8)
        let expected: JSONValue = [[
            "s": "x\"y", "none": nil, "n": 42, "nothing": nil, "list": [1, 2], "empty": [], "nested": ["v": true],
            "value": ["a": [1.5, nil]], "extra": "kept",
        ]]
        #expect(String(decoding: out, as: UTF8.self) == expected.serialized())
        var empty: [UInt8] = []
        JSONObjectWriter.write(into: &empty) { _ in }
        #expect(empty == Array("{}".utf8))
    }

    @Test("invalid UTF-8 inside a string is rejected")
    func invalidUTF8() {
        let bytes: [UInt8] = [0x22, 0xC3, 0x28, 0x22]
        #expect(throws: JSONParseError.self) { try JSONParser.parse(bytes) }
    }

    @Test("nesting deeper than the limit is rejected rather than overflowing the stack")
    func deepNesting() {
        let text = String(repeating: "[", count: 10_000) + String(repeating: "]", count: 10_000)
        #expect(throws: JSONParseError.self) { try JSONParser.parse(text) }
    }
}

@Suite("CouchDB number re-encoding")
struct CouchNumberFormatTests {
    // Each pair is what Apache CouchDB 3.4.3 answered for the literal (conformance case doc_numbers).
    @Test("floats are written as CouchDB writes them", arguments: [
        ("1.0", "1.0"), ("0.5", "0.5"), ("0.1", "0.1"), ("-0.0", "0.0"), ("-0", "0"), ("2.50", "2.5"),
        ("1.2345678901234567890", "1.2345678901234567"), ("5e-324", "0.0"),
        ("1.7976931348623157e308", "1.7976931348623157e+308"), ("1e3", "1000.0"), ("1E3", "1000.0"),
        ("2.5e+10", "25000000000.0"), ("1.5e-7", "1.5e-7"), ("1e21", "1e+21"),
        ("1e20", "100000000000000000000.0"), ("123e20", "1.23e+22"), ("0.000001", "0.000001"),
        ("0.0000001", "1e-7"), ("123456789012345678.0", "123456789012345680.0"), ("-4.2E-2", "-0.042"),
        ("3e0", "3.0"), ("1.10", "1.1"), ("9223372036854775808", "9223372036854775808"),
        ("-98765432109876543210", "-98765432109876543210"),
    ])
    func canonical(literal: String, expected: String) throws {
        let number = try #require(JSONNumber(parsing: literal))
        #expect(CouchNumberFormat.canonical(number)?.text == expected)
    }

    @Test("numbers beyond the double range are rejected")
    func outOfRange() throws {
        let number = try #require(JSONNumber(parsing: "1e400"))
        #expect(CouchNumberFormat.canonical(number) == nil)
    }
}
