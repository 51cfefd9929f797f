import Foundation
public import Testing

/// A test trait that gives each test its own empty directory under the system's temporary
/// directory, published through ``TemporaryDirectory/path``, and removes it afterwards.
///
/// ```swift
/// @Test(.temporaryDirectory) func reopens() throws {
///     let store = try LMDBEventStore(path: TemporaryDirectory.path + "/store")
/// }
/// ```
public struct TemporaryDirectory: TestTrait, SuiteTrait, TestScoping {
    @TaskLocal static var current: String?

    /// The current test's directory.
    public static var path: String {
        guard let current else { preconditionFailure("TemporaryDirectory.path used outside a test with the .temporaryDirectory trait") }
        return current
    }

    public var isRecursive: Bool { true }

    @concurrent public func provideScope(for test: Test, testCase: Test.Case?, performing function: @Sendable @concurrent () async throws -> Void) async throws {
        // A suite-level trait is shared by its tests: make the directory here, per call.
        guard testCase != nil else { return try await function() }
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("dossierledger-tests", isDirectory: true)
            .appendingPathComponent(UUID().uuidString, isDirectory: true)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        try await TemporaryDirectory.$current.withValue(directory.path) {
            try await function()
        }
    }
}

extension Trait where Self == TemporaryDirectory {
    /// A fresh directory for each test; see ``TemporaryDirectory``.
    public static var temporaryDirectory: TemporaryDirectory { TemporaryDirectory() }
}
