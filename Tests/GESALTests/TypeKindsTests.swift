import Testing
@testable import GESAL

/// `TypeKinds`, a walk's cache of which case each type name reads into: whatever the order
/// the names come in, and whether a name is the walk's own `String` or a copy of its bytes, it
/// answers what `DomainEvent.kinds` (the table it caches) answers.
struct TypeKindsTests {
    /// A copy of `name` in new storage, as a walk over PostgreSQL makes one per event.
    static func copy(_ name: String) -> String { String(decoding: Array(name.utf8), as: UTF8.self) }

    @Test func everyKnownNameReadsAsItsTableEntryInEitherOrder() {
        let names = DomainEvent.kinds.keys.sorted()
        // Names of one length stand side by side in both orders (NodeCreated.v1, NodeUpdated.v1).
        #expect(names.contains("NodeCreated.v1") && names.contains("NodeUpdated.v1"))
        for order in [names, names.reversed()] {
            var kinds = TypeKinds()
            for round in 0..<3 {
                for name in order {
                    let asked = round == 0 ? name : Self.copy(name)
                    #expect(kinds.kind(of: asked) == DomainEvent.kinds[name], "\(name), round \(round)")
                }
            }
        }
    }

    @Test func anUnknownNameHasNoKindAndDoesNotDisplaceAKnownOne() {
        var kinds = TypeKinds()
        #expect(kinds.kind(of: "NodeCreated.v1") == .nodeCreated)
        #expect(kinds.kind(of: "NodeCreated.v9") == nil)
        #expect(kinds.kind(of: "NodeCreated.v9") == nil)
        #expect(kinds.kind(of: Self.copy("NodeCreated.v1")) == .nodeCreated)
    }
}
