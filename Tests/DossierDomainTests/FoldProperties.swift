import DossierDomain
import PropertyBased
import Testing

/// A random but valid history of one dossier, from a seed.
func arbitraryStory(_ seed: UInt64) -> [DossierEvent] {
    var rng = SplitMix(state: seed)
    var story = Story()
    var at = t("2025-01-02 07:00") + Int64.random(in: 0...(300 * 86_400_000_000), using: &rng)
    func later() -> String {
        at = at + Int64.random(in: 60_000_000...(3 * 86_400_000_000), using: &rng)
        let local = at.localMicrosecondOfDay / 60_000_000
        return "\(at.localDate) \(pad2(local / 60)):\(pad2(local % 60))"
    }
    story.received(later(), ["P3WD", "PSAME", "P15CD", "P4H"].randomElement(using: &rng)!)
    var waiting = false
    for _ in 0..<Int.random(in: 0...8, using: &rng) {
        switch Int.random(in: 0...3, using: &rng) {
        case 0 where !waiting: story.forwarded(later(), to: "cv.\(Int.random(in: 1...3, using: &rng))", hours: Bool.random(using: &rng) ? 8 : nil)
        case 1 where !waiting: story.requested(later()); waiting = true
        case 2 where waiting: story.supplied(later()); waiting = false
        case 3: story.apology(later(), newDue: "2026-06-30 17:00")
        case 2 where !waiting:
            story.add(later(), .deadlineMissed(DeadlineMissed(due: at + -3_600_000_000, holderUnit: "TP", holderActor: "cv.1")), actor: "system", unit: "TP")
        default: break
        }
    }
    if waiting { story.supplied(later()) }
    if Bool.random(using: &rng) { story.processed(later()) }
    if Bool.random(using: &rng) {
        story.add(later(), .feedback(Feedback(rating: .dissatisfied, complaint: true, aboutActor: "cv.1")), actor: "citizen")
        story.add(later(), .homeSupportVisit(HomeSupportVisit(purpose: .deliver, minutes: 45)), actor: "cv.1")
    }
    return story.events
}

private func pad2(_ v: Int64) -> String { v < 10 ? "0\(v)" : "\(v)" }

struct FoldProperties {
    @Test("the fold is deterministic, and folding in two parts equals folding at once")
    func incrementalEqualsWhole() async {
        await propertyCheck(count: 200, input: Gen.uint64(in: 0...UInt64.max), Gen.int(in: 0...20)) { seed, cut in
            let events = arbitraryStory(seed)
            let whole = try DossierState.fold(events, rules: rules)
            #expect(try DossierState.fold(events, rules: rules) == whole)
            var parts = try #require(try DossierState.fold(events.prefix(max(1, cut % events.count + 1)), rules: rules))
            for event in events.dropFirst(max(1, cut % events.count + 1)) { try parts.apply(event, rules: rules) }
            #expect(parts == whole)
        }
    }

    @Test("a state decodes to itself after every event, and encodes to the same bytes again")
    func stateRoundTrips() async {
        await propertyCheck(count: 200, input: Gen.uint64(in: 0...UInt64.max)) { seed in
            var state: DossierState?
            for event in arbitraryStory(seed) {
                var next = state ?? DossierState(dossier: event.dossier)
                try next.apply(event, rules: rules)
                let bytes = next.encoded()
                let decoded = try bytes.withUnsafeBytes { try DossierState(decoding: $0) }
                #expect(decoded == next)
                #expect(decoded.encoded() == bytes)
                state = next
            }
        }
    }

    @Test("truncated state bytes are refused, never a crash")
    func stateRejectsDamage() async {
        await propertyCheck(count: 200, input: Gen.uint64(in: 0...UInt64.max), Gen.int(in: 0...10_000)) { seed, cut in
            let state = try #require(try DossierState.fold(arbitraryStory(seed), rules: rules))
            let bytes = state.encoded()
            let truncated = Array(bytes.prefix(cut % bytes.count))
            #expect(throws: PayloadError.self) { try truncated.withUnsafeBytes { try DossierState(decoding: $0) } }
        }
    }

    @Test("a finished dossier has exactly one class; an open one is in time or overdue, and waiting only in time")
    func standingIsConsistent() async {
        await propertyCheck(count: 200, input: Gen.uint64(in: 0...UInt64.max)) { seed in
            let state = try #require(try DossierState.fold(arbitraryStory(seed), rules: rules))
            let report = t("2026-06-30 00:00")
            switch state.standing(at: report) {
            case .finished(let c): #expect(state.isFinished && state.onTimeClass() == c)
            case .open(let overdue, let waiting): #expect(!state.isFinished && !(overdue && waiting))
            case .unknown: Issue.record("every story's procedure is in the catalog")
            }
        }
    }
}

/// An arbitrary story with wrong entries inserted and voided right away (a forward to the wrong
/// officer where one is allowed, and a `processed` by mistake at the end of an open dossier):
/// the corrected log, and how many corrections it holds.
func arbitraryCorrectedStory(_ seed: UInt64) throws -> (events: [DossierEvent], corrections: Int) {
    var rng = SplitMix(state: seed ^ 0x5eed)
    let original = arbitraryStory(seed)
    var events: [DossierEvent] = []
    var corrections = 0
    var replay = DossierReplay(dossier: original[0].dossier)
    func add(_ event: DossierEvent) throws {
        try replay.apply(event, rules: rules)
        events.append(event)
    }
    func wrong(_ body: EventBody, at: Instant, actor: String) throws {
        let id = "w\(events.count)"
        try add(DossierEvent(id: id, dossier: original[0].dossier, at: at, actor: actor, unit: "TP", body: body))
        try add(DossierEvent(id: "v\(events.count)", dossier: original[0].dossier, at: at, actor: actor, unit: "TP",
                             body: .voided(Voided(target: id, reason: "recorded by mistake"))))
        corrections += 1
    }
    for event in original {
        try add(event)
        let state = replay.state
        if state.receipt != nil, !state.isFinished, !state.isWaiting, state.status != .returned, Int.random(in: 0...2, using: &rng) == 0 {
            try wrong(.forwarded(Forwarded(toUnit: "TP", toActor: "cv.wrong", stepHours: 4)), at: event.at, actor: "cv.9")
        }
    }
    if let last = events.last, replay.state.receipt != nil, !replay.state.isFinished, !replay.state.isWaiting {
        try wrong(.processed(Processed(outcome: .refused)), at: last.at, actor: "cv.9")
    }
    return (events, corrections)
}

struct CorrectionProperties {
    @Test("a log with corrections folds to the state of its effective events; the corrections are kept; the state round-trips")
    func correctedEqualsEffective() async {
        await propertyCheck(count: 200, input: Gen.uint64(in: 0...UInt64.max)) { seed in
            let original = arbitraryStory(seed)
            let (corrected, corrections) = try arbitraryCorrectedStory(seed)
            let plain = try #require(try DossierState.fold(original, rules: rules))
            let state = try #require(try DossierState.fold(corrected, rules: rules))
            #expect(state.receipt == plain.receipt && state.dues == plain.dues && state.steps == plain.steps)
            #expect(state.apologies == plain.apologies && state.supplements == plain.supplements && state.finish == plain.finish)
            #expect(state.returnedAt == plain.returnedAt && state.recordedMisses == plain.recordedMisses)
            #expect(state.feedback == plain.feedback && state.visits == plain.visits)
            #expect(state.status == plain.status && state.lastAt == plain.lastAt && state.lifecycle.effectiveCount == plain.lifecycle.effectiveCount)
            #expect(state.voids.count == corrections && state.version == plain.version + 2 * corrections)
            #expect(state.voids.allSatisfy { $0.targetActor == "cv.9" })
            let bytes = state.encoded()
            #expect(try bytes.withUnsafeBytes { try DossierState(decoding: $0) } == state)
            // Folding the corrected log in two parts through a replay gives the same state.
            let cut = corrected.count / 2
            var replay = DossierReplay(dossier: corrected[0].dossier)
            for event in corrected.prefix(cut) { try replay.apply(event, rules: rules) }
            for event in corrected.dropFirst(cut) { try replay.apply(event, rules: rules) }
            #expect(replay.state == state)
        }
    }
}
