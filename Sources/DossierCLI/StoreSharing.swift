import DossierDomain
import Foundation
import Glibc

/// Lets the members of a Unix group read a store (`dossier init --group`): every directory of
/// the store setgid (so that files created later, projections' generations included, take the
/// group; the LMDB layer then makes their data files 0640 and lock files 0660), every existing
/// file given the group, LMDB lock files 0660 (readers record themselves in them), other files
/// 0640. Nobody but the owner can write the data.
enum StoreSharing {
    static func share(_ store: String, withGroup name: String) throws {
        guard let entry = getgrnam(name) else {
            throw ToolError("no group \(name) on this machine; create it (groupadd \(name)) and add the inspectors' accounts to it")
        }
        let gid = entry.pointee.gr_gid
        func apply(_ path: String, mode: mode_t) throws {
            guard chown(path, uid_t.max, gid) == 0, chmod(path, mode) == 0 else {
                throw ToolError("cannot give \(path) to group \(name): \(String(cString: strerror(errno)))")
            }
        }
        try apply(store, mode: 0o2750)
        guard let walk = FileManager.default.enumerator(atPath: store) else { throw ToolError("cannot list \(store)") }
        for case let relative as String in walk {
            let path = store + "/" + relative
            // The entry itself, not what a link points to.
            guard let type = try? FileManager.default.attributesOfItem(atPath: path)[.type] as? FileAttributeType else { continue }
            switch type {
            case .typeDirectory: try apply(path, mode: 0o2750)
            case .typeRegular: try apply(path, mode: relative.hasSuffix("lock.mdb") ? 0o660 : 0o640)
            default: break  // the projections' symbolic links: their targets are listed too
            }
        }
    }
}
