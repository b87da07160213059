import Foundation
import SiteConfiguration
import Testing

@Suite("Site configuration: the worker section")
struct WorkerSettingsTests {
    static let couch = "couchdb:\n  url: http://h:5984\n  database: x\n"

    @Test("the worker section reads into its values; left out, the defaults apply")
    func values() throws {
        let text = Self.couch + """
            worker:
              lease: {scope: production, seconds: 10, mode: rotate}
              heartbeat_seconds: 2.5
              cycle_seconds: 60
              capacity: 200
              backend: {kind: slurm, partition: long}
              supported_versions: [7.0.8, 7.0.9]
            """
        let worker = try SiteConfiguration.parse(text, file: "site.yaml").worker
        #expect(worker.leaseScope == "production")
        #expect(worker.leaseSeconds == 10)
        #expect(worker.mode == .rotate)
        #expect(worker.heartbeatSeconds == 2.5)
        #expect(worker.cycleSeconds == 60)
        #expect(worker.capacity == 200)
        #expect(worker.backend == "slurm")
        #expect(worker.backendSettings == ["partition": "long"])
        #expect(worker.supportedVersions == ["7.0.8", "7.0.9"])
        #expect(try SiteConfiguration.parse(Self.couch, file: "site.yaml").worker == WorkerSettings())
    }

    @Test("each mistake names file, line and key", arguments: [
        ("worker:\n  lease: {mode: sometimes}\n", "site.yaml:5:17: worker.lease.mode: mode must be hold or rotate, not sometimes"),
        ("worker:\n  lease:\n    seconds: 0.5\n", "site.yaml:6:14: worker.lease.seconds: lease seconds must be between 1 and 3600"),
        ("worker:\n  lease:\n    seconds: soon\n", "site.yaml:6:14: worker.lease.seconds: expected a number"),
        ("worker:\n  capacity: -3\n", "site.yaml:5:13: worker.capacity: must not be negative"),
        ("worker:\n  capacity: lots\n", "site.yaml:5:13: worker.capacity: expected a whole number"),
        ("worker:\n  backend: torque\n", "site.yaml:5:12: worker.backend: unknown backend torque"),
        ("worker:\n  heartbeat_second: 5\n", "site.yaml:5:3: worker.heartbeat_second: unknown key"),
        ("worker:\n  lease: {scope: 'a b'}\n", "worker.lease.scope: a scope is letters"),
    ])
    func mistakes(text: String, expected: String) {
        #expect {
            _ = try SiteConfiguration.parse(Self.couch + text, file: "site.yaml")
        } throws: { error in
            let description = "\(error)"
            let matched = description.contains(expected)
            if !matched { Issue.record("got: \(description)") }
            return matched
        }
    }
}

@Suite("Site configuration: the shipped examples")
struct ExampleConfigurationTests {
    static let examples = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../../Ops/examples").standardized

    @Test("every example site file is valid, and there is one per lease mode")
    func examplesAreValid() throws {
        let files = try FileManager.default.contentsOfDirectory(atPath: Self.examples.path)
            .filter { $0.hasPrefix("site") && $0.hasSuffix(".yaml") }.sorted()
        #expect(files.count >= 3)
        var modes: Set<WorkerSettings.LeaseMode> = []
        for file in files {
            let configuration = try SiteConfiguration.load(path: Self.examples.appendingPathComponent(file).path)
            #expect(configuration.site != nil, "\(file) names no site")
            modes.insert(configuration.worker.mode)
        }
        #expect(modes == [.hold, .rotate])
    }
}

@Suite("Site configuration: run sensing and schedules")
struct CycleSettingsTests {
    static let couch = "couchdb:\n  url: http://h:5984\n  database: x\n"

    @Test("sense and schedules read into their values")
    func values() throws {
        let text = Self.couch + """
            worker:
              sense: {version: 7.0.9, input_kind: L2, start_run: 300000}
              schedules:
                - {name: grab, cron: "0 1 * * *", hours: 6, module: Grabber, version: 7.0.9, output_directory: /data/out}
            """
        let worker = try SiteConfiguration.parse(text, file: "site.yaml").worker
        #expect(worker.sense?.version == "7.0.9")
        #expect(worker.sense?.inputKind == "L2")
        #expect(worker.sense?.startRun == 300000)
        #expect(worker.sense?.pending == false)
        #expect(worker.schedules.first?.name == "grab")
        #expect(worker.schedules.first?.length?.totalSeconds == 6 * 3600)
    }

    @Test("mistakes name file, line and key", arguments: [
        ("worker:\n  schedules:\n    - {name: g, cron: '61 * * * *', module: M, version: v, output_directory: /o}\n",
         "site.yaml:6:23: worker.schedules[0].cron: minute field: 61 is out of range 0-59"),
        ("worker:\n  schedules:\n    - {name: g, cron: '@daily', module: M, version: v, output_directory: out}\n",
         "worker.schedules[0].output_directory: must be an absolute path"),
        ("worker:\n  sense: {version: v, input_kind: L2}\n", "worker.sense.start_run: give start_run, pending: true, or both"),
        ("worker:\n  schedules:\n    - {name: g, cron: '@daily', module: M, version: v, output_directory: /o, weeks: 1}\n",
         "worker.schedules[0].weeks: unknown key"),
    ])
    func mistakes(text: String, expected: String) {
        #expect {
            _ = try SiteConfiguration.parse(Self.couch + text, file: "site.yaml")
        } throws: { error in
            let matched = "\(error)".contains(expected)
            if !matched { Issue.record("got: \(error)") }
            return matched
        }
    }
}
