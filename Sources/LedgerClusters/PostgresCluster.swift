import Foundation
import Synchronization

/// A throwaway PostgreSQL cluster for tests: `initdb` into a temporary directory, a server on
/// a free loopback port (TCP only, trust authentication on loopback), stopped and removed by
/// ``stop()``. Run as an unprivileged user: when the tests run as root, the server runs as
/// `postgres` (or `nobody`) through `runuser`, since PostgreSQL refuses to run as root.
public final class PostgresCluster: Sendable {
    public let directory: String
    public let port: Int
    public let user = "ledger"
    private let binaries: String
    private let runAs: String?
    private let databases = Mutex(0)

    /// The directory of `initdb`, `pg_ctl` and `postgres` (the newest installed), or nil.
    public static let binaries: String? = {
        let root = "/usr/lib/postgresql"
        let versions = ((try? FileManager.default.contentsOfDirectory(atPath: root)) ?? []).compactMap(Int.init).sorted()
        return versions.last.map { "\(root)/\($0)/bin" }.flatMap { FileManager.default.isExecutableFile(atPath: $0 + "/initdb") ? $0 : nil }
    }()

    /// Whether a cluster can be started here.
    public static var isAvailable: Bool { binaries != nil }

    /// One cluster for the whole test process, started on first use and stopped when the
    /// process exits; nil (with a loud message) where PostgreSQL is not installed.
    public static let shared: Result<PostgresCluster, ClusterError> = {
        let parent = FileManager.default.temporaryDirectory.appendingPathComponent("dossierledger-tests").path
        do {
            let cluster = try PostgresCluster(in: parent)
            atexit { if case .success(let cluster) = PostgresCluster.shared { cluster.stop() } }
            return .success(cluster)
        } catch let error as ClusterError {
            return .failure(error)
        } catch {
            return .failure(ClusterError("\(error)"))
        }
    }()

    /// Whether ``shared`` runs; where it cannot, says loudly which tests do not run and why.
    public static func runs(for tests: String) -> Bool {
        guard case .failure(let error) = shared else { return true }
        print("⚠️  \(tests) NOT RUN: \(error)")
        return false
    }

    /// Creates and starts a cluster in a new directory under `parent`; with `standbyOf`, a
    /// streaming standby of that cluster (a base backup of it, following its WAL), which the
    /// primary then waits for on every commit (`synchronous_standby_names = '*'`).
    public init(in parent: String, standbyOf primary: PostgresCluster? = nil) throws {
        guard let binaries = Self.binaries else { throw ClusterError("PostgreSQL is not installed (apt-get install postgresql)") }
        self.binaries = binaries
        directory = parent + "/postgres-\(UUID().uuidString.prefix(8))"
        port = try Self.freePort()
        runAs = getuid() == 0 ? (getpwnam("postgres") != nil ? "postgres" : "nobody") : nil
        // The parent readable by the server's account, the cluster's directory its own.
        try FileManager.default.createDirectory(atPath: parent, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: false, attributes: [.posixPermissions: 0o700])
        if let runAs, let account = getpwnam(runAs) {
            guard chown(directory, account.pointee.pw_uid, account.pointee.pw_gid) == 0 else { throw ClusterError("cannot give \(directory) to \(runAs)") }
        }
        if let primary {
            try run("pg_basebackup", ["-h", "127.0.0.1", "-p", "\(primary.port)", "-U", user, "-D", directory + "/data", "-R", "-X", "stream", "-c", "fast"])
        } else {
            try run("initdb", ["-D", directory + "/data", "-U", user, "--auth=trust", "-E", "UTF8", "--no-instructions"])
        }
        try run("pg_ctl", ["-D", directory + "/data", "-l", directory + "/server.log", "-w", "-t", "60", "start", "-o",
                           "-p \(port) -c listen_addresses=127.0.0.1 -c unix_socket_directories='' -c max_connections=200"])
        if let primary {
            try primary.run("psql", ["-h", "127.0.0.1", "-p", "\(primary.port)", "-U", user, "-d", "postgres", "-v", "ON_ERROR_STOP=1",
                                     "-c", "ALTER SYSTEM SET synchronous_standby_names = '*'", "-c", "SELECT pg_reload_conf()"])
            // Until the standby streams, a commit on the primary would wait for it.
            let deadline = ContinuousClock.now + .seconds(30)
            while try primary.run("psql", ["-h", "127.0.0.1", "-p", "\(primary.port)", "-U", user, "-d", "postgres", "-At", "-c",
                                           "SELECT count(*) FROM pg_stat_replication WHERE sync_state = 'sync'"]).trimmingCharacters(in: .whitespacesAndNewlines) != "1" {
                guard ContinuousClock.now < deadline else { throw ClusterError("the standby on port \(port) did not become synchronous") }
                usleep(100_000)
            }
        }
    }

    /// Kills the server's postmaster at once (SIGKILL), as a crash of its machine would.
    public func killPostmaster() throws {
        let text = try String(contentsOfFile: directory + "/data/postmaster.pid", encoding: .utf8)
        guard let pid = text.split(separator: "\n").first.flatMap({ Int32($0) }) else { throw ClusterError("no postmaster pid") }
        kill(pid, SIGKILL)
    }

    /// Makes a standby the primary.
    public func promote() throws {
        try run("pg_ctl", ["-D", directory + "/data", "-w", "-t", "60", "promote"])
    }

    /// A new, empty database; its URL.
    public func createDatabase() throws -> String {
        let name = databases.withLock { count in
            count += 1
            return "test\(count)"
        }
        try run("createdb", ["-h", "127.0.0.1", "-p", "\(port)", "-U", user, name])
        return url(database: name)
    }

    /// The URL of `database`.
    public func url(database: String) -> String { "postgres://\(user)@127.0.0.1:\(port)/\(database)?sslmode=disable" }

    /// Stops the server at once and removes the cluster.
    public func stop() {
        _ = try? run("pg_ctl", ["-D", directory + "/data", "-m", "immediate", "-w", "stop"])
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// Runs one of PostgreSQL's programs (as the unprivileged account when root).
    @discardableResult
    public func run(_ program: String, _ arguments: [String]) throws -> String {
        let command = runAs.map { ["/usr/sbin/runuser", "-u", $0, "--", binaries + "/" + program] } ?? [binaries + "/" + program]
        let (status, text) = try Self.spawn(command + arguments)
        guard status == 0 else {
            let log = (try? String(contentsOfFile: directory + "/server.log", encoding: .utf8)) ?? ""
            throw ClusterError("\(program) \(arguments.joined(separator: " ")) failed (\(status)): \(text)\n\(log.suffix(2000))")
        }
        return text
    }

    /// Runs a command and returns its exit status and output; only the command's standard
    /// output and error are the pipe, so a server it leaves running does not hold it open.
    private static func spawn(_ command: [String]) throws -> (Int32, String) {
        var pipe: [Int32] = [0, 0]
        guard Glibc.pipe(&pipe) == 0 else { throw ClusterError("no pipe") }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, pipe[1], 1)
        posix_spawn_file_actions_adddup2(&actions, pipe[1], 2)
        posix_spawn_file_actions_addclose(&actions, pipe[0])
        posix_spawn_file_actions_addclose(&actions, pipe[1])  // else the server, started in the background, keeps it open
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        let arguments = command.map { strdup($0) } + [nil]
        defer { arguments.forEach { free($0) } }
        var pid = pid_t()
        let spawned = posix_spawn(&pid, command[0], &actions, nil, arguments, environ)
        close(pipe[1])
        defer { close(pipe[0]) }
        guard spawned == 0 else { throw ClusterError("cannot run \(command[0]): \(String(cString: strerror(spawned)))") }
        var output: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = read(pipe[0], &chunk, chunk.count)
            if count > 0 { output += chunk[..<count] } else if count == 0 || errno != EINTR { break }
        }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        let exit = (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
        return (exit, String(decoding: output, as: UTF8.self))
    }

    /// A TCP port on loopback that nothing listens on (asked of the kernel).
    private static func freePort() throws -> Int {
        let socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard socket >= 0 else { throw ClusterError("no socket") }
        defer { close(socket) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(socket, $0, length) == 0 && getsockname(socket, $0, &length) == 0 }
        }
        guard bound else { throw ClusterError("cannot find a free port") }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}

public struct ClusterError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
