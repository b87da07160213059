import JSON

/// The data document `data:<module>:<run10>:<pass>:<data_type>`: the files of one data type
/// produced by one pass, one entry per subrun, each saying where it is (the site that produced
/// it and its path there), which is what a dependant's `{input}`/`{inputs}` are filled in from.
public struct DataDocument: Sendable, Hashable {
    /// One catalogued output file.
    public struct File: Sendable, Hashable {
        /// The subfile it belongs to (nil for run-level outputs).
        public var subrun: Int?
        /// The file name.
        public var name: String
        /// Its size in bytes.
        public var size: Int64
        /// Its adler32 checksum, 8 hex digits.
        public var adler32: String
        /// Where it is stored: a path as seen at ``site`` (or a URL or storage-element path).
        public var location: String?
        /// The site that produced it, where ``location`` is to be read (nil when unknown).
        public var site: String?
        /// How many events it holds, when known.
        public var events: Int?
        /// Members this type does not know.
        public var extra: JSONObject

        /// Makes a file entry.
        public init(
            subrun: Int?, name: String, size: Int64, adler32: String, location: String? = nil, site: String? = nil, events: Int? = nil
        ) {
            self.subrun = subrun
            self.name = name
            self.size = size
            self.adler32 = adler32
            self.location = location
            self.site = site
            self.events = events
            self.extra = [:]
        }

        var json: JSONValue {
            var m: JSONObject = [:]
            m.set("subrun", subrun)
            m["name"] = .string(name)
            m["size"] = .int(size)
            m["adler32"] = .string(adler32)
            m.set("location", location)
            m.set("site", site)
            m.set("events", events)
            m.merge(extra: extra)
            return .object(m)
        }
    }

    public var module: String
    public var run: Int
    public var pass: Int
    /// The data type (`ratds`, `ntuple`, …).
    public var dataType: String
    /// The software version that produced it.
    public var version: String
    /// Campaign labels.
    public var labels: [String]
    /// The files, by subrun.
    public var files: [File]
    /// The lease epoch of the last fenced write, kept as read.
    public var epoch: Int64?
    /// The revision read (nil before it exists).
    public var rev: String?
    /// Members this type does not know.
    public var extra: JSONObject

    /// Makes a data document.
    public init(module: String, run: Int, pass: Int, dataType: String, version: String, labels: [String] = [], files: [File] = []) {
        self.module = module
        self.run = run
        self.pass = pass
        self.dataType = dataType
        self.version = version
        self.labels = labels
        self.files = files
        self.epoch = nil
        self.rev = nil
        self.extra = [:]
    }

    /// The id: `data:<module>:<run10>:<pass>:<data_type>`.
    public static func id(module: String, run: Int, pass: Int, dataType: String) -> String {
        "data:\(module):\(RunNumber.padded(run)):\(pass):\(dataType)"
    }

    /// This document's id.
    public var id: String { Self.id(module: module, run: run, pass: pass, dataType: dataType) }
}

extension DataDocument {
    static let known: Set<String> = ["_id", "_rev", "type", "module", "run", "pass", "data_type", "version", "labels", "files", "epoch"]

    /// Reads a data document; throws naming the document and member that is wrong.
    public init(json: JSONValue) throws(DocumentError) {
        guard case .object(let members) = json, let id = members["_id"]?.stringValue, id.hasPrefix("data:") else {
            throw DocumentError(.malformed, id: json["_id"]?.stringValue, "not a data document: no `_id` starting with data:")
        }
        let r = MemberReader(id: id, members: members)
        self.init(module: try r.string("module"), run: try r.int("run"), pass: try r.int("pass"),
                  dataType: try r.string("data_type"), version: try r.optionalString("version") ?? "", labels: try r.strings("labels"))
        for f in try r.objects("files") {
            guard let size = try f.optionalInt64("size") else { throw f.fail("size", "required integer is missing") }
            var file = File(subrun: try f.optionalInt("subrun"), name: try f.string("name"), size: size,
                            adler32: try f.string("adler32"), location: try f.optionalString("location"),
                            site: try f.optionalString("site"), events: try f.optionalInt("events"))
            file.extra = f.extra(known: ["subrun", "name", "size", "adler32", "location", "site", "events"])
            files.append(file)
        }
        epoch = try r.optionalInt64("epoch")
        rev = try r.optionalString("_rev")
        extra = r.extra(known: Self.known)
    }

    /// The document as JSON, with `_rev` when known.
    public var json: JSONValue {
        var m: JSONObject = ["_id": .string(id)]
        if let rev { m["_rev"] = .string(rev) }
        m["type"] = "data"
        m["module"] = .string(module)
        m["run"] = .int(run)
        m["pass"] = .int(pass)
        m["data_type"] = .string(dataType)
        m["version"] = .string(version)
        m["labels"] = .array(labels.map(JSONValue.string))
        m["files"] = .array(files.map(\.json))
        if let epoch { m["epoch"] = .int(epoch) }
        m.merge(extra: extra)
        return .object(m)
    }
}
