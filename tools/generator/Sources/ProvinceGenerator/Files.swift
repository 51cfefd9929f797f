import DossierDomain
import Foundation

extension ProvinceGenerator {
    /// Writes `procedures.json`, `units.json`, `officers.json` (the catalog files of events.md)
    /// and `events.jsonl` into `directory`; returns the counts.
    public func write(to directory: String) throws -> (dossiers: Int, events: Int) {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        for (name, entries) in [("procedures", province.procedures.map(CatalogEntry.procedure)),
                                ("units", province.units.map(CatalogEntry.unit)),
                                ("officers", province.officers.map(CatalogEntry.officer))] {
            let text = "[\n" + entries.map(\.json).joined(separator: ",\n") + "\n]\n"
            try Data(text.utf8).write(to: URL(fileURLWithPath: directory + "/\(name).json"))
        }
        let path = directory + "/events.jsonl"
        guard let file = fopen(path, "w") else { throw GeneratorError("cannot write \(path): \(String(cString: strerror(errno)))") }
        defer { fclose(file) }
        var buffer = ""
        buffer.reserveCapacity(1 << 20)
        let counts = try generate { event in
            buffer += event.jsonLine()
            buffer += "\n"
            if buffer.utf8.count > 1 << 20 {
                guard fputs(buffer, file) >= 0 else { throw GeneratorError("cannot write \(path): \(String(cString: strerror(errno)))") }
                buffer.removeAll(keepingCapacity: true)
            }
        }
        guard fputs(buffer, file) >= 0 else { throw GeneratorError("cannot write \(path): \(String(cString: strerror(errno)))") }
        return counts
    }
}

public struct GeneratorError: Error, Sendable, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}
