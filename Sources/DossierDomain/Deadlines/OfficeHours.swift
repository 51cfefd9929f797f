/// A unit's office hours: ordered, non-overlapping intervals of local time on each working day.
public struct OfficeHours: Sendable, Hashable, CustomStringConvertible {
    /// Intervals as microseconds since local midnight, `start < end`, ascending.
    public let intervals: [Range<Int64>]

    /// 07:00–11:30 and 13:30–17:00: 8 hours (deadlines.md).
    public static let standard = try! OfficeHours(["07:00", "11:30"], ["13:30", "17:00"])  // fixed, valid data

    /// - Throws: ``OfficeHoursError`` for a malformed time, an empty or reversed interval, or
    ///   intervals out of order or overlapping.
    public init(_ intervals: [String]...) throws(OfficeHoursError) {
        try self.init(pairs: intervals)
    }

    /// From `[["07:00","11:30"],["13:30","17:00"]]`, the unit catalog's form.
    public init(pairs: [[String]]) throws(OfficeHoursError) {
        var ranges: [Range<Int64>] = []
        for pair in pairs {
            guard pair.count == 2 else { throw .init("each interval is [start, end], got \(pair)") }
            let start = try OfficeHours.parse(pair[0]), end = try OfficeHours.parse(pair[1])
            guard start < end else { throw .init("interval \(pair[0])–\(pair[1]) is empty or reversed") }
            if let last = ranges.last, last.upperBound > start {
                throw .init("interval \(pair[0])–\(pair[1]) overlaps or precedes the one before it")
            }
            ranges.append(start..<end)
        }
        guard !ranges.isEmpty else { throw .init("a unit needs at least one office interval") }
        self.intervals = ranges
    }

    private static func parse(_ text: String) throws(OfficeHoursError) -> Int64 {
        let parts = text.split(separator: ":")
        guard parts.count == 2, parts[0].count == 2, parts[1].count == 2,
              let h = Int64(parts[0]), let m = Int64(parts[1]), (0...24).contains(h), (0...59).contains(m), h * 60 + m <= 24 * 60 else {
            throw .init("\(text) is not a time HH:MM")
        }
        return (h * 60 + m) * 60_000_000
    }

    /// The length of an office day in microseconds (L in deadlines.md).
    public var dayLength: Int64 { intervals.reduce(0) { $0 + ($1.upperBound - $1.lowerBound) } }
    /// The end of the last interval.
    public var closing: Int64 { intervals[intervals.count - 1].upperBound }
    /// The start of the first interval.
    public var opening: Int64 { intervals[0].lowerBound }

    public var description: String {
        intervals.map { "\(clock($0.lowerBound))–\(clock($0.upperBound))" }.joined(separator: ", ")
    }

    func clock(_ micro: Int64) -> String {
        let minutes = micro / 60_000_000
        return "\(pad(minutes / 60, 2)):\(pad(minutes % 60, 2))"
    }
}

public struct OfficeHoursError: PhrasedError, Sendable, Equatable {
    public let phrase: Phrase
    init(_ phrase: Phrase) { self.phrase = phrase }
}
