/// The binary form of a folded state, as projections store it: a cache of the fold, never
/// evidence (the log is). The same state always encodes to the same bytes, so two rebuilds of
/// a projection are byte-identical. Built from the payload primitives (big-endian integers,
/// instants as microseconds, strings with a 16-bit length, optionals with a presence byte);
/// a new layout gets a new ``DossierState/storageFormat`` and projections rebuild.
extension DossierState {
    public static let storageFormat: UInt8 = 2

    public func encoded() -> [UInt8] {
        var w = PayloadWriter()
        w.bytes.reserveCapacity(512)
        w.byte(DossierState.storageFormat)
        w.string(dossier)
        w.uint32(UInt32(lifecycle.version))
        w.uint32(UInt32(lifecycle.effectiveCount))
        w.optional(lifecycle.lastAt) { w, v in w.instant(v) }
        w.choice(lifecycle.status)
        w.byte((lifecycle.isReceived ? 1 : 0) | (lifecycle.isFinished ? 2 : 0))
        w.uint32(UInt32(lifecycle.openRequests))
        w.optional(receipt) { w, r in
            w.instant(r.at); w.string(r.actor); w.string(r.unit); w.string(r.procedure)
            w.choice(r.channel)
            w.optional(r.onlineLevel) { w, v in w.choice(v) }
            w.choice(r.assist)
            w.string(r.competentUnit)
            w.optional(r.limit) { w, limit in
                switch limit {
                case .workingDays(let n): w.byte(0); w.uint64(UInt64(bitPattern: Int64(n)))
                case .calendarDays(let n): w.byte(1); w.uint64(UInt64(bitPattern: Int64(n)))
                case .hours(let h): w.byte(2); w.uint64(h.bitPattern)
                case .sameDay: w.byte(3)
                }
            }
        }
        w.array(dues) { w, d in
            w.instant(d.from)
            w.optional(d.due) { w, v in w.instant(v) }
            w.optional(d.problem) { w, v in w.string(v) }
            w.optional(d.missingYear) { w, v in w.uint32(UInt32(truncatingIfNeeded: v)) }
        }
        w.array(apologies) { w, a in
            w.instant(a.at); w.string(a.actor); w.string(a.unit); w.string(a.responsibleUnit); w.instant(a.newDue)
            w.optional(a.legalDue) { w, v in w.instant(v) }
        }
        w.array(supplements) { w, s in
            w.instant(s.requestedAt); w.string(s.actor); w.string(s.unit)
            w.optional(s.receivedAt) { w, v in w.instant(v) }
        }
        w.array(steps) { w, s in
            w.instant(s.start)
            w.optional(s.holderActor) { w, v in w.string(v) }
            w.string(s.holderUnit)
            w.optional(s.baseDue) { w, v in w.instant(v) }
            w.optional(s.end) { w, v in w.instant(v) }
            w.optional(s.problem) { w, v in w.string(v) }
        }
        w.optional(finish) { w, f in
            w.instant(f.at); w.choice(f.kind); w.instant(f.judgedAt)
            w.optional(f.outcome) { w, v in w.choice(v) }
        }
        w.optional(returnedAt) { w, v in w.instant(v) }
        w.array(recordedMisses) { w, m in
            w.instant(m.due); w.string(m.holderUnit)
            w.optional(m.holderActor) { w, v in w.string(v) }
        }
        w.array(feedback) { w, e in w.event(e) }
        w.array(visits) { w, e in w.event(e) }
        w.array(voids) { w, v in
            w.string(v.id); w.instant(v.at); w.string(v.actor); w.string(v.unit); w.string(v.reason)
            w.string(v.targetID); w.choice(v.targetType); w.instant(v.targetAt); w.string(v.targetActor); w.string(v.targetUnit)
        }
        return w.bytes
    }

    /// Decodes what ``encoded()`` wrote.
    /// - Throws: ``PayloadError`` (its `eventID` names the dossier when known) for bytes that do
    ///   not decode or another storage format.
    public init(decoding bytes: UnsafeRawBufferPointer) throws(PayloadError) {
        var r = PayloadReader(bytes: bytes, eventID: "(dossier state)")
        guard try r.byte() == DossierState.storageFormat else {
            throw PayloadError(eventID: "(dossier state)", reason: "unknown state format; rebuild the projection")
        }
        let dossier = try r.string()
        self.init(dossier: dossier)
        let version = Int(try r.uint32())
        let effectiveCount = Int(try r.uint32())
        let lastAt = try r.optional { r throws(PayloadError) in try r.instant() }
        let status = try r.choice(DossierStatus.self)
        let flags = try r.byte()
        guard flags < 4 else { throw PayloadError(eventID: dossier, reason: "lifecycle flags \(flags)") }
        lifecycle = Lifecycle(version: version, effectiveCount: effectiveCount, lastAt: lastAt, status: status, isReceived: flags & 1 != 0,
                              isFinished: flags & 2 != 0, openRequests: Int(try r.uint32()))
        receipt = try r.optional { r throws(PayloadError) in
            Receipt(at: try r.instant(), actor: try r.string(), unit: try r.string(), procedure: try r.string(),
                    channel: try r.choice(Channel.self),
                    onlineLevel: try r.optional { r throws(PayloadError) in try r.choice(OnlineLevel.self) },
                    assist: try r.choice(Assist.self), competentUnit: try r.string(),
                    limit: try r.optional { r throws(PayloadError) -> Limit in
                        switch try r.byte() {
                        case 0: return .workingDays(Int(Int64(bitPattern: try r.uint64())))
                        case 1: return .calendarDays(Int(Int64(bitPattern: try r.uint64())))
                        case 2: return .hours(Double(bitPattern: try r.uint64()))
                        case 3: return .sameDay
                        default: throw PayloadError(eventID: dossier, reason: "unknown limit kind")
                        }
                    })
        }
        dues = try r.array { r throws(PayloadError) in
            DueInForce(from: try r.instant(), due: try r.optional { r throws(PayloadError) in try r.instant() },
                       problem: try r.optional { r throws(PayloadError) in try r.string() },
                       missingYear: try r.optional { r throws(PayloadError) in Int(try r.uint32()) })
        }
        apologies = try r.array { r throws(PayloadError) in
            ApologyRecord(at: try r.instant(), actor: try r.string(), unit: try r.string(), responsibleUnit: try r.string(),
                          newDue: try r.instant(), legalDue: try r.optional { r throws(PayloadError) in try r.instant() })
        }
        supplements = try r.array { r throws(PayloadError) in
            SupplementWait(requestedAt: try r.instant(), actor: try r.string(), unit: try r.string(),
                           receivedAt: try r.optional { r throws(PayloadError) in try r.instant() })
        }
        steps = try r.array { r throws(PayloadError) in
            Step(start: try r.instant(), holderActor: try r.optional { r throws(PayloadError) in try r.string() },
                 holderUnit: try r.string(), baseDue: try r.optional { r throws(PayloadError) in try r.instant() },
                 end: try r.optional { r throws(PayloadError) in try r.instant() },
                 problem: try r.optional { r throws(PayloadError) in try r.string() })
        }
        finish = try r.optional { r throws(PayloadError) in
            Finish(at: try r.instant(), kind: try r.choice(EventType.self), judgedAt: try r.instant(),
                   outcome: try r.optional { r throws(PayloadError) in try r.choice(Outcome.self) })
        }
        returnedAt = try r.optional { r throws(PayloadError) in try r.instant() }
        recordedMisses = try r.array { r throws(PayloadError) in
            DeadlineMissed(due: try r.instant(), holderUnit: try r.string(),
                           holderActor: try r.optional { r throws(PayloadError) in try r.string() })
        }
        feedback = try r.array { r throws(PayloadError) in try r.event(dossier: dossier) }
        visits = try r.array { r throws(PayloadError) in try r.event(dossier: dossier) }
        voids = try r.array { r throws(PayloadError) in
            VoidRecord(id: try r.string(), at: try r.instant(), actor: try r.string(), unit: try r.string(), reason: try r.string(),
                       targetID: try r.string(), targetType: try r.choice(EventType.self), targetAt: try r.instant(),
                       targetActor: try r.string(), targetUnit: try r.string())
        }
        guard r.atEnd else { throw PayloadError(eventID: dossier, reason: "bytes left after the state") }
    }
}

extension DossierStatus: PayloadChoice { static let ordered = allCases }
extension EventType: PayloadChoice { static let ordered = allCases }

extension PayloadWriter {
    mutating func uint32(_ v: UInt32) { withUnsafeBytes(of: v.bigEndian) { bytes.append(contentsOf: $0) } }
    mutating func array<T>(_ values: [T], _ write: (inout PayloadWriter, T) -> Void) {
        uint32(UInt32(values.count))
        for value in values { write(&self, value) }
    }
    /// An event inside a state: id, type, then its payload with a 32-bit length.
    mutating func event(_ e: DossierEvent) {
        string(e.id)
        choice(e.type)
        let payload = e.encodedPayload()
        uint32(UInt32(payload.count))
        bytes.append(contentsOf: payload)
    }
}

extension PayloadReader {
    mutating func uint32() throws(PayloadError) -> UInt32 {
        var v: UInt32 = 0
        for _ in 0..<4 { v = v << 8 | UInt32(try byte()) }
        return v
    }
    mutating func array<T>(_ read: (inout PayloadReader) throws(PayloadError) -> T) throws(PayloadError) -> [T] {
        let count = Int(try uint32())
        guard count <= bytes.count - offset else { throw PayloadError(eventID: eventID, reason: "count \(count) beyond the bytes left") }
        var values: [T] = []
        values.reserveCapacity(count)
        for _ in 0..<count { values.append(try read(&self)) }
        return values
    }
    mutating func event(dossier: String) throws(PayloadError) -> DossierEvent {
        let id = try string()
        let type = try choice(EventType.self)
        let count = Int(try uint32())
        guard count <= bytes.count - offset else { throw PayloadError(eventID: id, reason: "payload beyond the bytes left") }
        defer { offset += count }
        return try DossierEvent(id: id, dossier: dossier, wireName: type.wireName,
                                payload: UnsafeRawBufferPointer(rebasing: bytes[offset..<(offset + count)]))
    }
}
