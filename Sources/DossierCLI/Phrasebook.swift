public import ArgumentParser
import DossierDomain
import Foundation
public import ReportFormats

extension Format: ExpressibleByArgument {}
extension Language: ExpressibleByArgument {}

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
