public import DossierDomain
public import EventLog

extension Language {
    /// A phrase in this language (English: as written; Vietnamese: from ``Phrasebook``).
    public func say(_ phrase: Phrase) -> String {
        switch self {
        case .en: phrase.description
        case .vi: phrase.said { Phrasebook.vietnamese[$0] }
        }
    }

    /// A store error: in Vietnamese, what kind of failure in words, then the store's own detail
    /// (identifiers an operator searches for).
    public func say(_ error: EventStoreError) -> String {
        let detail = error.underlying.map { "\(error.message) (\($0))" } ?? error.message
        guard self == .vi else { return detail }
        if error.code == .wrongExpectedVersion, let stream = error.stream, let expected = error.expected, let actual = error.actual {
            return "hồ sơ \(stream) không ở phiên bản mong đợi (\(expected)): nó đang ở phiên bản \(actual)"
        }
        return (Phrasebook.storeFailures[error.code.name] ?? error.code.name) + ": " + detail
    }

    /// A checkpoint file that cannot be read or used.
    public func say(_ error: CheckpointError) -> String {
        self == .vi ? "điểm kiểm không dùng được: \(error.description)" : error.description
    }
}
