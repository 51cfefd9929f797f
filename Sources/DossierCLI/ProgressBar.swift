import Foundation
import ReportFormats
import Projections
import Synchronization

/// A progress line with rate and ETA on standard error, redrawn at most ten times a second,
/// only when standard error is a terminal (nothing when piped or in tests).
final class ProgressBar: Sendable {
    private struct State {
        var lastDraw = ContinuousClock.now - .seconds(1)
        var drawn = false
    }

    private let label: String
    private let enabled: Bool
    private let start = ContinuousClock.now
    private let state = Mutex(State())

    init(_ label: String, enabled: Bool = isatty(STDERR_FILENO) != 0) {
        self.label = label
        self.enabled = enabled
    }

    func update(_ progress: WorkProgress) {
        guard enabled else { return }
        let now = ContinuousClock.now
        let line: String? = state.withLock { state in
            guard now - state.lastDraw >= .milliseconds(100) || progress.done >= progress.total else { return nil }
            state.lastDraw = now
            state.drawn = true
            let elapsed = Double((now - start).components.attoseconds) / 1e18 + Double((now - start).components.seconds)
            let fraction = progress.total > 0 ? min(1, Double(progress.done) / Double(progress.total)) : 1
            let rate = elapsed > 0 ? Double(progress.done) / elapsed : 0
            let eta = rate > 0 ? Double(progress.total - progress.done) / rate : 0
            let bar = String(repeating: "#", count: Int(fraction * 30)) + String(repeating: " ", count: 30 - Int(fraction * 30))
            return String(format: "\r%@ [%@] %3.0f%% %@ ev/s ETA %.0fs ", label, bar, fraction * 100, Int(rate).formatted(), eta)
        }
        if let line { FileHandle.standardError.write(Data(line.utf8)) }
    }

    /// Ends the line when something was drawn (once).
    func finish() {
        guard enabled, state.withLock({ state in defer { state.drawn = false }; return state.drawn }) else { return }
        FileHandle.standardError.write(Data("\n".utf8))
    }
}
