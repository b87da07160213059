import JSON

/// A number as CouchDB's built-in reduces see it (Erlang arithmetic): integers stay integers
/// until a float takes part (`40 + 33` is `73`, `40 + 34.5` is `74.5`, `0.75 + 1.25` is `2.0`).
///
/// Integers beyond 64 bits, which Erlang keeps exact, are approximated as floats here.
enum ReduceNumber: Sendable, Hashable {
    case int(Int)
    case float(Double)

    init(_ number: JSONNumber) {
        if !number.isFloatLiteral, let value = Int(number.text) {
            self = .int(value)
        } else {
            self = .float(number.doubleValue)
        }
    }

    var double: Double {
        switch self {
        case .int(let v): Double(v)
        case .float(let v): v
        }
    }

    static func + (a: ReduceNumber, b: ReduceNumber) -> ReduceNumber {
        if case .int(let x) = a, case .int(let y) = b {
            let (sum, overflow) = x.addingReportingOverflow(y)
            return overflow ? .float(Double(x) + Double(y)) : .int(sum)
        }
        return .float(a.double + b.double)
    }

    static func * (a: ReduceNumber, b: ReduceNumber) -> ReduceNumber {
        if case .int(let x) = a, case .int(let y) = b {
            let (product, overflow) = x.multipliedReportingOverflow(by: y)
            return overflow ? .float(Double(x) * Double(y)) : .int(product)
        }
        return .float(a.double * b.double)
    }

    static func < (a: ReduceNumber, b: ReduceNumber) -> Bool {
        if case .int(let x) = a, case .int(let y) = b { return x < y }
        return a.double < b.double
    }

    /// The value as CouchDB writes it (`2.0` for a float, `73` for an integer; `null` when not finite).
    var json: JSONValue {
        switch self {
        case .int(let v): .number(JSONNumber(v))
        case .float(let v): v.isFinite ? .number(JSONNumber(uncheckedText: CouchNumberFormat.format(v))) : .null
        }
    }
}
