public import DossierDomain
public import DossierLog
import EventLog
import Projections
public import Views

// What the operator's commands and routes answer: the statistics and the token list.

extension Renderer {
    /// The statistics as JSON, one member per item in a stable order (`dossier stats --format json`).
    public static func json(_ statistics: LedgerStatistics) -> String {
        "{" + statistics.items.map { "\(quote($0.0)):\($0.1)" }.joined(separator: ",") + "}\n"
    }
}

extension LedgerStatistics {
    /// Each item's name and JSON value, in the order `dossier stats` shows them.
    public var items: [(String, String)] {
        var items: [(String, String)] = [
            ("events", "\(head?.position.rawValue ?? 0)"), ("dossiers", "\(dossiers)"),
            ("head_seq", head.map { "\($0.position)" } ?? "null"), ("head_hash", head.map { Renderer.quote($0.hash.hex) } ?? "null"),
            ("store_bytes", "\(storeBytes)"), ("calendar_loaded_through", calendarLoadedThrough.map(String.init) ?? "null"),
            ("calendar_warning", calendarWarning.map { Renderer.quote($0.description) } ?? "null"),
        ]
        for (name, status) in projections {
            items.append(("projection_\(name)", status.map {
                "{\"version\":\($0.version.map(String.init) ?? "null"),\"seq\":\($0.checkpoint.position),\"hash\":\"\($0.checkpoint.hash.hex)\"}"
            } ?? "null"))
        }
        return items
    }
}

extension AccessList {
    /// The token list's fields, in order.
    public static let fields = ["token", "name", "role", "unit", "expires", "granted", "revoked", "valid"]

    /// One row per grant (never a secret or its hash), valid as of `today`.
    public func rows(on today: LocalDate) -> [[Value]] {
        entries.map { entry in
            let valid = entry.revoked == nil && (entry.grant.expires.map { today <= $0 } ?? true)
            return [.text(entry.grant.token), .text(entry.grant.name), .text(entry.grant.role.rawValue), .text(entry.grant.unit),
                    entry.grant.expires.map { .text($0.description) } ?? .null, .instant(entry.granted), .instant(entry.revoked), .flag(valid)]
        }
    }
}

extension Renderer {
    /// The token list as JSON (`dossier token list --format json`).
    public static func json(_ list: AccessList, on today: LocalDate) -> String {
        let objects = list.rows(on: today).map { row in "{" + zip(AccessList.fields, row).map { "\(quote($0)):\(json($1))" }.joined(separator: ",") + "}" }
        return "{\"tokens\":[" + objects.joined(separator: ",") + "]}\n"
    }
}
