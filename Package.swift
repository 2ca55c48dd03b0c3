// swift-tools-version: 6.0
import PackageDescription

let swiftSettings: [SwiftSetting] = [
    .swiftLanguageMode(.v6),
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("NonisolatedNonsendingByDefault"),
]

let package = Package(
    name: "ds4-proxy",
    products: [
        .executable(name: "ds4-proxy", targets: ["ds4-proxy"]),
        .executable(name: "usage-report", targets: ["usage-report"]),
        .library(name: "ProxyKit", targets: ["ProxyKit"]),
    ],
    targets: [
        .systemLibrary(name: "CSQLite", path: "Sources/CSQLite", providers: [.apt(["libsqlite3-dev"])]),
        .target(name: "CLinuxShims", path: "Sources/CLinuxShims"),
        .target(name: "ProxyKit", dependencies: ["CSQLite", "CLinuxShims"], swiftSettings: swiftSettings),
        .executableTarget(name: "ds4-proxy", dependencies: ["ProxyKit"], swiftSettings: swiftSettings),
        .executableTarget(name: "usage-report", dependencies: ["ProxyKit"], swiftSettings: swiftSettings),
        .testTarget(name: "ProxyKitTests", dependencies: ["ProxyKit"], swiftSettings: swiftSettings),
    ]
)
