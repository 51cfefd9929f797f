import DossierDomain
import Testing

struct PeriodTests {
    static let cases: [(String, Bool, String, String)] = [
        // text, cut-off on the 15th, first day, last day
        ("2025-07", false, "2025-07-01", "2025-07-31"),
        ("2024-02", false, "2024-02-01", "2024-02-29"),          // leap year
        ("2025-Q3", false, "2025-07-01", "2025-09-30"),
        ("2025-Q1", false, "2025-01-01", "2025-03-31"),
        ("2025", false, "2025-01-01", "2025-12-31"),
        ("2025-07-10..2025-08-05", false, "2025-07-10", "2025-08-05"),
        ("2025-07", true, "2025-06-15", "2025-07-14"),           // month: 15th before to the 14th
        ("2025-01", true, "2024-12-15", "2025-01-14"),
        ("2025-Q3", true, "2025-06-15", "2025-09-14"),           // quarter ends on the 14th of its last month
        ("2025-Q1", true, "2024-12-15", "2025-03-14"),
        ("2025", true, "2024-12-15", "2025-12-14"),              // year: 15 December to 14 December
    ]

    @Test("periods and the 15th cut-off", arguments: cases)
    func parse(_ text: String, _ cutOff: Bool, _ first: String, _ last: String) throws {
        let period = try Period.parse(text, cutOff15th: cutOff)
        #expect(period.firstDay == LocalDate(parsing: first))
        #expect(period.lastDay == LocalDate(parsing: last))
        #expect(period.start == t("\(first) 00:00"))
        #expect(period.contains(t("\(last) 23:59")))
        #expect(!period.contains(period.end))
    }

    @Test("a bad period names the accepted forms", arguments: ["2025-13", "2025-Q5", "25-Q1", "2025-07-01..2025-06-01", "last month"])
    func bad(_ text: String) {
        let error = #expect(throws: PeriodError.self) { try Period.parse(text) }
        #expect(error?.description.contains("2025-Q3") == true)
    }

    @Test("the population: received before the end and not finished before the start")
    func population() throws {
        let q1 = try Period.parse("2025-Q1")
        var carried = Story()
        carried.received("2024-12-30 09:00")                      // received before, open into Q1
        #expect(try carried.state().isInPopulation(of: q1))
        carried.processed("2024-12-31 10:00")                     // finished before Q1 starts
        #expect(try !carried.state().isInPopulation(of: q1))
        var later = Story()
        later.received("2025-04-01 00:00")                        // received at the end instant: outside
        #expect(try !later.state().isInPopulation(of: q1))
        var inside = Story()
        inside.received("2025-03-31 16:00")
        inside.processed("2025-04-02 10:00")                      // finished after: counts, open at the end
        #expect(try inside.state().isInPopulation(of: q1))
    }
}
