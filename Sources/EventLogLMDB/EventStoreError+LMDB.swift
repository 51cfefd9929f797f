import EventLog
import Glibc
import LedgerLMDB

extension EventStoreError {
    /// Maps a storage error to the store's vocabulary; an `EventStoreError` passes unchanged.
    init(_ error: any Error) {
        switch error {
        case let error as EventStoreError:
            self = error
        case let error as LMDBError where error.code == .noSpace || (error.code == .ioError && isNearlyFull(error.path)):
            // LMDB reports a write cut short by a full disk as EIO: the free space tells them apart.
            self.init(.storageFull, "the disk holding \(error.path) is full; nothing of this write was stored", underlying: error)
        case let error as LMDBError where error.code == .corrupted || error.code == .invalid:
            self.init(.corruptStore, "the store at \(error.path) is damaged or not a store (\(error.operation))", underlying: error)
        case let error as LMDBError where error.code == .accessDenied:
            self.init(.readOnly, "no permission to write \(error.path)", underlying: error)
        case let error as LMDBError:
            self.init(.storage, "\(error.operation) failed on \(error.path)", underlying: error)
        default:
            self.init(.storage, "\(error)")
        }
    }
}

/// Whether the filesystem holding `path` has less than 1 MiB free.
private func isNearlyFull(_ path: String) -> Bool {
    var info = statvfs()
    guard statvfs(path, &info) == 0 else { return false }
    return UInt64(info.f_bavail) * UInt64(info.f_frsize) < 1 << 20
}
