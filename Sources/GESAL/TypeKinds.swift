/// The kinds of the type names a walk has met, found by the names themselves. A folder's walk
/// hands every event of one type the same `String` (EventLog's `TypeNames`), so the name
/// matches its entry at the first comparison, which for one string and itself is a comparison
/// of two words; hashing the name into `DomainEvent.kinds` cost about 490 instructions an
/// event (callgrind). Names of another length are passed over without comparing them. Any
/// other name (a walk over PostgreSQL, whose names are made per event) still compares equal
/// by its bytes.
struct TypeKinds {
    private var known: [(length: Int, name: String, kind: DomainEvent.Kind)] = []

    mutating func kind(of name: String) -> DomainEvent.Kind? {
        let length = name.utf8.count
        for entry in known where entry.length == length && entry.name == name { return entry.kind }
        guard let kind = DomainEvent.kinds[name] else { return nil }
        if known.count < 16 { known.append((length, name, kind)) }
        return kind
    }
}
