/// Fixed-width big-endian integer encoding for keys: byte order equals numeric order, so LMDB's
/// default `memcmp` comparison sorts keys numerically and `MDB_APPEND` works for ascending numbers.
public enum BigEndian: Sendable {
    /// Reads a big-endian `T` at `offset`, or `nil` when the buffer is too short.
    @inlinable
    public static func load<T: FixedWidthInteger>(_: T.Type, from buffer: UnsafeRawBufferPointer, at offset: Int) -> T? {
        guard offset >= 0, offset + MemoryLayout<T>.size <= buffer.count else { return nil }
        return T(bigEndian: buffer.loadUnaligned(fromByteOffset: offset, as: T.self))
    }

    /// The big-endian bytes of `value` (8 of a `UInt64`), for use as a key.
    @inlinable
    public static func bytes<T: FixedWidthInteger>(_ value: T) -> [UInt8] {
        withUnsafeBytes(of: value.bigEndian) { Array($0) }
    }
}
