public import DossierDomain
public import LedgerLMDB

/// Dossiers received per local day and receiving unit, by channel and online level: the online
/// rate (indicators.md) sums a period's days instead of reading every dossier. A voided
/// `received` is taken off its day again.
///
/// `received`: (local day as 4 big-endian bytes, days since 1970-01-01, sign bit flipped; unit
/// code) -> four big-endian 32-bit counts in ``Counts`` order.
public struct ReceiptCounts: Projection {
    public static let name = "receipts"
    public static let version = 2
    public static let databases = [Database.Specification("received")]

    public let received: Database

    public init(databases: [Database]) { received = databases[0] }

    /// One day's (or a sum of days') receipts.
    public struct Counts: Sendable, Hashable {
        public var direct = 0
        public var postal = 0
        public var onlinePartial = 0
        public var onlineFull = 0

        public init() {}

        public var online: Int { onlinePartial + onlineFull }
        public var total: Int { direct + postal + online }

        public static func + (a: Counts, b: Counts) -> Counts {
            var sum = a
            sum.direct += b.direct; sum.postal += b.postal
            sum.onlinePartial += b.onlinePartial; sum.onlineFull += b.onlineFull
            return sum
        }

        public init(_ bytes: UnsafeRawBufferPointer) {
            func count(_ i: Int) -> Int { Int(BigEndian.load(UInt32.self, from: bytes, at: i * 4) ?? 0) }
            (direct, postal, onlinePartial, onlineFull) = (count(0), count(1), count(2), count(3))
        }

        var bytes: [UInt8] {
            [direct, postal, onlinePartial, onlineFull].flatMap { BigEndian.bytes(UInt32(truncatingIfNeeded: $0)) }
        }
    }

    public static func key(day: LocalDate, unit: String) -> [UInt8] {
        BigEndian.bytes(UInt32(bitPattern: Int32(day.daysSinceEpoch)) ^ (1 << 31)) + Array(unit.utf8)
    }

    public static func day(ofKey key: UnsafeRawBufferPointer) -> (day: Int, unit: String)? {
        guard let raw = BigEndian.load(UInt32.self, from: key, at: 0) else { return nil }
        return (Int(Int32(bitPattern: raw ^ (1 << 31))), String(decoding: key.dropFirst(4), as: UTF8.self))
    }

    public func apply(_ events: [ProjectedEvent], rules: DomainRules, in txn: borrowing WriteTransaction) throws {
        var increments: [[UInt8]: Counts] = [:]
        func count(_ event: DossierEvent, _ sign: Int) {
            guard case .received(let r) = event.body else { return }
            var counts = Counts()
            switch (r.channel, r.onlineLevel) {
            case (.direct, _): counts.direct = sign
            case (.postal, _): counts.postal = sign
            case (.online, .full?): counts.onlineFull = sign
            case (.online, _): counts.onlinePartial = sign
            }
            let key = Self.key(day: event.at.localDate, unit: event.unit)
            increments[key, default: Counts()] = increments[key, default: Counts()] + counts
        }
        for item in events {
            if item.event.type == .voided {
                // A receipt voided (a dossier created by mistake) no longer counts.
                guard case .voided(let void) = item.event.body, (try? item.replayThrough(rules: rules)) != nil,
                      let target = item.earlier?.last(where: { $0.id == void.target }) else { continue }
                count(target, -1)
            } else {
                count(item.event, 1)
            }
        }
        for (key, increment) in increments.sorted(by: { $0.key.lexicographicallyPrecedes($1.key) }) {
            let stored = try key.withUnsafeBytes { k in try txn.withValue(forKey: k, in: received) { Counts($0) } } ?? Counts()
            try txn.put((stored + increment).bytes, forKey: key, in: received)
        }
    }
}
