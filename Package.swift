// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "moat",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "moat", targets: ["moat"]),
        .library(name: "MoatCore", targets: ["MoatCore"]),
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

        // Bounded byte access shared by sources and detectors: no git, no formats.
        .target(name: "MoatBytes", dependencies: ["CZlib"]),

        // The detection core: a path and bytes in, findings out. Knows nothing of git or the CLI.
        .target(
            name: "MoatCore",
            dependencies: ["MoatBytes", .product(name: "Crypto", package: "swift-crypto")],
            plugins: ["PatternsPlugin"]
        ),

        // Git sources (index, work tree, hooks): produce blobs, know nothing of detection.
        .target(name: "MoatGit", dependencies: ["CGit2", "MoatBytes"]),

        // Output formats, one file each.
        .target(name: "MoatReport", dependencies: ["MoatCore"]),

        // The thin CLI.
        .executableTarget(
            name: "moat",
            dependencies: [
                "MoatCore", "MoatGit", "MoatReport",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),

        // Build-time generator: Patterns/*.yaml -> Swift source embedded in MoatCore.
        .executableTarget(name: "moat-patterns-gen", dependencies: ["Yams"], path: "Sources/MoatPatternsGen"),
        .plugin(name: "PatternsPlugin", capability: .buildTool(), dependencies: ["moat-patterns-gen"]),

        .testTarget(name: "MoatCoreTests", dependencies: ["MoatCore", "MoatBytes"]),
        .testTarget(name: "MoatGitTests", dependencies: ["MoatGit", "MoatBytes"]),
        .testTarget(name: "MoatReportTests", dependencies: ["MoatReport", "MoatCore"]),
        .testTarget(name: "MoatCLITests", dependencies: ["MoatCore"]),
    ],
    swiftLanguageModes: [.v5]
)
