public import Foundation
import Synchronization

/// A real child process whose standard output is read line by line, for crash and
/// multi-process tests.
public final class ChildProcess: Sendable {
    private let process: Process
    private let lines = LineSink()

    private final class LineSink: Sendable {
        let state = Mutex<LineBuffer>(LineBuffer())
        func withLock<R>(_ body: (inout LineBuffer) -> R) -> R { state.withLock { body(&$0) } }
    }

    private struct LineBuffer {
        var partial = Data()
        var complete: [String] = []
        var closed = false
    }

    /// The directory holding this package's built products (the test bundle's directory).
    public static var productsDirectory: URL {
        URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
    }

    /// Starts the executable product `name` of this package with `arguments`.
    public init(product name: String, arguments: [String]) throws {
        process = Process()
        process.executableURL = ChildProcess.productsDirectory.appendingPathComponent(name)
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.standardError
        pipe.fileHandleForReading.readabilityHandler = { [lines] handle in
            let data = handle.availableData
            lines.withLock { buffer in
                if data.isEmpty {
                    buffer.closed = true
                    handle.readabilityHandler = nil
                    return
                }
                buffer.partial.append(data)
                while let newline = buffer.partial.firstIndex(of: 0x0a) {
                    let line = buffer.partial[buffer.partial.startIndex..<newline]
                    buffer.complete.append(String(decoding: line, as: UTF8.self))
                    buffer.partial.removeSubrange(buffer.partial.startIndex...newline)
                }
            }
        }
        try process.run()
    }

    /// The complete lines printed so far.
    public var output: [String] { lines.withLock { $0.complete } }

    /// Waits until at least `count` lines were printed, the process ended, or `timeout` passed.
    public func waitForLines(_ count: Int, timeout: Duration = .seconds(30)) async throws {
        let deadline = ContinuousClock.now + timeout
        while lines.withLock({ $0.complete.count < count && !$0.closed }) && ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(2))
        }
    }

    /// Sends SIGKILL and waits for the process to end; returns the lines printed before.
    @discardableResult
    public func kill() async throws -> [String] {
        Foundation.kill(process.processIdentifier, SIGKILL)
        return try await waitForExit()
    }

    /// Waits for the process to end and its output to be read; returns every complete line.
    public func waitForExit() async throws -> [String] {
        while process.isRunning { try await Task.sleep(for: .milliseconds(2)) }
        let deadline = ContinuousClock.now + .seconds(5)
        while !lines.withLock({ $0.closed }) && ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(2))
        }
        return output
    }

    /// The exit status, once it ended.
    public var terminationStatus: Int32 { process.terminationStatus }
}
