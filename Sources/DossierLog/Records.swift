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
        (try StreamID(entry.stream),
         try ProposedEvent(id: EventID(entry.id), type: entry.wireName, payload: Array(entry.json.utf8)))
    }

    /// Decodes a stored record.
    /// - Throws: ``PayloadError`` or ``CatalogError`` when it does not decode.
    public static func decode(_ record: RecordedEvent) throws -> LoggedItem {
        try record.payload.withUnsafeBytes { payload in
            try decode(id: record.id.value, stream: record.stream.name, type: record.type, payload: payload, at: record.position)
        }
    }

    /// Decodes a stored record in place.
    /// - Throws: ``PayloadError`` or ``CatalogError`` when it does not decode.
    public static func decode(_ record: borrowing RecordView) throws -> LoggedItem {
        try decode(id: record.idValue, stream: record.streamName, type: record.type, payload: record.payloadBytes, at: record.position)
    }

    // Not inlined: Swift 6.3 crashed splitting the async `DossierLedger.rules(through:)` with it inlined.
    @inline(never)
    private static func decode(id: String, stream: String, type: String, payload: UnsafeRawBufferPointer,
                               at position: GlobalPosition) throws -> LoggedItem {
        if stream == CatalogEntry.stream || stream == CatalogEntry.accessStream {
            guard let kind = CatalogEntry.Kind(wireName: type) else {
                throw CatalogError("seq \(position): unknown catalog type \(type)")
            }
            let entry = try CatalogEntry.parse(json: String(decoding: payload, as: UTF8.self), kind: kind)
            guard entry.stream == stream else { throw CatalogError("seq \(position): \(type) is not an entry of \(stream)") }
            return .catalog(entry)
        }
        return .dossier(try DossierEvent(id: id, dossier: stream, wireName: type, payload: payload))
    }

    /// The export fields of a record at `position`; with `previous`, the hash of the event before it.
    static func exported(_ position: GlobalPosition, _ version: StreamVersion, _ recorded: RecordedTime, _ hash: EventHash,
                         previous: EventHash?) -> ExportedFields {
        ExportedFields(seq: position.rawValue, version: version.rawValue, recorded: Instant(microsecondsSinceEpoch: recorded.rawValue),
                       hash: hash.hex, previousHash: previous?.hex)
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
