public import DossierDomain
public import EventLog

/// What the log holds at one position: a dossier event, or a catalog entry.
public enum LoggedItem: Sendable, Hashable {
    case dossier(DossierEvent)
    case catalog(CatalogEntry)
}

/// Conversions between the domain's events and the store's records.
public enum Records: Sendable {
    /// A dossier event as the store appends it: stream = dossier code, type = wire name,
    /// payload = the canonical binary payload.
    public static func proposed(_ event: DossierEvent) throws -> (StreamID, ProposedEvent) {
        (try StreamID(event.dossier),
         try ProposedEvent(id: EventID(event.id), type: event.type.wireName, payload: event.encodedPayload()))
    }

    /// A catalog entry as the store appends it, to the catalog stream.
    public static func proposed(_ entry: CatalogEntry) throws -> (StreamID, ProposedEvent) {
        (try StreamID(CatalogEntry.stream),
         try ProposedEvent(id: EventID(entry.id), type: entry.wireName, payload: Array(entry.json.utf8)))
    }

    /// Decodes a stored record.
    /// - Throws: ``PayloadError`` or ``CatalogError`` when it does not decode.
    public static func decode(_ record: RecordedEvent) throws -> LoggedItem {
        if record.stream.name == CatalogEntry.stream {
            guard let kind = CatalogEntry.Kind(wireName: record.type) else {
                throw CatalogError("seq \(record.position): unknown catalog type \(record.type)")
            }
            return .catalog(try CatalogEntry.parse(json: String(decoding: record.payload, as: UTF8.self), kind: kind))
        }
        return .dossier(try record.payload.withUnsafeBytes { bytes in
            try DossierEvent(id: record.id.value, dossier: record.stream.name, wireName: record.type, payload: bytes)
        })
    }

    /// The export fields of a record; with `previous`, the hash of the event before it.
    public static func exported(_ record: RecordedEvent, previous: EventHash? = nil) -> ExportedFields {
        ExportedFields(seq: record.position.rawValue, version: record.version.rawValue,
                       recorded: Instant(microsecondsSinceEpoch: record.recorded.rawValue), hash: record.hash.hex,
                       previousHash: previous?.hex)
    }

    /// The replica fields a line carries, for the store to reproduce.
    static func replica(_ exported: ExportedFields, line: Int, id: String) throws(EventRejection) -> ReplicaFields {
        guard let hash = EventHash(hex: exported.hash) else {
            throw EventRejection(line: line, eventID: id, field: "hash", rule: "must be 64 hexadecimal digits")
        }
        return ReplicaFields(position: GlobalPosition(exported.seq), version: StreamVersion(exported.version),
                             recorded: RecordedTime(rawValue: exported.recorded.microseconds), hash: hash)
    }
}
