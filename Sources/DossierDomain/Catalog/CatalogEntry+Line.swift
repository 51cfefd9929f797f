/// One line of a JSON Lines file: a dossier event, or (in exports) a catalog entry.
public enum LogLine: Sendable, Hashable {
    case event(ParsedLine)
    case catalog(CatalogEntry, id: String, exported: ExportedFields?)

    /// Parses a line: a catalog entry when it names the catalog stream (`"stream": "system
    /// catalog"`), else a dossier event (``DossierEvent/parse(line:number:)``).
    public static func parse(line bytes: UnsafeBufferPointer<UInt8>, number: Int? = nil) throws(EventRejection) -> LogLine {
        var fields = try DossierEvent.Fields(line: number, parsing: bytes)
        // Only catalog lines carry a `stream` field.
        guard fields.values.has(.stream) else { return .event(try fields.event()) }
        let id = try fields.string(.id)
        fields.eventID = id
        let stream = try fields.string(.stream)
        guard stream == CatalogEntry.stream || stream == CatalogEntry.accessStream else {
            throw fields.reject(.stream, "only catalog and access lines name a stream (\"\(CatalogEntry.stream)\", \"\(CatalogEntry.accessStream)\")")
        }
        let type = try fields.string(.type)
        guard let kind = CatalogEntry.Kind(wireName: type) else { throw fields.reject(.type, "unknown catalog type \(type)") }
        let entry: CatalogEntry
        // The entry's JSON may be longer than free-text fields are allowed to be.
        guard let json = try fields.optionalString(.entry) else { throw fields.reject(.entry, "is required") }
        do { entry = try CatalogEntry.parse(json: json, kind: kind) } catch {
            throw fields.reject(.entry, "\(error)")
        }
        guard entry.stream == stream else { throw fields.reject(.type, "\(type) belongs in the stream \"\(entry.stream)\"") }
        let exported = try fields.exported()
        return .catalog(entry, id: id, exported: exported)
    }

}

extension CatalogEntry {
    /// Appends the entry as an export line (without the newline), with the store's fields.
    public func writeExportLine(id: String, exported: ExportedFields, to bytes: inout [UInt8]) {
        JSONObjectWriter.write(to: &bytes) { out in
            out.field("id", id)
            out.field("stream", stream)
            out.field("type", wireName)
            out.field("entry", json)
            out.exported(exported)
        }
    }
}
