import Testing
@testable import GESAL

/// A `DomainEvent` stays small: replay moves every event it decodes several times, and an enum
/// is as large as its largest inline case (docs/benchmarks.md, "The largest events boxed").
struct DomainEventLayoutTests {
    /// Fails when a case whose payload passes 100 bytes is added without `indirect`, or a
    /// boxed case loses it (InteractionRecorded inline made every event 376 bytes).
    @Test func anEventIsNoLargerThanItsLargestUnboxedPayload() {
        #expect(MemoryLayout<InteractionRecorded>.size > 100 && MemoryLayout<StoreCreated>.size > 100)
        #expect(MemoryLayout<DomainEvent>.size <= 100)
    }
}
