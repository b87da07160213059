// swift-tools-version:6.1
import PackageDescription

let strict: [SwiftSetting] = [
    .swiftLanguageMode(.v6),
    .enableUpcomingFeature("ExistentialAny"),
]

/// Links the Swift runtime and Foundation into an executable statically (Linux), so only the pages
/// it uses are mapped rather than every shared library's: lld, which does not depend on archive
/// order, with the archives static Foundation needs (modules compiled against the shared runtime
/// do not name them). Without `-export-dynamic` and with packed relative relocations, the
/// dynamic symbol table and the relocations, read whole at every start, shrink from 5 MB to 60 kB.
let staticRuntime: [LinkerSetting] = [
    .unsafeFlags([
        "-static-stdlib", "-use-ld=lld",
        "-Xlinker", "--no-export-dynamic",
        "-Xlinker", "-z", "-Xlinker", "pack-relative-relocs",
    ], .when(platforms: [.linux])),
] + ["_FoundationICU", "CoreFoundation", "_FoundationCShims", "_FoundationCollections", "swiftSynchronization"].map {
    .linkedLibrary($0, .when(platforms: [.linux]))
}

let package = Package(
    name: "gasp",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "gasp", targets: ["GaspCLI"]),
        .executable(name: "gasp-worker", targets: ["GaspWorker"]),
        .library(name: "CouchDB", targets: ["CouchDB"]),
        .library(name: "EmbeddedCouch", targets: ["EmbeddedCouch"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.0"),
        .package(url: "https://github.com/apple/swift-collections.git", from: "1.1.0"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "3.12.3"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.81.0"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.25.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.6.0"),
        // No traits: neither swift-configuration nor full Foundation is needed, and naming the
        // set keeps SwiftPM from rebuilding Hummingbird on every other run.
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.0", traits: []),
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.10.0"),
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.0.0"),
    ],
    targets: [
        // JSON values that keep numbers exactly as written, with CouchDB's re-encoding rules.
        .target(
            name: "JSON",
            dependencies: [.product(name: "OrderedCollections", package: "swift-collections")],
            swiftSettings: strict
        ),
        // The HTTP client for Apache CouchDB and the embedded store. Knows no jobs.
        .target(
            name: "CouchDB",
            dependencies: [
                "JSON",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),
        // A single-node CouchDB-compatible server on SQLite.
        .target(
            name: "EmbeddedCouch",
            dependencies: [
                "JSON",
                "ViewEngine",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strict
        ),
        // The site configuration file (YAML), validated with errors naming file, line and key.
        .target(
            name: "SiteConfiguration",
            dependencies: ["Processing", "JSON", .product(name: "Yams", package: "Yams")],
            swiftSettings: strict
        ),
        // Installs the repository's Views/ design documents into databases.
        .target(
            name: "Bootstrap",
            dependencies: ["CouchDB", "JSON", "ViewEngine"],
            swiftSettings: strict
        ),
        // The site lease: observe, acquire, renew and release `lease:<scope>`, with fencing
        // epochs and a run loop for workers. Knows documents and revisions, not jobs.
        .target(
            name: "Lease",
            dependencies: [
                "CouchDB", "JSON",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strict
        ),
        // The processing domain as values and pure rules: documents, pass states, queue orders,
        // prerequisites, calibration locks, retry policy. No I/O.
        .target(
            name: "Processing",
            dependencies: ["JSON"],
            swiftSettings: strict
        ),
        // The long-running site process: heartbeats, lease contention, the guarded cycle.
        .target(
            name: "Worker",
            dependencies: [
                "Backends", "CouchDB", "Enqueue", "JSON", "Lease", "Processing",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strict
        ),
        // Batch systems behind one protocol (local processes, Slurm, HTCondor, PBS/SGE/LSF
        // command templates). Knows batch systems, not the database.
        .target(
            name: "Backends",
            dependencies: ["JSON", .product(name: "Logging", package: "swift-log")],
            swiftSettings: strict
        ),
        // Job creation against CouchDB: enqueue modes, run sensing, pending runs, run
        // registration, production requests, calibration locks.
        .target(
            name: "Enqueue",
            dependencies: ["Processing", "CouchDB", "JSON", "SiteConfiguration"],
            swiftSettings: strict
        ),
        // The measurements behind `gasp bench`.
        .target(
            name: "Benchmarks",
            dependencies: ["Backends", "Bootstrap", "CouchDB", "Enqueue", "JSON", "Lease", "Processing", "Worker"],
            swiftSettings: strict
        ),
        // Debian's Duktape (ES5 JavaScript), for design-document functions.
        .systemLibrary(name: "CDuktape", pkgConfig: "duktape", providers: [.apt(["duktape-dev"])]),
        // Design-document JavaScript in query-server child processes, built-in reduces, view collation.
        .target(
            name: "ViewEngine",
            dependencies: ["JSON", "CDuktape", .product(name: "Logging", package: "swift-log")],
            swiftSettings: strict,
            linkerSettings: [.linkedLibrary("_FoundationICU", .when(platforms: [.linux]))]
        ),
        // `gasp worker`: the command, its log lines and its connection, shared by `gasp` and
        // `gasp-worker`.
        .target(
            name: "GaspWorkerCommand",
            dependencies: [
                "Backends", "CouchDB", "JSON", "Lease", "Processing", "SiteConfiguration", "Worker",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),
        // `gasp-worker`, which `gasp worker` becomes: the worker without the embedded store,
        // the view engine and the benchmarks, so an idle site process stays small.
        // The Swift runtime and Foundation are linked in statically: only the code the worker
        // uses is mapped, which keeps some 7 MB of shared-library pages out of its memory.
        .executableTarget(
            name: "GaspWorker",
            dependencies: ["GaspWorkerCommand"],
            swiftSettings: strict,
            linkerSettings: staticRuntime
        ),
        // The `gasp` command: argument parsing and wiring only.
        .executableTarget(
            name: "GaspCLI",
            dependencies: [
                "GaspWorkerCommand",
                "Backends",
                "Benchmarks",
                "Bootstrap",
                "CouchDB",
                "EmbeddedCouch",
                "Enqueue",
                "JSON",
                "Lease",
                "Processing",
                "SiteConfiguration",
                "ViewEngine",
                "Worker",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strict
        ),
        // Shared by the test targets: a store to talk to (in-process or GASP_TEST_COUCHDB_URL), and
        // the private test Slurm (Ops/slurm), one per test process.
        .target(
            name: "TestSupport",
            dependencies: [
                "Backends", "CouchDB", "EmbeddedCouch", "JSON",
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Tests/TestSupport",
            swiftSettings: strict
        ),
        .testTarget(name: "JSONTests", dependencies: ["JSON"], swiftSettings: strict),
        .testTarget(name: "ProcessingTests", dependencies: ["Processing", "JSON"], swiftSettings: strict),
        .testTarget(
            name: "EnqueueTests",
            dependencies: ["Enqueue", "Processing", "Bootstrap", "CouchDB", "JSON", "SiteConfiguration", "TestSupport"],
            swiftSettings: strict
        ),
        .testTarget(name: "SiteConfigurationTests", dependencies: ["SiteConfiguration"], swiftSettings: strict),
        .testTarget(name: "BootstrapTests", dependencies: ["Bootstrap", "CouchDB", "JSON", "TestSupport"], swiftSettings: strict),
        .testTarget(name: "ViewsTests", dependencies: ["Bootstrap", "CouchDB", "JSON", "TestSupport"], swiftSettings: strict),
        // Whole programs: `gasp serve` processes killed and restarted.
        .testTarget(name: "EndToEndTests", dependencies: ["CouchDB", "JSON", "TestSupport"], swiftSettings: strict),
        .testTarget(
            name: "LeaseTests",
            dependencies: [
                "Lease", "Bootstrap", "CouchDB", "JSON", "TestSupport",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strict
        ),
        .testTarget(
            name: "WorkerTests",
            dependencies: [
                "Worker", "Backends", "Lease", "Processing", "Bootstrap", "CouchDB", "JSON", "TestSupport",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strict
        ),
        // Whole fleets: `gasp worker` processes killed, paused and restarted.
        .testTarget(
            name: "FleetTests",
            dependencies: ["Backends", "Bootstrap", "CouchDB", "Enqueue", "JSON", "Lease", "Processing", "TestSupport"],
            swiftSettings: strict
        ),
        // Slurm tests start a private slurmctld/slurmd (Ops/slurm); HTCondor and template tests
        // run against stand-in commands in Fixtures (read from the source tree).
        .testTarget(
            name: "BackendsTests",
            dependencies: ["Backends", "JSON", "TestSupport"],
            exclude: ["Fixtures"],
            swiftSettings: strict
        ),
        .testTarget(name: "ViewEngineTests", dependencies: ["ViewEngine", "JSON"], swiftSettings: strict),
        .testTarget(name: "CouchDBTests", dependencies: ["CouchDB", "TestSupport"], swiftSettings: strict),
        .testTarget(
            name: "EmbeddedCouchTests",
            dependencies: [
                "EmbeddedCouch", "CouchDB", "TestSupport",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
            ],
            resources: [.copy("Conformance")],
            swiftSettings: strict
        ),
    ]
)
