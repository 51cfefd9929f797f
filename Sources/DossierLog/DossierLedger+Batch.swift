public import DossierDomain
public import EventLog

extension DossierLedger {
    /// Appends a batch of events atomically after checking each as an import would (events.md
    /// rules 1–7), each against its dossier as the stored events and the batch's earlier events
    /// leave it; every dossier must still be at the version checked when the batch is written
    /// (a concurrent append refuses the whole batch: check again and retry). An event stored
    /// already with the same content is an idempotent repeat, counted and not stored again.
    ///
    /// - Parameters:
    ///   - rules: the catalogs to check against (default: those recorded).
    ///   - expected: versions a dossier must be at before the batch (0: not yet stored).
    /// - Throws: ``EventRejection`` naming the event (with its line when `lines` gives it),
    ///   ``EventStoreError`` `.wrongExpectedVersion` or `.idConflict`.
    @discardableResult
    public func append(batch events: [DossierEvent], lines: [Int]? = nil, rules: DomainRules? = nil, expected: [String: StreamVersion] = [:]) async throws -> AppendResult {
        let rules = if let rules { rules } else { try await self.rules() }
        var dossiers: [String: (replay: DossierReplay, version: StreamVersion, events: [ProposedEvent])] = [:]
        var order: [String] = []
        var seen = Set<String>(), duplicates = 0
        for (index, event) in events.enumerated() {
            do {
                guard seen.insert(event.id).inserted else {
                    throw EventRejection(eventID: event.id, field: "id", rule: "appears twice in the batch")
                }
                let (stream, proposed) = try Records.proposed(event)
                if let stored = try await store.event(id: proposed.id) {
                    guard stored.stream == stream, stored.type == proposed.type, stored.payload == proposed.payload else {
                        throw EventStoreError(.idConflict, "an event with id \(event.id) is already stored (seq \(stored.position)) with other content; ids never change meaning")
                    }
                    duplicates += 1
                    continue
                }
                try timeGuard.check(event)
                try CatalogChecks.check(event, against: rules.catalog)
                if dossiers[event.dossier] == nil {
                    let (replay, version) = try await storedReplay(of: stream, rules: rules)
                    if let wanted = expected[event.dossier], wanted != version {
                        throw EventStoreError.wrongExpectedVersion(stream, expected: .exact(wanted), actual: version)
                    }
                    dossiers[event.dossier] = (replay, version, [])
                    order.append(event.dossier)
                }
                try dossiers[event.dossier]?.replay.apply(event, rules: rules)
                dossiers[event.dossier]?.events.append(proposed)
            } catch var rejection as EventRejection {
                rejection.line = lines?[index]
                throw rejection
            }
        }
        let batch = try order.compactMap { dossier -> StreamAppend? in
            guard let entry = dossiers[dossier] else { return nil }
            return StreamAppend(stream: try StreamID(dossier), expected: .exact(entry.version), events: entry.events)
        }
        guard !batch.isEmpty else { return AppendResult(positions: nil, duplicates: duplicates, streamVersions: [:]) }
        let result = try await store.append(batch)
        return AppendResult(positions: result.positions, duplicates: result.duplicates + duplicates, streamVersions: result.streamVersions)
    }
}
