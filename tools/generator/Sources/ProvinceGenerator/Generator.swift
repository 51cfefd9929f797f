public import DossierDomain

/// Generates the demo province's dossiers, deterministically from a seed: every event in time
/// order, each dossier's story valid under events.md, events after `end` left out (the dossiers
/// still open then).
///
/// What it draws (indicators.md and the demo): online receipt rising from about 30% to
/// 70% over 2024–2026, postal a few percent; scribe, kiosk, mobile and home-visit assists;
/// custody chains of one to four forwards with step hours; supplements on about 10% (some twice,
/// some requested late); about 1–8% late by unit, most with an apology (some too late, a few
/// repeated); withdrawn and stopped dossiers; feedback with a few complaints; home-support visits.
public struct ProvinceGenerator: Sendable {
    public struct Options: Sendable {
        public var seed: UInt64
        public var dossiers: Int
        public var first: LocalDate
        /// Events after this instant are not emitted.
        public var end: Instant
        /// The share of dossiers with a correction: a fifth created by mistake, half a forward to
        /// the wrong unit undone and redone, the rest a `processed` recorded by mistake.
        public var corrections: Double

        public init(seed: UInt64 = 1, dossiers: Int = 200_000, first: LocalDate = LocalDate(year: 2024, month: 1, day: 2),
                    end: Instant = Instant(localDate: LocalDate(year: 2026, month: 11, day: 27), microsecondOfDay: 17 * 3_600_000_000),
                    corrections: Double = 0.005) {
            self.seed = seed
            self.dossiers = dossiers
            self.first = first
            self.end = end
            self.corrections = corrections
        }
    }

    public let province: Province
    public let options: Options
    let rules: DomainRules

    public init(province: Province = Province(), options: Options) {
        self.province = province
        self.options = options
        rules = province.rules
    }

    /// Calls `emit` with every event in time order (ties in generation order) and returns how
    /// many dossiers and events it made.
    @discardableResult
    public func generate(_ emit: (DossierEvent) throws -> Void) throws -> (dossiers: Int, events: Int) {
        var rng = SplitMix(state: options.seed)
        let days = (options.first.daysSinceEpoch...options.end.localDate.daysSinceEpoch).map(LocalDate.init(daysSinceEpoch:))
        let schedule = rules.schedule(for: "H19")
        let weights = days.map { day -> Double in ((try? schedule.isWorkingDay(day)) ?? false) ? 1 : 0.08 }
        let totalWeight = weights.reduce(0, +)
        var pending: [Int: [DossierEvent]] = [:]  // by local day
        var cumulative = 0.0, made = 0, events = 0
        var sequence: [String: Int] = [:]
        for (index, day) in days.enumerated() {
            cumulative += weights[index]
            let target = Int((Double(options.dossiers) * cumulative / totalWeight).rounded())
            let isWorkingDay = weights[index] == 1
            for _ in made..<target {
                for event in story(on: day, workingDay: isWorkingDay, sequence: &sequence, &rng) where event.at <= options.end {
                    pending[event.at.localDate.daysSinceEpoch, default: []].append(event)
                }
            }
            made = max(made, target)
            if let today = pending.removeValue(forKey: day.daysSinceEpoch) {
                for event in today.enumerated().sorted(by: { ($0.element.at, $0.offset) < ($1.element.at, $1.offset) }) {
                    try emit(event.element)
                    events += 1
                }
            }
        }
        return (made, events)
    }

    // MARK: One dossier

    private func story(on day: LocalDate, workingDay: Bool, sequence: inout [String: Int], _ rng: inout SplitMix) -> [DossierEvent] {
        var b = StoryBuilder(rules: rules, end: options.end)
        let procedure = pickProcedure(&rng)
        guard let route = province.routes[procedure.code] else { return [] }
        let reorganised = day > Province.districtsEnd
        let commune = Province.communes.randomElement(using: &rng) ?? "H19.X01"
        let district = Province.districts.randomElement(using: &rng) ?? "H19.17"
        let (receiving, competent, handlers): (String, String, [String]) = switch route {
        case .commune: (commune, commune, province.officers(of: commune, prefix: "cv"))
        case .district where reorganised: (commune, commune, province.officers(of: commune, prefix: "cv"))
        case .district(let department): (district + ".MC", district + "." + department, province.officers(of: district + "." + department, prefix: "cv"))
        case .province(let department): ("H19.TTHCC", department, province.officers(of: department, prefix: "cv"))
        }
        let receivers = province.officers(of: receiving, prefix: "cb")
        let receiver = receivers.randomElement(using: &rng) ?? "cb.unknown"
        let schedule = rules.schedule(for: receiving)

        // Channel: online share rises linearly from 30% (2024-01-01) to 70% (2026-12-31).
        let progress = Double(day.daysSinceEpoch - LocalDate(year: 2024, month: 1, day: 1).daysSinceEpoch) / 1095
        let roll = Double.random(in: 0..<1, using: &rng)
        let channel: Channel = !workingDay || roll < 0.30 + 0.40 * progress ? .online : roll < 0.30 + 0.40 * progress + 0.03 ? .postal : .direct
        let office = "000.00.\(officeNumber(receiving)).H19"
        let yymmdd = String(day.description.filter { $0 != "-" }.dropFirst(2))
        let number = sequence[office + yymmdd, default: 0] + 1
        sequence[office + yymmdd] = number
        let code = "\(office)-\(yymmdd)-\(number < 1000 ? String(String(number + 10_000).dropFirst()) : String(number))"
        b.dossier = code

        // Receipt: in office hours; an online submission outside them is received at the next opening.
        var submitted: Instant?
        var at: Instant
        let minuteOfDay = Int64.random(in: (6 * 60)...(22 * 60), using: &rng)
        let raw = Instant(localDate: day, microsecondOfDay: minuteOfDay * minute)
        if channel == .online {
            submitted = raw
            // The next working moment (advancing by zero would stay on a closed day).
            guard let opened = b.advance(raw, by: minute, in: schedule).map({ $0 + -minute }) else { return [] }
            at = opened + Int64.random(in: 5...90, using: &rng) * minute
        } else {
            at = Instant(localDate: day, microsecondOfDay: Int64.random(in: (7 * 60 + 30)...(16 * 60 + 40), using: &rng) * minute)
            if at.localMicrosecondOfDay >= 11 * hour + 30 * minute && at.localMicrosecondOfDay < 13 * hour + 30 * minute { at = at + 2 * hour }
        }
        if let s = submitted, s > at { submitted = at }
        var assist: Assist = .none
        let assistRoll = Double.random(in: 0..<1, using: &rng)
        if channel == .direct {
            assist = assistRoll < 0.03 ? .scribe : assistRoll < 0.045 ? .homeVisit : assistRoll < 0.065 ? .kiosk : .none
        } else if channel == .online, assistRoll < 0.03 {
            assist = .mobile
        }
        if channel == .direct && assist == .none && Double.random(in: 0..<1, using: &rng) < 0.01 {
            // An officer guided the applicant at home earlier that day.
            let guided = max(Instant(localDate: day, microsecondOfDay: 7 * hour), at + -90 * minute)
            b.add(guided, receiver, receiving, .homeSupportVisit(HomeSupportVisit(purpose: .guidance, minutes: Int.random(in: 15...45, using: &rng))))
        }
        if assist == .homeVisit {
            b.add(at + -20 * minute, receiver, receiving, .homeSupportVisit(HomeSupportVisit(purpose: .receive, minutes: Int.random(in: 30...90, using: &rng))))
        }
        b.add(at, receiver, receiving, .received(Received(
            procedure: procedure.code, channel: channel, onlineLevel: channel == .online ? (Double.random(in: 0..<1, using: &rng) < 0.4 + 0.5 * progress ? .full : .partial) : nil,
            assist: assist == .none ? nil : assist, competentUnit: competent == receiving ? nil : competent, submitted: submitted)))
        guard var due = try? schedule.due(from: at, limit: procedure.limit), let budget = try? schedule.workingTime(from: at, to: due) else { return b.events }
        // Corrections (events.md, "Corrections"), on options.corrections of the dossiers (0.5%):
        // a dossier created by mistake, a forward to the wrong unit undone and redone, a
        // `processed` recorded by mistake (in the proportions 2 : 5 : 3).
        let correction = Double.random(in: 0..<1, using: &rng) / max(options.corrections, 1e-9)
        if correction < 0.2 {
            b.add(at + Int64.random(in: 5...40, using: &rng) * minute, receiver, receiving,
                  .voided(Voided(target: b.events.last?.id ?? "", reason: "Tạo trùng hồ sơ (created twice by mistake)")))
            return b.events
        }

        // Custody: the desk forwards within its step (before 15:00 the same day), then handlers.
        let quick = budget <= 8 * hour
        let forwards = quick ? 1 : Int.random(in: 1...4, using: &rng)
        let chain = (0..<forwards).map { _ in handlers.randomElement(using: &rng) ?? "cv.unknown" }
        let lateRate = lateRate(of: competent)
        let late = Double.random(in: 0..<1, using: &rng) < lateRate
        let stopped = Double.random(in: 0..<1, using: &rng) < 0.007
        guard var t = b.advance(at, by: Int64.random(in: 10...min(180, max(10, budget / minute / 3)), using: &rng) * minute, in: schedule) else { return b.events }
        let stepShare = max(1, Double(budget) / Double(hour) * 0.8 / Double(forwards))
        if correction >= 0.2 && correction < 0.7 {
            let wrong = reorganised ? Province.communes.filter { $0 != competent }.randomElement(using: &rng) ?? "H19.X01"
                : competent == "H19.STNMT" ? "H19.SKHDT" : "H19.STNMT"
            b.add(t, receiver, receiving, .forwarded(Forwarded(toUnit: wrong, toActor: province.officers(of: wrong, prefix: "cv").first,
                                                               stepHours: stepShare.rounded(.up))))
            t = t + Int64.random(in: 5...30, using: &rng) * minute
            b.add(t, receiver, receiving, .voided(Voided(target: b.events.last?.id ?? "", reason: "Chuyển nhầm đơn vị (forwarded to the wrong unit)")))
            t = t + minute
        }
        b.add(t, receiver, receiving, .forwarded(Forwarded(toUnit: competent, toActor: chain[0], stepHours: stepShare.rounded(.up))))
        var holder = chain[0]

        // Supplements: about 10% of dossiers with a limit of days; a fifth of them twice.
        if !quick && Double.random(in: 0..<1, using: &rng) < 0.10 {
            for round in 0..<(Double.random(in: 0..<1, using: &rng) < 0.2 ? 2 : 1) {
                // The law allows 3 working days after receipt; about 15% of first requests come later.
                let asked: Instant?
                if round == 0 {
                    let delay = Double.random(in: 0..<1, using: &rng) < 0.15 ? Int64.random(in: 25...40, using: &rng) : Int64.random(in: 1...20, using: &rng)
                    asked = b.advance(at, by: delay * hour, in: schedule).map { max($0, t + minute) }
                } else {
                    asked = b.advance(t, by: Int64.random(in: 4...16, using: &rng) * hour, in: schedule)
                }
                guard let asked else { return b.events }
                t = asked
                b.add(t, holder, competent, .supplementRequested(SupplementRequested(reason: "Thiếu bản sao giấy tờ", items: ["CCCD"])))
                if Double.random(in: 0..<1, using: &rng) < 0.04 {
                    b.add(t + Int64.random(in: 1...6, using: &rng) * day1, "citizen", receiving, .withdrawn)
                    return b.events
                }
                t = t + Int64.random(in: 1...10, using: &rng) * day1
                guard let back = b.advance(t, by: minute, in: schedule).map({ $0 + -minute }) else { return b.events }
                t = back + Int64.random(in: 5...60, using: &rng) * minute
                b.add(t, "citizen", receiving, .supplementReceived)
                guard let restarted = try? schedule.due(from: t, limit: procedure.limit) else { return b.events }
                due = restarted
            }
        }

        // The finish: most inside the limit, the late ones 1–40 working hours after the due.
        let remaining = max(hour, (try? schedule.workingTime(from: t, to: due)) ?? hour)
        let finishOffset = late ? remaining + Int64.random(in: 1...40, using: &rng) * hour
            : Int64(Double(remaining) * Double.random(in: 0.15...0.95, using: &rng))
        guard let finish = b.advance(t, by: max(minute, finishOffset), in: schedule) else { return b.events }
        for (index, officer) in chain.enumerated().dropFirst() {
            let span = Double((try? schedule.workingTime(from: t, to: finish)) ?? 0)
            let share = Int64(span * Double(index) / Double(forwards))
            guard let moment = b.advance(t, by: max(minute, share), in: schedule), moment < finish else { break }
            b.add(moment, holder, competent, .forwarded(Forwarded(toUnit: competent, toActor: officer, stepHours: stepShare.rounded(.up))))
            holder = officer
        }

        // Apologies on most late dossiers: in time (the working day before the due), some too
        // late, a few a second time.
        if late && Double.random(in: 0..<1, using: &rng) < 0.85 {
            let tooLate = Double.random(in: 0..<1, using: &rng) < 0.2
            // In time: 09:00 four days before the due's date, before the closing of the working day before it.
            var issued = tooLate ? due + Int64.random(in: 10...120, using: &rng) * minute
                : Instant(localDate: due.localDate + -4, microsecondOfDay: 9 * hour)
            issued = max(issued, t + minute)
            if issued < finish {
                b.add(issued, holder, competent, .apologyIssued(ApologyIssued(newDue: finish + 2 * hour, reason: "Hồ sơ phức tạp, cần xác minh")))
                if Double.random(in: 0..<1, using: &rng) < 0.1, issued + hour < finish {
                    b.add(issued + hour, holder, competent, .apologyIssued(ApologyIssued(newDue: finish + day1, reason: "Chờ ý kiến cơ quan liên quan")))
                }
            }
        }
        if !stopped && correction >= 0.7 && correction < 1 {
            b.add(finish + -90 * minute, holder, competent, .processed(Processed(outcome: .approved)))
            b.add(finish + -80 * minute, holder, competent, .voided(Voided(target: b.events.last?.id ?? "", reason: "Ghi nhầm kết quả (recorded by mistake)")))
        }
        if stopped {
            b.add(finish, holder, competent, .stopped(Stopped(reason: "Không đủ điều kiện giải quyết")))
        } else {
            b.add(finish, holder, competent, .processed(Processed(outcome: Double.random(in: 0..<1, using: &rng) < 0.97 ? .approved : .refused)))
        }
        guard Double.random(in: 0..<1, using: &rng) < 0.92,
              let returned = b.advance(finish + Int64.random(in: 0...3, using: &rng) * day1, by: 30 * minute, in: schedule) else { return b.events }
        let via: ReturnChannel = channel == .online ? .online : channel == .postal ? .postal : .desk
        b.add(returned, receiver, receiving, .returned(Returned(via: via)))
        if assist == .homeVisit {
            b.add(returned + 10 * minute, receiver, receiving, .homeSupportVisit(HomeSupportVisit(purpose: .deliver, minutes: Int.random(in: 20...60, using: &rng))))
        }
        if Double.random(in: 0..<1, using: &rng) < 0.12 {
            let roll = Double.random(in: 0..<1, using: &rng)
            let rating: Rating = roll < 0.86 ? .satisfied : roll < 0.95 ? .neutral : .dissatisfied
            let complaint = Double.random(in: 0..<1, using: &rng) < (rating == .dissatisfied ? 0.3 : 0.002)
            b.add(returned + Int64.random(in: 1...(5 * 24 * 60), using: &rng) * minute, "citizen", receiving,
                  .feedback(Feedback(rating: rating, complaint: complaint ? true : nil, aboutActor: complaint ? holder : nil)))
        }
        return b.events
    }

    private func pickProcedure(_ rng: inout SplitMix) -> Procedure {
        // Civil status and certification (the commune procedures) are about half the volume.
        let communal = province.procedures.filter { if case .commune = province.routes[$0.code] { true } else { false } }
        let others = province.procedures.filter { if case .commune = province.routes[$0.code] { false } else { true } }
        let pool = Bool.random(using: &rng) ? communal : others
        return pool.randomElement(using: &rng) ?? province.procedures[0]
    }

    /// Late rates vary by unit, 1–8%.
    private func lateRate(of unit: String) -> Double {
        let spread = Double(fnv(unit) % 8) / 100
        return 0.01 + spread
    }

    private func officeNumber(_ unit: String) -> String {
        String(10 + fnv(unit) % 89)
    }

    private func fnv(_ text: String) -> UInt64 {
        text.utf8.reduce(0xcbf2_9ce4_8422_2325) { ($0 ^ UInt64($1)) &* 0x100_0000_01b3 }
    }
}

let minute: Int64 = 60_000_000
let hour: Int64 = 60 * minute
let day1: Int64 = 24 * hour

/// One dossier's events as they are made; ids `<dossier>:<n>`.
struct StoryBuilder {
    let rules: DomainRules
    let end: Instant
    var dossier = ""
    var events: [DossierEvent] = []

    /// Adds an event; a unit abolished by then (a district after 2025-06-30) is replaced by its
    /// successor, as the desk that inherited the dossier would record it.
    mutating func add(_ at: Instant, _ actor: String, _ unit: String, _ body: EventBody) {
        let at = max(at, events.last?.at ?? at)  // never back in time within a dossier
        let date = at.localDate
        var body = body
        switch body {
        case .forwarded(var f):
            f.toUnit = rules.catalog.successor(of: f.toUnit, on: date)
            body = .forwarded(f)
        case .received(var r):
            r.competentUnit = r.competentUnit.map { rules.catalog.successor(of: $0, on: date) }
            if r.competentUnit == rules.catalog.successor(of: unit, on: date) { r.competentUnit = nil }
            body = .received(r)
        default:
            break
        }
        events.append(DossierEvent(id: "\(dossier):\(events.count + 1)", dossier: dossier, at: at, actor: actor,
                                   unit: rules.catalog.successor(of: unit, on: date), body: body))
    }

    /// `advance` in the unit's schedule, nil past the calendar (those events are after `end` anyway).
    func advance(_ start: Instant, by amount: Int64, in schedule: WorkSchedule) -> Instant? {
        try? schedule.advance(start, by: amount)
    }
}

/// A small, fast, seedable generator (SplitMix64), so the same seed gives the same province.
public struct SplitMix: RandomNumberGenerator, Sendable {
    public var state: UInt64
    public init(state: UInt64) { self.state = state }
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
