import Testing
import Worker

@Suite("Output file-name patterns")
struct OutputPatternTests {
    @Test("placeholders are filled in, zero-padded when asked", arguments: [
        ("r{run}_s{subrun}_p{pass}.root", "r12345_s3_p2.root"),
        ("r{run:010}_s{subrun:03}_p{pass}.root", "r0000012345_s003_p2.root"),
        ("{module}_{run:05}_*.ntuple.root", "Analysis30_12345_*.ntuple.root"),
        ("{module}_r{run:03}.zdab", "Analysis30_r12345.zdab"),
        ("soc_??_{run}.root", "soc_??_12345.root"),
    ])
    func expanded(_ pattern: String, _ name: String) throws {
        #expect(try OutputPattern(pattern).expanded(module: "Analysis30", run: 12345, pass: 2, subrun: 3) == name)
    }

    @Test("wildcards match as in the shell, and only the pass's own values", arguments: [
        ("r{run:010}_s{subrun:03}_*.root", "r0000012345_s003_20261202.root", true),
        ("r{run:010}_s{subrun:03}_*.root", "r0000012345_s004_20261202.root", false),
        ("r{run:010}_s{subrun:03}_*.root", "r0000012345_s003_.root", true),
        ("r{run:010}_s{subrun:03}_*.root", "r0000012345_s003_x.root.tmp", false),
        ("*_{run}_*", "a_12345_b", true),
        ("*_{run}_*", "12345_b", false),
        ("*a*b*c", "xxaxxbxxbxc", true),
        ("*a*b*c", "xxaxxbxxbx", false),
        ("file?.root", "file1.root", true),
        ("file?.root", "file12.root", false),
        ("{module}.log", "Analysis30.log", true),
    ])
    func matching(_ pattern: String, _ name: String, _ matches: Bool) throws {
        let pattern = try OutputPattern(pattern)
        #expect(pattern.matches(name, module: "Analysis30", run: 12345, pass: 2, subrun: 3) == matches)
    }

    @Test("bad patterns are refused, naming the pattern", arguments: [
        ("", "a file-name pattern cannot be empty"),
        ("out/{run}.root", "a file-name pattern names a file in the directory; it has no /"),
        ("r{runs}.root", "{runs} is not a placeholder; use {run}, {subrun}, {pass}, {module}"),
        ("r{run.root", "{ without }"),
        ("r}run.root", "} without {"),
        ("r{run:10}.root", "{run:10}: a width is written 0N, as in {run:010}, and only for numbers"),
        ("r{run:0x}.root", "{run:0x}: a width is written 0N, as in {run:010}, and only for numbers"),
        ("{module:05}.root", "{module:05}: a width is written 0N, as in {run:010}, and only for numbers"),
    ])
    func refused(_ pattern: String, _ message: String) {
        #expect(throws: OutputError(.invalidPattern, path: pattern, message)) { try OutputPattern(pattern) }
    }

    @Test("a pattern knows whether it names a file per subrun")
    func subrunUse() throws {
        #expect(try OutputPattern("r{run}_s{subrun}.root").usesSubrun)
        #expect(try !OutputPattern("r{run}.root").usesSubrun)
        #expect(try OutputPattern("r{run}_*.root").hasWildcards)
        #expect(try !OutputPattern("r{run}.root").hasWildcards)
    }
}
