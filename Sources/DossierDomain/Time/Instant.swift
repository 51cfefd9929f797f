/// An instant, in microseconds since 1970-01-01T00:00:00Z.
///
/// Dossier times are shown in Vietnam's local time, UTC+07:00 all year (no daylight saving):
/// ``localDate`` and ``localMicrosecondOfDay`` give it, ``init(localDate:microsecondOfDay:)``
/// goes back.
public struct Instant: Hashable, Comparable, Sendable, CustomStringConvertible {
    public let microseconds: Int64
    public init(microsecondsSinceEpoch: Int64) { microseconds = microsecondsSinceEpoch }

    /// Vietnam's offset from UTC in microseconds (+07:00).
    public static let localOffset: Int64 = 7 * 3_600_000_000
    public static let microsecondsPerDay: Int64 = 86_400_000_000

    /// The instant at `microsecondOfDay` local time on `localDate`.
    public init(localDate: LocalDate, microsecondOfDay: Int64) {
        microseconds = Int64(localDate.daysSinceEpoch) * Instant.microsecondsPerDay + microsecondOfDay - Instant.localOffset
    }

    /// The local calendar date of this instant.
    public var localDate: LocalDate {
        LocalDate(daysSinceEpoch: Int((microseconds + Instant.localOffset).floorDivided(by: Instant.microsecondsPerDay)))
    }

    /// Microseconds since local midnight.
    public var localMicrosecondOfDay: Int64 {
        (microseconds + Instant.localOffset).floorModulo(Instant.microsecondsPerDay)
    }

    public static func < (a: Instant, b: Instant) -> Bool { a.microseconds < b.microseconds }
    public static func + (a: Instant, d: Int64) -> Instant { Instant(microsecondsSinceEpoch: a.microseconds + d) }
    public static func - (a: Instant, b: Instant) -> Int64 { a.microseconds - b.microseconds }

    /// RFC 3339 in local time, `2025-03-04T09:12:00+07:00`, with six fractional digits only
    /// when the instant has a fraction of a second.
    public var description: String {
        var bytes: [UInt8] = []
        writeRFC3339(utc: false, to: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Appends the instant as RFC 3339: in local time with `+07:00` and six fractional digits
    /// only when it has a fraction (``description``), or in UTC with six fractional digits and
    /// `Z` (``utcDescription``). Digits are written as bytes: exports write millions of them.
    func writeRFC3339(utc: Bool, to bytes: inout [UInt8]) {
        let shifted = microseconds + (utc ? 0 : Instant.localOffset)
        let (year, month, day) = LocalDate(daysSinceEpoch: Int(shifted.floorDivided(by: Instant.microsecondsPerDay))).components
        let micro = shifted.floorModulo(Instant.microsecondsPerDay)
        let seconds = Int(micro / 1_000_000), fraction = Int(micro % 1_000_000)
        func digits(_ value: Int, _ width: Int) {
            var divisor = 1
            for _ in 1..<width { divisor *= 10 }
            var value = value
            if value >= divisor * 10 { bytes.append(contentsOf: String(value).utf8); return }  // a year past 9999
            while divisor > 0 {
                bytes.append(UInt8(ascii: "0") + UInt8(value / divisor))
                value %= divisor
                divisor /= 10
            }
        }
        if year < 0 { bytes.append(contentsOf: String(year).utf8) } else { digits(year, 4) }
        bytes.append(UInt8(ascii: "-"))
        digits(month, 2)
        bytes.append(UInt8(ascii: "-"))
        digits(day, 2)
        bytes.append(UInt8(ascii: "T"))
        digits(seconds / 3600, 2)
        bytes.append(UInt8(ascii: ":"))
        digits(seconds / 60 % 60, 2)
        bytes.append(UInt8(ascii: ":"))
        digits(seconds % 60, 2)
        if utc || fraction != 0 {
            bytes.append(UInt8(ascii: "."))
            digits(fraction, 6)
        }
        let zone: StaticString = utc ? "Z" : "+07:00"
        zone.withUTF8Buffer { bytes.append(contentsOf: $0) }
    }

    /// Parses an RFC 3339 timestamp with seconds and an offset (`Z` or `±HH:MM`), up to six
    /// fractional digits.
    /// - Throws: ``TimestampError`` saying what is wrong.
    public init(rfc3339 text: String) throws(TimestampError) {
        var text = text
        let parsed = text.withUTF8 { bytes in Result { () throws(TimestampError) in try Instant.parse(bytes) } }
        self = try parsed.get()
    }

    /// Parses RFC 3339 from UTF-8 bytes (the JSON reader's fast path).
    public static func parse(_ b: UnsafeBufferPointer<UInt8>) throws(TimestampError) -> Instant {
        func digits(_ at: Int, _ count: Int) throws(TimestampError) -> Int {
            guard at + count <= b.count else { throw .malformed }
            var value = 0
            for i in at..<(at + count) {
                let d = Int(b[i]) - 48
                guard (0...9).contains(d) else { throw .malformed }
                value = value * 10 + d
            }
            return value
        }
        func expect(_ at: Int, _ chars: String) throws(TimestampError) {
            guard at < b.count, chars.utf8.contains(b[at]) else { throw .malformed }
        }
        let year = try digits(0, 4)
        try expect(4, "-")
        let month = try digits(5, 2)
        try expect(7, "-")
        let day = try digits(8, 2)
        try expect(10, "Tt")
        let hour = try digits(11, 2)
        try expect(13, ":")
        let minute = try digits(14, 2)
        guard b.count > 16, b[16] == UInt8(ascii: ":") else { throw .missingSeconds }
        let second = try digits(17, 2)
        var i = 19
        var fraction = 0
        if i < b.count, b[i] == UInt8(ascii: ".") {
            i += 1
            var count = 0
            while i < b.count, (48...57).contains(b[i]) {
                count += 1
                guard count <= 6 else { throw .tooManyFractionDigits }
                fraction = fraction * 10 + Int(b[i]) - 48
                i += 1
            }
            guard count > 0 else { throw .malformed }
            for _ in count..<6 { fraction *= 10 }
        }
        guard i < b.count else { throw .missingOffset }
        var offsetMinutes = 0
        switch b[i] {
        case UInt8(ascii: "Z"), UInt8(ascii: "z"):
            i += 1
        case UInt8(ascii: "+"), UInt8(ascii: "-"):
            let sign = b[i] == UInt8(ascii: "-") ? -1 : 1
            let oh = try digits(i + 1, 2)
            try expect(i + 3, ":")
            let om = try digits(i + 4, 2)
            guard oh <= 23, om <= 59 else { throw .malformed }
            offsetMinutes = sign * (oh * 60 + om)
            i += 6
        default:
            throw .missingOffset
        }
        guard i == b.count else { throw .malformed }
        guard (1...12).contains(month), (1...LocalDate.daysIn(month: month, year: year)).contains(day),
              hour <= 23, minute <= 59, second <= 59 else { throw .outOfRange }
        let date = LocalDate(year: year, month: month, day: day)
        let secondsOfDay = Int64(hour * 3600 + minute * 60 + second) - Int64(offsetMinutes) * 60
        return Instant(microsecondsSinceEpoch: Int64(date.daysSinceEpoch) * Instant.microsecondsPerDay
                       + secondsOfDay * 1_000_000 + Int64(fraction))
    }
}

/// Why a timestamp was refused.
public enum TimestampError: PhrasedError, Sendable, Equatable {
    case malformed, missingSeconds, missingOffset, tooManyFractionDigits, outOfRange

    public var phrase: Phrase {
        switch self {
        case .malformed: "is not an RFC 3339 timestamp such as 2025-03-04T09:12:00+07:00"
        case .missingSeconds: "needs seconds, as in 2025-03-04T09:12:00+07:00"
        case .missingOffset: "needs an offset (+07:00 or Z), as in 2025-03-04T09:12:00+07:00"
        case .tooManyFractionDigits: "has more than 6 fractional digits (microseconds at most)"
        case .outOfRange: "has a month, day, hour, minute or second out of range"
        }
    }
}

func pad(_ value: some BinaryInteger, _ width: Int) -> String {
    pad(String(value), width)
}

func pad(_ digits: String, _ width: Int) -> String {
    return digits.count >= width ? digits : String(repeating: "0", count: width - digits.count) + digits
}

extension Int64 {
    func floorDivided(by d: Int64) -> Int64 {
        let (q, r) = quotientAndRemainder(dividingBy: d)
        return r < 0 ? q - 1 : q
    }

    func floorModulo(_ d: Int64) -> Int64 {
        let r = self % d
        return r < 0 ? r + d : r
    }
}
