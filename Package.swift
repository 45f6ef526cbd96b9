// swift-tools-version:6.2
import PackageDescription

let package = Package(
    name: "moat",
    products: [
        .executable(name: "moat", targets: ["moat"]),
        .library(name: "MoatCore", targets: ["MoatCore"]),
        .library(name: "MoatScan", targets: ["MoatScan"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-crypto", from: "4.5.2"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
    ],
    targets: [
        // C libraries from Debian's -dev packages.
        .systemLibrary(name: "CGit2", pkgConfig: "libgit2", providers: [.apt(["libgit2-dev"])]),
        .systemLibrary(name: "CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
        .systemLibrary(name: "CDeflate", pkgConfig: "libdeflate", providers: [.apt(["libdeflate-dev"])]),
        .systemLibrary(name: "CPCRE2", pkgConfig: "libpcre2-8", providers: [.apt(["libpcre2-dev"])]),
        .systemLibrary(name: "CVectorscan", pkgConfig: "libhs", providers: [.apt(["libvectorscan-dev"])]),

        // Bounded byte access shared by sources and detectors: no git, no formats.
        .target(name: "MoatBytes", dependencies: ["CZlib", "CDeflate"]),

        // The secret-matching engine: patterns in, (rule, range) matches out. Keyword prefilter,
        // vectorscan database and PCRE2-JIT confirmation behind one interface; no git, files or reports.
        .target(name: "MoatMatch", dependencies: ["CPCRE2", "CVectorscan"]),

        // The detection core: a path and bytes in, findings out. Knows nothing of git or the CLI.
        .target(
            name: "MoatCore",
            dependencies: ["MoatBytes", "MoatMatch", "MoatRuleSchema", .product(name: "Crypto", package: "swift-crypto")],
            plugins: ["PatternsPlugin"]
        ),

        // Git sources (index, work tree, hooks): produce blobs, know nothing of detection.
        .target(name: "MoatGit", dependencies: ["CGit2", "MoatBytes", .product(name: "Crypto", package: "swift-crypto")], plugins: ["HookTemplatesPlugin"]),

        // Output formats, one file each.
        .target(name: "MoatReport", dependencies: ["MoatCore"]),

        // The scan pipeline: sources (work tree, index, history) to inputs, one ordered parallel
        // runner over the core, the exit policy, configuration and rule sets. Joins MoatGit and
        // MoatCore, which know nothing of each other.
        .target(name: "MoatScan", dependencies: ["MoatCore", "MoatGit", "MoatBytes", "MoatMatch", "MoatRuleSchema", "Yams"]),

        // The thin CLI: parses arguments and prints.
        .executableTarget(
            name: "moat",
            dependencies: [
                "MoatScan", "MoatCore", "MoatGit", "MoatReport", "MoatBytes",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),

        // The rule-file format (docs/rules.md): parsing and lint shared by the generator and the
        // run-time loader of user rule files, so both accept exactly the same files.
        .target(name: "MoatRuleSchema", dependencies: ["MoatBytes", "Yams"]),

        // Build-time generator: Patterns/*.yaml -> Swift source embedded in MoatCore.
        .executableTarget(name: "moat-patterns-gen", dependencies: ["MoatRuleSchema"], path: "Sources/MoatPatternsGen"),
        .plugin(name: "PatternsPlugin", capability: .buildTool(), dependencies: ["moat-patterns-gen"]),

        // Build-time generator: hooks/* -> the hook scripts embedded in MoatGit.
        .executableTarget(name: "moat-hooks-gen", path: "Sources/MoatHooksGen"),
        .plugin(name: "HookTemplatesPlugin", capability: .buildTool(), dependencies: ["moat-hooks-gen"]),

        // Throughput of the matching engine on real text (not a product; see bench/match.sh).
        .executableTarget(name: "moat-bench-match", dependencies: ["MoatMatch", "Yams"]),

        // The deterministic mutation engine the fuzz tests share (docs/fuzzing.md); test code only.
        .target(name: "MoatFuzzEngine", path: "Tests/MoatFuzzEngine"),

        .testTarget(name: "MoatMatchTests", dependencies: ["MoatMatch"]),
        .testTarget(name: "MoatCoreTests", dependencies: ["MoatCore", "MoatBytes", "MoatFuzzEngine"]),
        .testTarget(name: "MoatGitTests", dependencies: ["MoatGit", "MoatBytes", "MoatFuzzEngine"]),
        .testTarget(name: "MoatReportTests", dependencies: ["MoatReport", "MoatCore"]),
        .testTarget(name: "MoatScanTests", dependencies: ["MoatScan", "MoatCore", "MoatGit", "MoatBytes", "MoatRuleSchema", "MoatFuzzEngine"]),
        .testTarget(name: "MoatCLITests", dependencies: ["moat", "MoatCore", "Yams"]),
        .testTarget(name: "MoatBytesTests", dependencies: ["MoatBytes"]),
        .testTarget(name: "MoatRuleSchemaTests", dependencies: ["MoatRuleSchema", "Yams"]),
    ],
    swiftLanguageModes: [.v6]
)

// A warning fails the build of every target of moat's own (dependencies keep their warnings).
for target in package.targets where target.type != .system && target.type != .plugin {
    target.swiftSettings = (target.swiftSettings ?? []) + [.treatAllWarnings(as: .error)]
}
