public import DossierDomain
import Glibc

/// Reads a file line by line through a 1 MiB buffer, handing each line's bytes (without the
/// newline) to the caller in place: memory stays bounded whatever the file's size.
///
/// One thread uses it at a time: the import's parser thread while it runs, the writer (to
/// rewind) only after that thread has stopped.
final class LineReader: @unchecked Sendable {
    private let fd: Int32
    private let base: UnsafeMutableRawPointer
    private let capacity = 2 * LineReader.maximumLine
    private var start = 0, end = 0
    private var eof = false
    /// Longest line accepted; a longer one is an error rather than unbounded memory.
    static let maximumLine = 1 << 20

    /// - Throws: ``ImportError`` when the file cannot be opened.
    init(path: String) throws(ImportError) {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw ImportError("cannot open \(path): \(String(cString: strerror(errno)))") }
        var info = stat()
        if fstat(fd, &info) == 0 && (info.st_mode & S_IFMT) == S_IFDIR {
            close(fd)
            throw ImportError("\(path) is a directory, not a file of events")
        }
        self.fd = fd
        base = .allocate(byteCount: capacity, alignment: 1)
    }

    deinit {
        close(fd)
        base.deallocate()
    }

    /// Back to the start of the file.
    func rewind() throws(ImportError) {
        guard lseek(fd, 0, SEEK_SET) == 0 else { throw ImportError("cannot go back to the start of the file: \(String(cString: strerror(errno)))") }
        start = 0
        end = 0
        eof = false
    }

    /// Calls `body` with the next line's bytes, or returns nil at the end of the file.
    func nextLine<R>(_ body: (UnsafeBufferPointer<UInt8>) throws -> R) throws -> R? {
        while true {
            if let newline = memchr(base + start, 0x0a, end - start) {
                let lineEnd = base.distance(to: newline)
                defer { start = lineEnd + 1 }
                return try body(UnsafeBufferPointer(start: base.assumingMemoryBound(to: UInt8.self) + start, count: lineEnd - start))
            }
            if eof {
                guard start < end else { return nil }
                defer { start = end }
                return try body(UnsafeBufferPointer(start: base.assumingMemoryBound(to: UInt8.self) + start, count: end - start))
            }
            // Move the partial line to the front and read more.
            if start > 0 {
                base.copyMemory(from: base + start, byteCount: end - start)
                end -= start
                start = 0
            }
            guard end < capacity else { throw ImportError("a line is longer than \(LineReader.maximumLine) bytes") }
            let n = read(fd, base + end, capacity - end)
            if n < 0 { throw ImportError("cannot read: \(String(cString: strerror(errno)))") }
            if n == 0 { eof = true } else { end += n }
        }
    }
}

/// A failure of an import that is not about one line (a file that cannot be read, a store error).
public struct ImportError: PhrasedError, Sendable {
    public let phrase: Phrase
    public init(_ phrase: Phrase) { self.phrase = phrase }
}
