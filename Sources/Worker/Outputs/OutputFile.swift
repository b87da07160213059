/// An output file as found on disk: what the catalogue records for it.
public struct OutputFile: Sendable, Hashable {
    /// The file name.
    public var name: String
    /// The full path.
    public var path: String
    /// The size in bytes.
    public var size: Int64
    /// The Adler-32 checksum, 8 lowercase hex digits.
    public var adler32: String

    /// Makes a record.
    public init(name: String, path: String, size: Int64, adler32: String) {
        self.name = name
        self.path = path
        self.size = size
        self.adler32 = adler32
    }
}

/// One output a pass must produce: a data type (`ratds`, `ntuple`, `soc`, …) and the pattern
/// its file names follow.
public struct ExpectedOutput: Sendable, Hashable {
    /// The data type, as the data documents name it.
    public var dataType: String
    /// The file-name pattern.
    public var pattern: OutputPattern

    /// An expected output.
    public init(dataType: String, pattern: OutputPattern) {
        self.dataType = dataType
        self.pattern = pattern
    }

    /// An expected output with the pattern given as text.
    public init(dataType: String, pattern: String) throws(OutputError) {
        self.init(dataType: dataType, pattern: try OutputPattern(pattern))
    }
}
