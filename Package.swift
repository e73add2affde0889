// swift-tools-version:6.1
import PackageDescription

// Upcoming features shared by every target (computed, see SwiftPM #6597).
var strictSettings: [SwiftSetting] {
    [
        .enableUpcomingFeature("ExistentialAny"),
        .enableUpcomingFeature("MemberImportVisibility"),
    ]
}

let package = Package(
    name: "tradelane",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "tradelane", targets: ["tradelane"]),
        // The screening engine alone, for bench/screening (a separate package measuring it against peers).
        .library(name: "TradelaneCompliance", targets: ["Compliance"]),
    ],
    dependencies: [
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-auth.git", from: "2.5.0"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache.git", from: "2.1.1"),
        .package(url: "https://github.com/vapor/sql-kit.git", from: "3.36.0"),
        .package(url: "https://github.com/vapor/sqlite-kit.git", from: "4.5.2"),
        .package(url: "https://github.com/vapor/postgres-kit.git", from: "2.17.0"),
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.2"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "3.12.3"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-configuration.git", from: "1.4.0"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        // Already in the graph through postgres-nio; named here for SMTP STARTTLS (Notifications).
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.36.0"),
        // Catalogue YAML import/export; tests also parse the served OpenAPI YAML with it.
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.2.2"),
        .package(url: "https://github.com/yaslab/CSV.swift.git", from: "2.5.2"),
        // Outgoing webhooks (issue 11 item 6); already in the graph through HummingbirdTesting.
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.30.0"),
        // Console list export as XLSX (issue 12 item 6): an XLSX file is a ZIP of OOXML parts.
        .package(url: "https://github.com/weichsel/ZIPFoundation.git", exact: "0.9.20"),
    ],
    targets: [
        .target(
            name: "Kernel",
            dependencies: [
                .product(name: "SQLKit", package: "sql-kit"),
                .product(name: "SQLiteKit", package: "sqlite-kit"),
                .product(name: "PostgresKit", package: "postgres-kit"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
            ],
            resources: [.copy("Resources/cn-working-days.json")],
            swiftSettings: strictSettings
        ),
        .target(
            name: "Parties",
            dependencies: [
                "Kernel",
                .product(name: "SQLKit", package: "sql-kit"),
                .product(name: "Crypto", package: "swift-crypto"),
                // bcrypt only (CBcrypt, no Hummingbird): K3 password hashing.
                .product(name: "HummingbirdBcrypt", package: "hummingbird-auth"),
                // TOTP two-factor sign-in (issue 12 item 11): RFC 6238 codes and otpauth:// URIs, not hand-written.
                .product(name: "HummingbirdOTP", package: "hummingbird-auth"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            swiftSettings: strictSettings
        ),
        .target(
            name: "Compliance",
            dependencies: [
                "Kernel",
                .product(name: "SQLKit", package: "sql-kit"),
                .product(name: "CSV", package: "CSV.swift"),
                // The catalogue's second exchange format (CMP1: import/export as CSV or YAML).
                .product(name: "Yams", package: "Yams"),
            ],
            resources: [.copy("Resources/catalogue"), .copy("Resources/hant-hans.txt"), .copy("Resources/regulations")],
            swiftSettings: strictSettings
        ),
        .target(
            name: "Webhooks",
            dependencies: [
                "Kernel",
                .product(name: "SQLKit", package: "sql-kit"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            swiftSettings: strictSettings
        ),
        .target(
            name: "Notifications",
            dependencies: [
                "Kernel",
                .product(name: "SQLKit", package: "sql-kit"),
                .product(name: "Logging", package: "swift-log"),
                // The SMTP client (issue 11 item 7).
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ],
            swiftSettings: strictSettings
        ),
        .target(
            name: "Web",
            dependencies: [
                "Kernel", "Parties", "Compliance", "Webhooks", "Notifications",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdBcrypt", package: "hummingbird-auth"),
                .product(name: "Mustache", package: "swift-mustache"),
                .product(name: "SQLKit", package: "sql-kit"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Configuration", package: "swift-configuration"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                // Assembles the per-module OpenAPI files into the served document.
                .product(name: "Yams", package: "Yams"),
                .product(name: "ZIPFoundation", package: "ZIPFoundation"),
            ],
            resources: [.copy("Resources")],
            swiftSettings: strictSettings
        ),
        .executableTarget(
            name: "tradelane",
            dependencies: [
                "Web", "Kernel", "Parties", "Compliance",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: strictSettings
        ),
        .target(
            name: "TestSupport",
            dependencies: [
                "Kernel", .product(name: "SQLKit", package: "sql-kit"),
                // An independent RFC 6238 code calculator the two-factor tests check the product against.
                .product(name: "Crypto", package: "swift-crypto"),
                // The local webhook receiver and the SMTP sink tests talk to.
                .product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"), .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ],
            path: "Tests/TestSupport",
            swiftSettings: strictSettings
        ),
        .testTarget(name: "KernelTests", dependencies: ["Kernel", "TestSupport"], swiftSettings: strictSettings),
        .testTarget(name: "ComplianceTests", dependencies: ["Compliance", "Kernel", "TestSupport"], swiftSettings: strictSettings),
        .testTarget(
            name: "NotificationsTests",
            dependencies: ["Notifications", "Parties", "Kernel", "TestSupport", .product(name: "SQLKit", package: "sql-kit")],
            swiftSettings: strictSettings
        ),
        .testTarget(name: "PartiesTests", dependencies: ["Parties", "Kernel", "TestSupport"], swiftSettings: strictSettings),
        .testTarget(name: "WebhooksTests", dependencies: ["Webhooks", "Kernel", "TestSupport"], swiftSettings: strictSettings),
        .testTarget(
            name: "WebTests",
            dependencies: [
                "Web", "Parties", "Kernel", "Compliance", "Webhooks", "Notifications", "TestSupport",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "Yams", package: "Yams"),
                .product(name: "SQLKit", package: "sql-kit"),
                // Export tests read the CSV back and unzip the XLSX.
                .product(name: "CSV", package: "CSV.swift"),
                .product(name: "ZIPFoundation", package: "ZIPFoundation"),
            ],
            swiftSettings: strictSettings
        ),
    ]
)
