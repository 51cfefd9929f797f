@testable import DossierCLI
@testable import ReportFormats
import DossierDomain
import Foundation
import Testing

/// Every message written for people has its Vietnamese: the sources are read for the phrases
/// they say (string literals where a `Phrase` is made: rejections, errors, outcomes, help
/// abstracts), and each must be a key of ``Phrasebook/vietnamese`` with the same values.
@Suite struct PhrasebookTests {
    static let modules = ["DossierDomain", "DossierLog", "Views", "Projections", "ReportFormats", "DossierCLI"]
    /// Where a line makes a phrase.
    static let phraseContext = try! NSRegularExpression(pattern: #"spoken\(|return \(|^\s*"|\? "|^\s*: "|lines\.append|return "|Phrase|\?\? "|summary|step\(|reject\(|rule:|Error\(|\.usage\(|outcome\(|say\(|parts\.append\("#)
    /// A case of an error enumeration whose `phrase` is a literal.
    static let phraseCase = try! NSRegularExpression(pattern: #"case \.[a-zA-Z]+(\(.*\))?: ""#)
    static let notForPeople = try! NSRegularExpression(pattern: #"\.vi\b|case \.en:|help:|discussion:|ArgumentHelp|precondition|fatalError|assert"#)
    /// Literals in those places that are not phrases: titles (said through the renderer's title
    /// words), a period's label, workbook XML, an English-only description for logs, the line a
    /// script reads the service's port from.
    static let notPhrases: Set<String> = [
        "Accountability {} by {}", "Reward list {}", " (cut-off 15th)", ", {} catalog entries",
        #"<c r="{}" t="inlineStr"{}><is><t xml:space="preserve">{}</t></is></c>"#,
        "{} lines: {} events stored, {} already stored (skipped), {} rejected",
        "listening on {}://{}:{}\n",  // for scripts that start the service: the same in every language
    ]

    @Test func everyPhraseInTheSourcesIsInVietnamese() throws {
        let sources = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../Sources").standardized
        var found: Set<String> = []
        for module in Self.modules {
            let directory = sources.appendingPathComponent(module)
            let files = FileManager.default.enumerator(atPath: directory.path)?.compactMap { $0 as? String } ?? []
            for file in files where file.hasSuffix(".swift") && !file.contains("Phrasebook") {
                let text = try String(contentsOf: directory.appendingPathComponent(file), encoding: .utf8)
                let phrased = text.contains("var phrase: Phrase")
                for line in text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init) {
                    let range = NSRange(line.startIndex..., in: line)
                    if line.trimmingCharacters(in: .whitespaces).hasPrefix("//") || Self.notForPeople.firstMatch(in: line, range: range) != nil { continue }
                    guard Self.phraseContext.firstMatch(in: line, range: range) != nil
                        || (phrased && Self.phraseCase.firstMatch(in: line, range: range) != nil) else { continue }
                    found.formUnion(Self.literals(line).filter(Self.isEnglishWords))
                }
            }
        }
        #expect(found.count > 200, "the scan found \(found.count) phrases: is it reading the sources?")
        let missing = found.subtracting(Phrasebook.vietnamese.keys).subtracting(Self.notPhrases).sorted()
        #expect(missing.isEmpty, "phrases without Vietnamese (add them to Phrasebook.vietnamese):\n\(missing.joined(separator: "\n"))")
    }

    @Test func everyTranslationSaysTheSameValues() {
        for (english, vietnamese) in Phrasebook.vietnamese {
            let count = english.components(separatedBy: "{}").count - 1
            let said = Phrase(template: english, values: (0..<count).map { .text("⟨\($0)⟩") }).said { _ in vietnamese }
            for index in 0..<count { #expect(said.contains("⟨\(index)⟩"), "\(english) → \(vietnamese) loses value \(index)") }
            #expect(!said.contains(/\{[0-9]*\}/), "\(english) → \(vietnamese) has a placeholder too many")
        }
    }

    /// Interpolations and errors said in Vietnamese, nested phrases included.
    @Test func nestedPhrasesAreSaidInTheirLanguage() {
        let rejection = EventRejection(line: 3, eventID: "e-1", field: "type", rule: "dossier \("D-9") has not been received")
        #expect(Language.vi.say(rejection.phrase) == "dòng 3: sự kiện e-1: trường `type`: hồ sơ D-9 chưa được tiếp nhận")
        #expect(Language.en.say(rejection.phrase) == rejection.description)
        var periodError: PeriodError?
        do { _ = try Period.parse("2026-13") } catch { periodError = error }
        #expect(Language.vi.say(ToolError.usage("--period: \(periodError as Any)").phrase).hasPrefix("--period: \"2026-13\" không phải một kỳ"))
        #expect(Language.vi.say(Phrasebook.parserPhrase("Unknown option '--bogus'")) == "Không có tùy chọn '--bogus'")
        #expect(Language.vi.say(Phrasebook.parserPhrase("something else")) == "something else")
    }

    /// A line's string literals, each interpolation as `{}`.
    static func literals(_ line: String) -> [String] {
        var out: [String] = [], chars = Array(line), i = 0
        while i < chars.count {
            guard chars[i] == "\"" else { i += 1; continue }
            var text = "", j = i + 1
            scan: while j < chars.count {
                switch chars[j] {
                case "\\" where j + 1 < chars.count && chars[j + 1] == "(":
                    var depth = 1, k = j + 2
                    while k < chars.count && depth > 0 {
                        if chars[k] == "(" { depth += 1 } else if chars[k] == ")" { depth -= 1 } else if chars[k] == "\"" {
                            k += 1
                            while k < chars.count && chars[k] != "\"" { k += chars[k] == "\\" ? 2 : 1 }
                        }
                        k += 1
                    }
                    text += "{}"
                    j = k
                case "\\" where j + 1 < chars.count:
                    text += chars[j + 1] == "\"" ? "\"" : chars[j + 1] == "n" ? "\n" : String(chars[j...j + 1])
                    j += 2
                case "\"": break scan
                default: text.append(chars[j]); j += 1
                }
            }
            out.append(text)
            i = j + 1
        }
        return out
    }

    /// English words for people: a space and letters, and not mostly Vietnamese already.
    static func isEnglishWords(_ text: String) -> Bool {
        let letters = text.filter(\.isLetter)
        guard letters.filter({ !$0.isASCII }).count * 10 <= letters.count else { return false }
        return text.contains(" ") && text.replacingOccurrences(of: "{}", with: "").contains(/[A-Za-z]{2}/)
    }
}
