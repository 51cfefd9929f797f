import Foundation
import LedgerTesting
import Testing

/// The due-soon list and filters that name real things, on the real executable.
@Suite(.temporaryDirectory)
struct ListsCLITests {
    @Test("due-soon in table, JSON and CSV; --within widens it; sorted by hours remaining")
    func dueSoon() throws {
        let store = try fixedStore()
        let asOf = "2026-11-27T10:00:00+07:00"  // the fixed store has one dossier open then, due 2026-12-09
        let json = try dossier(["due-soon", "--store", store, "--as-of", asOf, "--within", "100", "--format", "json"])
        #expect(json.status == 0, "\(json.stderr)")
        let remaining = json.stdout.matches(of: /"hours_remaining":([0-9.]+)/).compactMap { Double($0.1) }
        #expect(!remaining.isEmpty && remaining == remaining.sorted() && remaining.allSatisfy { $0 <= 100 })
        #expect(!json.stdout.contains("hours_overdue"))
        let narrow = try dossier(["due-soon", "--store", store, "--as-of", asOf, "--format", "json"]).stdout
        #expect(narrow.contains(#""rows":[]"#))  // 61 h left is not within one office day
        let table = try dossier(["due-soon", "--store", store, "--as-of", asOf, "--within", "100"])
        #expect(table.stdout.hasPrefix("Due soon as of") && table.stdout.contains("hours remaining"))
        let csv = try dossier(["due-soon", "--store", store, "--as-of", asOf, "--within", "100", "--format", "csv"]).stdout
        #expect(csv.hasPrefix("dossier,procedure,competent_unit,received,due,rescheduled_due,hours_remaining,"))
        let vi = try dossier(["due-soon", "--store", store, "--as-of", asOf, "--lang", "vi"]).stdout
        #expect(vi.hasPrefix("Hồ sơ sắp đến hạn tính đến"))
        #expect(try dossier(["due-soon", "--store", store, "--within", "0"]).status == 2)
    }

    @Test("a filter that names nothing is an error with the nearest codes, never an empty list")
    func unknownFilters() throws {
        let store = try fixedStore()
        let unit = try dossier(["late", "--store", store, "--unit", "h19.x07"])
        #expect(unit.status == 2 && unit.stderr.contains("no unit h19.x07") && unit.stderr.contains("H19.X07"), "\(unit.stderr)")
        let procedure = try dossier(["due-soon", "--store", store, "--procedure", "1.00420"])
        #expect(procedure.status == 2 && procedure.stderr.contains("no procedure 1.00420"))
        let officer = try dossier(["late", "--store", store, "--officer", "cv.h19.x07.9"])
        #expect(officer.status == 2 && officer.stderr.contains("cv.h19.x07."), "\(officer.stderr)")
        let accountability = try dossier(["accountability", "--store", store, "--period", "2025", "--unit", "H19.X99"])
        #expect(accountability.status == 2 && accountability.stderr.contains("no unit H19.X99"))
        // A PostgreSQL URL without a user is bad usage; a server that does not answer, a clear failure.
        let noUser = try dossier(["late", "--store", "postgres://127.0.0.1:1/ledger"])
        #expect(noUser.status == 2 && noUser.stderr.contains("names no user"), "\(noUser.stderr)")
        let postgres = try dossier(["late", "--store", "postgres://ledger:secret@127.0.0.1:1/ledger"])
        #expect(postgres.status == 1 && postgres.stderr.contains("cannot reach PostgreSQL at postgres://ledger@127.0.0.1:1/ledger"), "\(postgres.stderr)")
        #expect(!postgres.stderr.contains("secret"))
        // Known codes still answer, even with no row.
        #expect(try dossier(["late", "--store", store, "--unit", "H19.X07"]).status == 0)
    }

    @Test("a case history as of T is judged at T, also after the dossier's last event, and agrees with the late list at T")
    func historyAsOf() throws {
        let store = try fixedStore()
        let at = "2026-12-10T08:00:00+07:00"  // after the last event of the fixed store, before the end of the loaded calendar
        let late = try dossier(["late", "--store", store, "--as-of", at, "--format", "json"]).stdout
        let row = try #require(late.firstMatch(of: /"dossier":"([^"]+)"[^\n]*"hours_overdue":([0-9.]+)/))
        let history = try dossier(["history", String(row.1), "--store", store, "--as-of", at, "--format", "json"]).stdout
        #expect(history.contains(#""standing":"overdue""#) && history.contains(#""hours_overdue":\#(row.2),"#), "\(history)")
        #expect(history.contains(#""report_instant":"2026-12-10T08:00:00+07:00""#))
        let table = try dossier(["history", String(row.1), "--store", store, "--as-of", at]).stdout
        #expect(table.contains("state at 2026-12-10 08:00: processing, overdue \(row.2)h"), "\(table)")
    }

    @Test("stats warns when the latest event is within 60 days of the last calendar year loaded, until the next year is loaded")
    func calendarWarning() throws {
        let store = try fixedStore()  // latest event 2026-11-27: 34 days before the end of 2026
        let before = try dossier(["stats", "--store", store])
        #expect(before.status == 0 && before.stdout.contains("warning: the latest event (2026-11-27) is 34 days from the end of 2026"))
        let json = try dossier(["stats", "--store", store, "--format", "json"]).stdout
        #expect(json.contains(#""calendar_loaded_through":2026"#) && json.contains(#""calendar_warning":"the latest event"#))
        let year = TemporaryDirectory.path + "/calendar-2027.json"
        try #"[{"year": 2027, "notice": "Thông báo 2027 (test)", "days_off": ["2027-01-01"], "saturdays_worked": []}]"#
            .write(toFile: year, atomically: true, encoding: .utf8)
        #expect(try dossier(["import", "--store", store, "--calendar", year]).status == 0)
        let after = try dossier(["stats", "--store", store, "--format", "json"]).stdout
        #expect(after.contains(#""calendar_loaded_through":2027"#) && after.contains(#""calendar_warning":null"#))
    }

    @Test("a view opens and catches up only the projections it reads")
    func projectionsOnDemand() throws {
        let store = try fixedStore()  // imported and swept: the sweep reads the dossiers projection only
        let projections = store + "/projections"
        func built() throws -> Set<String> { Set(try FileManager.default.contentsOfDirectory(atPath: projections).filter { !$0.contains("@") && !$0.hasSuffix(".lock") }) }
        #expect(try dossier(["late", "--store", store]).status == 0)
        #expect(try built() == ["dossiers"])
        #expect(try dossier(["online", "--store", store, "--period", "2026"]).status == 0)
        #expect(try built() == ["dossiers", "receipts"])
    }
}
