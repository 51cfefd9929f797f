/// A message in English words with the values it names kept apart, so that a front end can say
/// it in another language: the template (the English text with `{}` where each value goes) is
/// the key a translation is found by.
///
/// Written as an ordinary string literal wherever a `Phrase` is expected:
/// `"dossier \(code) has not been received"` has the template `dossier {} has not been received`
/// and the value `code`. An interpolated phrase (or an error with one) stays a phrase, so that it
/// is translated too.
public struct Phrase: Sendable, Hashable, CustomStringConvertible, ExpressibleByStringInterpolation {
    /// The English text, `{}` standing for each value in turn.
    public let template: String
    public let values: [Value]

    /// A value named in a phrase: words of its own, or text said as it is (a code, a number).
    public indirect enum Value: Sendable, Hashable {
        case text(String)
        case phrase(Phrase)
    }

    public init(template: String, values: [Value]) {
        self.template = template
        self.values = values
    }

    public init(stringLiteral value: String) {
        self.init(template: value, values: [])
    }

    public init(stringInterpolation: Interpolation) {
        self.init(template: stringInterpolation.template, values: stringInterpolation.values)
    }

    public struct Interpolation: StringInterpolationProtocol {
        var template = ""
        var values: [Value] = []

        public init(literalCapacity: Int, interpolationCount: Int) {
            template.reserveCapacity(literalCapacity + 2 * interpolationCount)
        }

        public mutating func appendLiteral(_ literal: String) { template += literal }

        public mutating func appendInterpolation(_ value: some Any) {
            template += "{}"
            switch value {
            case let phrase as Phrase: values.append(.phrase(phrase))
            case let error as any PhrasedError: values.append(.phrase(error.phrase))
            default: values.append(.text(String(describing: value)))
            }
        }
    }

    /// Phrases one after another with `separator` between them (for a message built of parts).
    public static func joined(_ parts: [Phrase], separator: String) -> Phrase {
        Phrase(template: Array(repeating: "{}", count: parts.count).joined(separator: separator), values: parts.map(Value.phrase))
    }

    /// The English text.
    public var description: String { said { _ in nil } }

    /// The text with every template, this one's and its values', replaced by what `translation`
    /// gives for it (nil: the English template). A translation may name values by their place,
    /// `{0}`, `{1}`, when its words put them in another order.
    public func said(_ translation: (String) -> String?) -> String {
        let words = translation(template) ?? template
        var out = "", index = 0, rest = Substring(words)
        while let open = rest.firstIndex(of: "{") {
            out += rest[..<open]
            let after = rest.index(after: open)
            guard let close = rest[after...].firstIndex(of: "}"), rest[after..<close].allSatisfy(\.isASCIIDigit) else {
                out += "{"
                rest = rest[after...]
                continue
            }
            let place = Int(rest[after..<close]) ?? index
            index += 1
            switch place < values.count ? values[place] : nil {
            case .text(let text)?: out += text
            case .phrase(let phrase)?: out += phrase.said(translation)
            case nil: out += rest[open...close]
            }
            rest = rest[rest.index(after: close)...]
        }
        return out + rest
    }
}

extension Character {
    fileprivate var isASCIIDigit: Bool { ("0"..."9").contains(self) }
}

/// An error whose message is a ``Phrase`` (and its description the English text of it).
public protocol PhrasedError: Error, CustomStringConvertible {
    var phrase: Phrase { get }
}

extension PhrasedError {
    public var description: String { phrase.description }
}
