import DossierDomain
import Foundation
import Testing

struct CatalogTests {
    @Test("procedure files in the spec's format parse, every limit unit included")
    func procedureFile() throws {
        let json = """
        [{"code":"1.001193","name":"Đăng ký khai sinh","limit":{"value":3,"unit":"working_days"},"valid_from":"2021-01-01","valid_to":"2025-06-30"},
         {"code":"1.001193","name":"Đăng ký khai sinh","limit":{"value":2,"unit":"working_days"},"valid_from":"2025-07-01"},
         {"code":"2.000908","name":"Chứng thực bản sao","limit":{"unit":"same_day"},"valid_from":"2021-01-01"},
         {"code":"1.004082","name":"Cấp GCN QSDĐ","limit":{"value":30,"unit":"calendar_days"},"valid_from":"2021-01-01"},
         {"code":"2.001757","name":"Xác nhận","limit":{"value":4,"unit":"hours"},"valid_from":"2021-01-01"}]
        """
        let entries = try CatalogEntry.parseFile(Data(json.utf8), kind: .procedure)
        var rules = DomainRules()
        for entry in entries { try entry.apply(to: &rules) }
        #expect(rules.catalog.procedure("1.001193", on: LocalDate(year: 2025, month: 6, day: 30))?.limit == .workingDays(3))
        #expect(rules.catalog.procedure("1.001193", on: LocalDate(year: 2025, month: 7, day: 1))?.limit == .workingDays(2))
        #expect(rules.catalog.procedure("2.000908", on: LocalDate(year: 2025, month: 7, day: 1))?.limit == .sameDay)
        #expect(rules.catalog.procedure("2.001757", on: LocalDate(year: 2025, month: 7, day: 1))?.limit == .hours(4))
        // Each entry's stored JSON parses back to the same entry.
        for entry in entries { #expect(try CatalogEntry.parse(json: entry.json, kind: .procedure) == entry) }
    }

    @Test("bad catalog entries name the entry and the field", arguments: [
        (#"[{"code":"x","name":"x","limit":{"unit":"weeks","value":1},"valid_from":"2021-01-01"}]"#, "entry 1: field `limit`"),
        (#"[{"code":"x","name":"x","limit":{"unit":"same_day","value":1},"valid_from":"2021-01-01"}]"#, "same_day takes no `value`"),
        (#"[{"code":"x","name":"x","limit":{"unit":"hours","value":1},"valid_from":"2021-13-01"}]"#, "not a date"),
        (#"[{"code":"x","name":"x","limit":{"unit":"hours","value":1},"valid_from":"2021-01-01","colour":"red"}]"#, "field `colour`"),
        (#"{"code":"x"}"#, "JSON array"),
    ])
    func badEntries(_ json: String, _ message: String) {
        let error = #expect(throws: CatalogError.self) { try CatalogEntry.parseFile(Data(json.utf8), kind: .procedure) }
        #expect(error?.description.contains(message) == true, "\(error?.description ?? "")")
    }

    @Test("overlapping versions of one code are refused")
    func overlap() throws {
        var catalog = Catalog()
        try catalog.add(Procedure(code: "p", name: "p", limit: .sameDay, validity: Validity(from: LocalDate(year: 2021, month: 1, day: 1))))
        #expect(throws: CatalogError.self) {
            try catalog.add(Procedure(code: "p", name: "p", limit: .hours(2), validity: Validity(from: LocalDate(year: 2024, month: 1, day: 1))))
        }
    }

    @Test("units form a tree with validity dates; a former district maps to its successors")
    func unitTree() throws {
        let json = """
        [{"code":"H19","name":"Tỉnh","level":"province","valid_from":"2021-01-01"},
         {"code":"H19.17","name":"Huyện (cũ)","level":"district","parent":"H19","valid_from":"2021-01-01","valid_to":"2025-06-30","successor":"H19.X1"},
         {"code":"H19.17.MC","name":"Một cửa huyện","level":"desk","parent":"H19.17","valid_from":"2021-01-01","valid_to":"2025-06-30","successor":"H19.X1"},
         {"code":"H19.X1","name":"Xã mới","level":"commune","parent":"H19","valid_from":"2025-07-01","office_hours":[["07:30","11:30"],["13:00","17:00"]]}]
        """
        var rules = DomainRules()
        for entry in try CatalogEntry.parseFile(Data(json.utf8), kind: .unit) { try entry.apply(to: &rules) }
        let catalog = rules.catalog
        // A 2024 dossier stays with its district...
        #expect(catalog.lineage(of: "H19.17.MC", on: LocalDate(year: 2024, month: 5, day: 1)) == ["H19.17.MC", "H19.17", "H19"])
        // ...and roll-ups can map it to today's successor.
        #expect(catalog.successor(of: "H19.17.MC", on: LocalDate(year: 2026, month: 1, day: 1)) == "H19.X1")
        #expect(catalog.unit("H19.17", on: LocalDate(year: 2025, month: 7, day: 1)) == nil)
        // The new commune's own hours: 07:30–11:30, 13:00–17:00 (8 h).
        #expect(rules.schedule(for: "H19.X1").hours.dayLength == 8 * 3_600_000_000)
        #expect(rules.schedule(for: "H19.X1").hours.opening == 7 * 3_600_000_000 + 30 * 60_000_000)
    }

    @Test("an operator adds a year from its notice; dues then reach into it")
    func addYear() throws {
        var rules = DomainRules()
        let year = try CatalogEntry.parse(json: #"{"year":2027,"notice":"TB test","days_off":["2027-01-01"],"saturdays_worked":[]}"#, kind: .calendarYear)
        try year.apply(to: &rules)
        let schedule = rules.schedule(for: "any")
        // Thu 31/12/2026 16–17 (1), Fri 01/01/2027 off, weekend, Mon 04/01 07:00 + 1 → 08:00
        #expect(try schedule.advance(t("2026-12-31 16:00"), by: hours(2)) == t("2027-01-04 08:00"))
        let closed = try CatalogEntry.parse(json: #"{"unit":"X","closed":["2025-03-05"]}"#, kind: .closedDays)
        try closed.apply(to: &rules)
        #expect(try !rules.schedule(for: "X").isWorkingDay(LocalDate(year: 2025, month: 3, day: 5)))
        #expect(try rules.schedule(for: "Y").isWorkingDay(LocalDate(year: 2025, month: 3, day: 5)))
    }
}
