import DossierDomain
import EventLog
import Foundation

extension Language {
    /// The language a command line asks for with `--lang`, else the environment's: for what is
    /// written before the options are parsed or without them (usage errors, help).
    init(arguments: some Sequence<String>) {
        var previous: String?
        for argument in arguments {
            if previous == "--lang", let language = Language(rawValue: argument) { self = language; return }
            if argument.hasPrefix("--lang="), let language = Language(rawValue: String(argument.dropFirst(7))) { self = language; return }
            previous = argument
        }
        self = .fromEnvironment
    }

    /// A phrase in this language (English: as written; Vietnamese: from ``Phrasebook``).
    func say(_ phrase: Phrase) -> String {
        switch self {
        case .en: phrase.description
        case .vi: phrase.said { Phrasebook.vietnamese[$0] }
        }
    }

    /// A store error: in Vietnamese, what kind of failure in words, then the store's own detail
    /// (identifiers an operator searches for).
    func say(_ error: EventStoreError) -> String {
        let detail = error.underlying.map { "\(error.message) (\($0))" } ?? error.message
        guard self == .vi else { return detail }
        if error.code == .wrongExpectedVersion, let stream = error.stream, let expected = error.expected, let actual = error.actual {
            return "hồ sơ \(stream) không ở phiên bản mong đợi (\(expected)): nó đang ở phiên bản \(actual)"
        }
        return (Phrasebook.storeFailures[error.code.name] ?? error.code.name) + ": " + detail
    }

    /// A checkpoint file that cannot be read or used.
    func say(_ error: CheckpointError) -> String {
        self == .vi ? "điểm kiểm không dùng được: \(error.description)" : error.description
    }
}

extension Phrasebook {
    /// The argument parser's commonest messages (it writes them in English), as phrases: a
    /// message that matches none stays as written.
    static let parserTemplates = [
        "Unknown option '{}'. Did you mean '{}'?", "Unknown option '{}'", "Missing value for '{}'", "Unexpected argument '{}'",
        "Missing expected argument '{}'", "The value '{}' is invalid for '{}'{}",
    ]

    static func parserPhrase(_ message: String) -> Phrase {
        for template in parserTemplates {
            let pattern = "^" + NSRegularExpression.escapedPattern(for: template).replacingOccurrences(of: "\\{\\}", with: "(.*?)") + "$"
            guard let regex = try? NSRegularExpression(pattern: pattern, options: [.dotMatchesLineSeparators]),
                  let match = regex.firstMatch(in: message, range: NSRange(message.startIndex..., in: message)) else { continue }
            let values = (1..<match.numberOfRanges).map { index in
                Phrase.Value.text(Range(match.range(at: index), in: message).map { String(message[$0]) } ?? "")
            }
            return Phrase(template: template, values: values)
        }
        return Phrase(template: "{}", values: [.text(message)])
    }
}

/// Help text in the language of the command line (`--lang`, else `$LANG`): help is written
/// before the options are parsed.
func spoken(_ phrase: Phrase) -> String {
    Language(arguments: CommandLine.arguments.dropFirst()).say(phrase)
}
