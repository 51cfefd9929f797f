import DossierDomain
import Foundation
import Testing

extension Story {
    mutating func voided(_ at: String, target: String, by actor: String = "cb.01", reason: String = "mistake") {
        add(at, .voided(Voided(target: target, reason: reason)), actor: actor)
    }
    mutating func missed(_ at: String, due: String) {
        add(at, .deadlineMissed(DeadlineMissed(due: t(due), holderUnit: "TP", holderActor: "cv.02")), actor: "system", unit: "TP")
    }

    /// The replay's refusal of the last event, after every earlier one was accepted.
    func refusalOfLast() throws -> EventRejection {
        var replay = DossierReplay(dossier: dossier)
        for event in events.dropLast() { try replay.apply(event, rules: rules) }
        let last = try #require(events.last)
        return try #require(throws: EventRejection.self) { try replay.apply(last, rules: rules) }
    }
}

/// events.md, "Corrections" (rule 7): voids at every position the rules allow, and the ones they refuse.
struct CorrectionTests {
    @Test("a dossier's only event voided: it counts nowhere, and a new receipt may follow")
    func onlyEvent() throws {
        var story = Story()
        story.received("2025-03-04 09:12")
        story.voided("2025-03-04 09:30", target: "e1")
        let state = try story.state()
        #expect(state.receipt == nil && state.status == .notReceived)
        #expect(state.version == 2 && state.lifecycle.effectiveCount == 0)
        #expect(state.voids.map(\.targetID) == ["e1"] && state.voids[0].targetActor == "cb.01")
        #expect(try state.outcome(in: try Period.parse("2025-03", cutOff15th: false), rules: rules) == nil)
        story.received("2025-03-04 09:40")  // checked against the empty state: a first receipt again
        #expect(try story.state().receipt?.at == t("2025-03-04 09:40"))
    }

    @Test("a forward to the wrong unit undone and redone: custody and steps are those of the effective events")
    func wrongForward() throws {
        var story = Story()
        story.received("2025-03-04 09:12")
        story.forwarded("2025-03-04 10:00", to: "cv.wrong")
        story.voided("2025-03-04 10:20", target: "e2")
        story.forwarded("2025-03-04 10:05", to: "cv.02")  // may be earlier than the void: compared with the latest effective event
        let state = try story.state()
        #expect(state.steps.map(\.holderActor) == ["cb.01", "cv.02"])
        #expect(state.steps[0].end == t("2025-03-04 10:05"))
        #expect(state.custody(at: t("2025-03-04 10:10"))?.holderActor == "cv.02")
        #expect(state.version == 4)
    }

    @Test("a processed recorded by mistake is voided: the dossier is open again and may be judged overdue")
    func reopen() throws {
        var story = Story()
        story.received("2025-03-04 09:12")                 // due Fri 07/03 09:12
        story.forwarded("2025-03-04 10:00", to: "cv.02")
        story.processed("2025-03-05 10:00")
        story.voided("2025-03-05 10:10", target: "e3", by: "cv.02")
        let state = try story.state()
        #expect(state.finish == nil && state.status == .processing)
        #expect(state.standing(at: t("2025-03-10 09:00")) == .open(overdue: true, waiting: false))
        // As of an instant before the correction, the correction applies too (views use effective events).
        let before = try story.state(through: .instant(t("2025-03-05 10:05")))
        #expect(before.finish == nil)
        // A replay to the version before the correction shows the log as it stood then.
        #expect(try story.state(through: .version(3)).finish != nil)
    }

    @Test("after a sweep: the event before the deadline_missed may be voided, the deadline_missed never")
    func afterSweep() throws {
        var story = Story()
        story.received("2025-03-04 09:12")
        story.forwarded("2025-03-04 10:00", to: "cv.02")
        story.apology("2025-03-06 09:00", newDue: "2025-03-12 09:00")
        story.missed("2025-03-07 17:00", due: "2025-03-07 09:12")
        story.voided("2025-03-07 17:10", target: "e3", by: "cv.02")
        let state = try story.state()
        #expect(state.apologies.isEmpty && state.recordedMisses.count == 1)

        var sweep = Story()
        sweep.received("2025-03-04 09:12")
        sweep.missed("2025-03-07 17:00", due: "2025-03-07 09:12")
        sweep.voided("2025-03-07 17:10", target: "e2")
        #expect(try sweep.refusalOfLast().rule.description.contains("cannot be voided"))
        // Dated before the deadline_missed (the latest effective event other than the target): refused.
        var early = story
        early.events.removeLast()
        early.voided("2025-03-07 16:00", target: "e3", by: "cv.02")
        let refusal = try early.refusalOfLast()
        #expect(refusal.field == "at" && refusal.rule.description.contains("goes back in time"))
    }

    @Test("refused: a void of a void, of an event voided already, of an earlier event, of another dossier's, by citizen, backwards")
    func refusals() throws {
        var story = Story()
        story.received("2025-03-04 09:12")
        story.forwarded("2025-03-04 10:00", to: "cv.02")
        story.voided("2025-03-04 10:20", target: "e2")

        var voidOfVoid = story
        voidOfVoid.voided("2025-03-04 10:30", target: "e3")
        #expect(try voidOfVoid.refusalOfLast().rule.description.contains("a correction cannot be voided"))

        var again = story
        again.voided("2025-03-04 10:30", target: "e2")
        #expect(try again.refusalOfLast().rule.description.contains("voided already"))

        var notLatest = Story()
        notLatest.received("2025-03-04 09:12")
        notLatest.forwarded("2025-03-04 10:00", to: "cv.02")
        notLatest.voided("2025-03-04 10:20", target: "e1")
        let latest = try notLatest.refusalOfLast()
        #expect(latest.field == "target" && latest.rule.description.contains("not the latest effective event") && latest.rule.description.contains("version 2, forwarded"))

        var unknown = story
        unknown.voided("2025-03-04 10:30", target: "x9")
        #expect(try unknown.refusalOfLast().rule.description.contains("has no event x9"))

        var citizen = Story()
        citizen.received("2025-03-04 09:12")
        citizen.voided("2025-03-04 10:20", target: "e1", by: "citizen")
        #expect(try citizen.refusalOfLast().field == "actor")

        var backwards = Story()
        backwards.received("2025-03-04 09:12")
        backwards.forwarded("2025-03-04 10:00", to: "cv.02")
        backwards.voided("2025-03-04 09:00", target: "e2")  // before the receipt, the latest effective event other than its target
        #expect(try backwards.refusalOfLast().field == "at")
        // A void of the target only may be dated before the target itself.
        var beforeTarget = Story()
        beforeTarget.received("2025-03-04 09:12")
        beforeTarget.forwarded("2025-03-04 10:00", to: "cv.02")
        beforeTarget.voided("2025-03-04 09:30", target: "e2")
        #expect(try beforeTarget.state().steps.count == 1)

        var nothing = Story()
        nothing.add("2025-03-04 09:12", .voided(Voided(target: "e0", reason: "?")))
        #expect(try nothing.refusalOfLast().rule.description.contains("has no event e0"))
    }

    @Test("after returned a correction may still follow; the returned itself can be undone")
    func afterReturned() throws {
        var story = Story()
        story.received("2025-03-04 09:12")
        story.processed("2025-03-05 10:00")
        story.add("2025-03-05 11:00", .returned(Returned(via: .desk)))
        story.voided("2025-03-05 11:10", target: "e3")
        let state = try story.state()
        #expect(state.status == .processed && state.returnedAt == nil)
    }

    @Test("the JSON form of a void: target and reason required, an officer as actor, no other fields")
    func parsing() throws {
        let line = #"{"id":"v1","dossier":"D","type":"voided","at":"2025-03-04T10:00:00+07:00","actor":"cb.01","unit":"MC","target":"e2","reason":"wrong unit"}"#
        let parsed = try DossierEvent.parse(line).event
        #expect(parsed.body == .voided(Voided(target: "e2", reason: "wrong unit")))
        #expect(try DossierEvent.parse(parsed.jsonLine()).event == parsed)
        let decoded = try parsed.encodedPayload().withUnsafeBytes { try DossierEvent(id: "v1", dossier: "D", wireName: "dossier.voided.v1", payload: $0) }
        #expect(decoded == parsed)
        for (bad, field) in [(line.replacingOccurrences(of: #","reason":"wrong unit""#, with: ""), "reason"),
                             (line.replacingOccurrences(of: #""target":"e2""#, with: #""target":"e 2""#), "target"),
                             (line.replacingOccurrences(of: #""target":"e2""#, with: #""target":"v1""#), "target"),
                             (line.replacingOccurrences(of: #""actor":"cb.01""#, with: #""actor":"system""#), "actor"),
                             (line.replacingOccurrences(of: #""reason""#, with: #""outcome":"approved","reason""#), "outcome")] {
            #expect(throws: EventRejection.self) { try DossierEvent.parse(bad) }
            #expect((try? DossierEvent.parse(bad)) == nil)
            do { _ = try DossierEvent.parse(bad) } catch { #expect(error.field == field, "\(bad)") }
        }
    }
}
