import SystemIO

/// A segment file read front to back through one reused buffer, so that each record is
/// checked and decoded while its bytes are still in cache. Reading a 20 MB segment whole made
/// the CRC and the decoding wait on memory (perf: the CRC ran at a quarter of its in-cache
/// speed). The buffer grows when a record is larger than it.
struct SegmentWindow {
    private let file: FileDescriptor
    /// The file's size when the window opened (a writer's later appends are not read), or
    /// where a read found it ending, if it shrank since.
    private var end: Int
    private var buffer: [UInt8]
    /// The file offset of `buffer[0]`.
    private var base: Int
    /// How many bytes of `buffer` hold file content.
    private var filled = 0
    /// The index in `buffer` of the next unread byte.
    private var position = 0

    init(file: FileDescriptor, from offset: Int, chunk: Int) throws {
        self.file = file
        end = Int(try file.size())
        base = offset
        buffer = [UInt8](repeating: 0, count: max(0, min(chunk, end - offset)))
        try load(atLeast: 0)
    }

    /// The file offset of the next unread byte.
    var filePosition: Int { base + position }

    /// Whether bytes remain, loaded or not.
    var hasUnread: Bool { base + position < end }

    /// Whether the file holds bytes past those loaded.
    var hasMoreInFile: Bool { base + filled < end }

    /// Moves the unread bytes to the front and reads after them until the buffer is full or
    /// the file ends, growing the buffer first if it cannot hold `atLeast` unread bytes.
    mutating func load(atLeast needed: Int) throws {
        let unread = filled - position
        if position > 0 {
            buffer.withUnsafeMutableBytes { raw in
                guard unread > 0, let start = raw.baseAddress else { return }
                start.copyMemory(from: start + position, byteCount: unread)
            }
            base += position
            filled = unread
            position = 0
        }
        let wanted = min(max(needed, buffer.count), end - base)
        if wanted > buffer.count { buffer.append(contentsOf: repeatElement(0, count: wanted - buffer.count)) }
        let room = wanted - filled
        guard room > 0 else { return }
        let read = try buffer.withUnsafeMutableBytes { raw in
            try file.read(at: Int64(base + filled), into: UnsafeMutableRawBufferPointer(rebasing: raw[filled..<(filled + room)]))
        }
        filled += read
        if read < room { end = base + filled }
    }

    /// Loads everything up to the file's end: for the rare checks that need the rest of the
    /// segment (is it padding? does a valid record follow the damage?).
    mutating func loadRest() throws {
        try load(atLeast: end - base - position)
    }

    /// Calls `body` with the loaded unread bytes.
    func withUnread<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try buffer.withUnsafeBytes { try body(UnsafeRawBufferPointer(rebasing: $0[position..<filled])) }
    }

    mutating func skip(_ count: Int) {
        position += count
    }
}
