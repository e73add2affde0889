// swift-tools-version:6.1
import PackageDescription

// Listing-screening benchmark: a separate package so that it is never part of the main build or test suite.
// Build in release only: `swift build -c release` (run.sh does it).
let package = Package(
    name: "screening-bench",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(name: "tradelane", path: "../.."),
    ],
    targets: [
        .executableTarget(
            name: "screening-bench",
            dependencies: [.product(name: "TradelaneCompliance", package: "tradelane")]
        ),
    ]
)
