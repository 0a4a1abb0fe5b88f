import Testing
import SystemIO

@Suite struct HandOffTests {
    @Test func itemsComeOutInTheOrderTheyWentIn() {
        let handOff = HandOff<Int>()
        for i in 0..<5 { #expect(handOff.put(i)) }
        #expect((0..<5).map { _ in handOff.take() } == [0, 1, 2, 3, 4])
    }

    @Test func anotherThreadsItemsArriveInOrder() {
        let handOff = HandOff<Int>()
        let producer = JoinableThread.start { for i in 0..<1_000 { handOff.put(i) } }
        #expect(producer != nil)
        let received = (0..<1_000).map { _ in handOff.take() }
        producer?.join()
        #expect(received == (0..<1_000).map { $0 })
    }

    @Test func closingRefusesPutsAndEmptiesTakes() {
        let handOff = HandOff<Int>()
        handOff.put(1)
        handOff.close()
        #expect(!handOff.put(2))
        #expect(handOff.take() == nil)
    }

    /// A thread waiting for an item that will never come wakes when the other side closes.
    @Test func closingWakesAWaitingTake() {
        let handOff = HandOff<Int>(), result = HandOff<Int?>()
        let waiter = JoinableThread.start { result.put(handOff.take()) }
        #expect(waiter != nil)
        handOff.close()
        waiter?.join()
        #expect(result.take() == .some(nil))
    }
}
