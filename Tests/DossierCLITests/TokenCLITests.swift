import Foundation
import LedgerTesting
import Testing

/// `dossier token`: grants and revocations as entries of the log, secrets shown once and never stored.
@Suite(.temporaryDirectory)
struct TokenCLITests {
    @Test("create shows the secret once, list never; revoke is recorded once; the log, its export and verify carry the grants")
    func lifecycle() throws {
        let store = try fixedStore()
        let created = try dossier(["token", "create", "--store", store, "--role", "desk", "--unit", "H19.X07", "--name", "Một cửa X07",
                                   "--expires", "2099-12-31", "--format", "json"])
        #expect(created.status == 0, "\(created.stderr)")
        let secret = try #require(created.stdout.firstMatch(of: /"secret":"(dlt_[0-9a-f]{64})"/)?.1)
        let token = try #require(created.stdout.firstMatch(of: /"token":"([0-9a-f]{12})"/)?.1)
        let listed = try dossier(["token", "list", "--store", store, "--format", "json"])
        #expect(listed.stdout.contains(#""token":"\#(token)","name":"Một cửa X07","role":"desk","unit":"H19.X07","expires":"2099-12-31""#), "\(listed.stdout)")
        #expect(listed.stdout.contains(#""valid":true"#) && !listed.stdout.contains(String(secret)))
        let export = try dossier(["export", "--store", store])
        #expect(export.stdout.contains(#""type":"access.granted.v1""#) && !export.stdout.contains(String(secret)))
        try export.stdout.write(toFile: TemporaryDirectory.path + "/log.jsonl", atomically: true, encoding: .utf8)
        #expect(try dossier(["verify-export", TemporaryDirectory.path + "/log.jsonl"]).status == 0)

        #expect(try dossier(["token", "revoke", "--store", store, String(token)]).stdout.contains("revoked"))
        #expect(try dossier(["token", "revoke", "--store", store, String(token)]).stdout.contains("already"))
        #expect(try dossier(["token", "list", "--store", store, "--format", "json"]).stdout.contains(#""valid":false"#))
        #expect(try dossier(["verify", "--store", store]).status == 0)
    }

    @Test("a role, unit, expiry or token that is not real is refused with what is wrong")
    func refusals() throws {
        let store = try fixedStore()
        for (arguments, problem) in [(["--role", "boss", "--unit", "H19", "--name", "x"], "boss"),
                                     (["--role", "desk", "--unit", "H19.NOPE", "--name", "x"], "H19.NOPE"),
                                     (["--role", "desk", "--unit", "H19", "--name", "x", "--expires", "2001-01-01"], "in the past"),
                                     (["--role", "desk", "--unit", "H19", "--name", "x", "--expires", "31/12/2099"], "YYYY-MM-DD")] {
            let run = try dossier(["token", "create", "--store", store] + arguments)
            #expect(run.status == 2 && run.stderr.contains(problem), "\(arguments): \(run.stderr)")
        }
        let unknown = try dossier(["token", "revoke", "--store", store, "0123456789ab"])
        #expect(unknown.status == 1 && unknown.stderr.contains("no token 0123456789ab"), "\(unknown.stderr)")
    }
}
