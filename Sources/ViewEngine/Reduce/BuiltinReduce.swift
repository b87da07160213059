import JSON

/// CouchDB's built-in reduces `_count`, `_sum` and `_stats`, in Swift, with CouchDB's results
/// (integers stay integers unless a float takes part; `_sum` over strings yields a
/// `builtin_reduce_error` object as the reduced value, not a failure).
public enum BuiltinReduce {
    /// The text CouchDB puts in `reason` when `_sum` meets a value it cannot add.
    public static let sumErrorReason = "The _sum function requires that map values be numbers, arrays of numbers, or objects. Objects cannot be mixed with other data structures. Objects can be arbitrarily nested, provided that the values for all fields are themselves numbers, arrays of numbers, or objects."

    /// Reduces emitted values (`rereduce = false`). Throws ``ViewEngineError/Code/invalidValue``
    /// for `_stats` over non-numbers, and for a JavaScript reduce (which needs a query server).
    public static func reduce(_ function: ReduceFunction, values: [JSONValue]) throws(ViewEngineError) -> JSONValue {
        switch function {
        case .count: return .number(JSONNumber(values.count))
        case .sum: return sum(values)
        case .stats: return try stats(values)
        case .javaScript: throw ViewEngineError(.invalidValue, "a JavaScript reduce needs a query server")
        }
    }

    /// Combines earlier results of the same reduce (`rereduce = true`).
    public static func rereduce(_ function: ReduceFunction, values: [JSONValue]) throws(ViewEngineError) -> JSONValue {
        switch function {
        case .count, .sum: return sum(values)
        case .stats: return try stats(values)
        case .javaScript: throw ViewEngineError(.invalidValue, "a JavaScript reduce needs a query server")
        }
    }

    /// An emitted value as `_sum` and `_stats` read it, when it is an integer that fits in 32
    /// bits; `nil` for anything else. Fewer than 2^32 such values add up without overflow in
    /// any order, so their sum is the one those reduces give; their squares are never
    /// negative, so a sum of them overflows in every order or in none.
    public static func smallInteger(_ value: JSONValue) -> Int? {
        guard case .number(let n) = value, case .int(let v) = ReduceNumber(n), Int32(exactly: v) != nil else { return nil }
        return v
    }

    // MARK: _sum

    /// `_sum` over values (also its own rereduce).
    public static func sum(_ values: [JSONValue]) -> JSONValue {
        // Fast path: all numbers.
        var total = ReduceNumber.int(0)
        var index = 0
        while index < values.count, case .number(let n) = values[index] {
            total = total + ReduceNumber(n)
            index += 1
        }
        if index == values.count { return total.json }
        var accumulator: JSONValue = total.json
        do throws(SumFailure) {
            for value in values[index...] {
                accumulator = try sumValues(value, accumulator)
            }
            return accumulator
        } catch {
            switch error {
            case .propagated(let object): return object
            case .invalid(let cause):
                return ["error": "builtin_reduce_error", "reason": .string(sumErrorReason), "caused_by": cause]
            }
        }
    }

    private enum SumFailure: Error {
        case propagated(JSONValue)
        case invalid(JSONValue)
    }

    private static func add(_ a: JSONNumber, _ b: JSONNumber) -> JSONValue {
        (ReduceNumber(a) + ReduceNumber(b)).json
    }

    private static func sumValues(_ value: JSONValue, _ accumulator: JSONValue) throws(SumFailure) -> JSONValue {
        switch (value, accumulator) {
        case (.number(let v), .number(let a)):
            return add(v, a)
        case (.array(let v), .array(let a)):
            return .array(try sumArrays(a, v))
        case (.number, .array(let a)):
            return .array(try sumArrays(a, [value]))
        case (.array(let v), .number):
            return .array(try sumArrays([accumulator], v))
        case (.object(let members), _):
            if members["error"] == .string("builtin_reduce_error") { throw .propagated(value) }
            if case .number(let n) = accumulator, n.doubleValue == 0 {
                return value
            }
            guard case .object(let accumulated) = accumulator else { throw .invalid(value) }
            return .object(try sumObjects(members, accumulated))
        default:
            throw .invalid(value)
        }
    }

    private static func sumArrays(_ xs: [JSONValue], _ ys: [JSONValue]) throws(SumFailure) -> [JSONValue] {
        var out: [JSONValue] = []
        out.reserveCapacity(max(xs.count, ys.count))
        for i in 0..<max(xs.count, ys.count) {
            if i >= xs.count { out.append(contentsOf: ys[i...]); break }
            if i >= ys.count { out.append(contentsOf: xs[i...]); break }
            guard case .number(let x) = xs[i], case .number(let y) = ys[i] else {
                throw .invalid(.array(Array(xs[i...])))
            }
            out.append(add(x, y))
        }
        return out
    }

    /// Member-wise sum; like CouchDB (which sorts both member lists), the result's members are
    /// in byte order of their names.
    private static func sumObjects(_ a: JSONObject, _ b: JSONObject) throws(SumFailure) -> JSONObject {
        let keys = Set(a.keys).union(b.keys).sorted { Array($0.utf8).lexicographicallyPrecedes($1.utf8) }
        var out = JSONObject()
        for key in keys {
            switch (a[key], b[key]) {
            case (let x?, let y?): out[key] = try sumValues(x, y)
            case (let x?, nil): out[key] = x
            case (nil, let y?): out[key] = y
            case (nil, nil): break
            }
        }
        return out
    }

    // MARK: _stats

    private struct Stats {
        var sum: ReduceNumber
        var count: ReduceNumber
        var min: ReduceNumber
        var max: ReduceNumber
        var sumsqr: ReduceNumber

        init(_ x: ReduceNumber) {
            sum = x
            count = .int(1)
            min = x
            max = x
            sumsqr = x * x
        }

        init(sum: ReduceNumber, count: ReduceNumber, min: ReduceNumber, max: ReduceNumber, sumsqr: ReduceNumber) {
            self.sum = sum
            self.count = count
            self.min = min
            self.max = max
            self.sumsqr = sumsqr
        }

        mutating func merge(_ other: Stats) {
            sum = sum + other.sum
            count = count + other.count
            if other.min < min { min = other.min }
            if max < other.max { max = other.max }
            sumsqr = sumsqr + other.sumsqr
        }

        var json: JSONValue {
            ["sum": sum.json, "count": count.json, "min": min.json, "max": max.json, "sumsqr": sumsqr.json]
        }
    }

    private indirect enum StatsAccumulator {
        case single(Stats)
        case list([StatsAccumulator])

        var json: JSONValue {
            switch self {
            case .single(let stats): stats.json
            case .list(let items): .array(items.map(\.json))
            }
        }
    }

    /// `_stats` over numbers, arrays of numbers (element-wise) or earlier `_stats` results.
    static func stats(_ values: [JSONValue]) throws(ViewEngineError) -> JSONValue {
        guard let first = values.first else {
            return ["sum": 0, "count": 0, "min": 0, "max": 0, "sumsqr": 0]
        }
        var accumulator = try statsAccumulator(first)
        for value in values.dropFirst() {
            accumulator = try merge(statsAccumulator(value), into: accumulator)
        }
        return accumulator.json
    }

    private static func statsAccumulator(_ value: JSONValue) throws(ViewEngineError) -> StatsAccumulator {
        switch value {
        case .number(let n):
            return .single(Stats(ReduceNumber(n)))
        case .array(let items):
            var list: [StatsAccumulator] = []
            for item in items { list.append(try statsAccumulator(item)) }
            return .list(list)
        case .object(let members):
            func number(_ name: String) throws(ViewEngineError) -> ReduceNumber {
                guard case .number(let n)? = members[name] else {
                    throw ViewEngineError(.invalidValue, "user _stats input missing required field \(name) (\(value.serialized()))")
                }
                return ReduceNumber(n)
            }
            return .single(Stats(
                sum: try number("sum"), count: try number("count"), min: try number("min"),
                max: try number("max"), sumsqr: try number("sumsqr")))
        default:
            throw ViewEngineError(.invalidValue, "non-numeric _stats input: \(value.serialized())")
        }
    }

    private static func merge(_ value: StatsAccumulator, into accumulator: StatsAccumulator) throws(ViewEngineError) -> StatsAccumulator {
        switch (value, accumulator) {
        case (.single(let v), .single(var a)):
            a.merge(v)
            return .single(a)
        case (.list(let vs), .list(let accs)) where vs.count == accs.count:
            var out: [StatsAccumulator] = []
            for (v, a) in zip(vs, accs) { out.append(try merge(v, into: a)) }
            return .list(out)
        default:
            throw ViewEngineError(.invalidValue, "_stats cannot combine \(value.json.serialized()) with \(accumulator.json.serialized())")
        }
    }
}
