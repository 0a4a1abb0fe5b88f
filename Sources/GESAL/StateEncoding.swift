import EventLog
import Foundation

/// The canonical binary form of an `EngineState`: every map in key order, floats as bit
/// patterns, strings length-prefixed, little-endian. The state hash is SHA-256 over these
/// bytes, and a snapshot holds them compressed, so what is hashed is exactly what is restored.
/// Sequence numbers and commit times are not part of it: a branch that excluded an event
/// hashes equal to a store that never had it.
extension EngineState {
    static let encodingTag = "GESALSTATE.v1"
    /// v1 with each interaction's correction and each node's known answers. A state without
    /// corrections is still written as v1, so every state hash recorded before corrections
    /// existed (snapshots, reports, docs) still names the same state.
    static let correctionsTag = "GESALSTATE.v2"
    /// v2 with each interaction's signals and SAGE's trigger. Written only by a state that has
    /// some, so every earlier state keeps its hash.
    static let signalsTag = "GESALSTATE.v3"
    /// v3 with each interaction's prompt embedding, signals with the nearest cluster, and
    /// SAGE's buffer. Written only in a store made with a buffer.
    static let bufferTag = "GESALSTATE.v4"
    /// v4 with SAGE's LoRA store. Written only in a store made with one.
    static let poolTag = "GESALSTATE.v5"

    /// A section after the rest: Transformer²'s library. Written only by a state that has
    /// experts, so every other state keeps its bytes and hash whatever its version.
    static let expertsTag = "EXPERTS.v1"
    /// A section after that: SEAL's passages and knowledge adapter. Written only by a state
    /// that has learned a passage, for the same reason.
    static let knowledgeTag = "KNOWLEDGE.v1"
    /// A section after that: ReST-EM's rounds of the self-edit writer. Written only by a state
    /// whose writer was trained, for the same reason.
    static let writerTag = "WRITER.v1"

    var hasCorrections: Bool { interactions.values.contains { $0.correction != nil } }
    var hasSignals: Bool { !trigger.isEmpty || interactions.values.contains { $0.signals != nil } }
    var hasBuffer: Bool { creation?.event.config.buffer != nil }
    var hasPool: Bool { creation?.event.config.loraStore != nil }

    public var hash: Hash256 { Hash256.of(encoded()) }

    public func encoded() -> [UInt8] {
        var out = CanonicalWriter()
        let withPool = hasPool, withBuffer = withPool || hasBuffer, signals = withBuffer || hasSignals, corrections = signals || hasCorrections
        out.string(withPool ? Self.poolTag : withBuffer ? Self.bufferTag : signals ? Self.signalsTag : corrections ? Self.correctionsTag : Self.encodingTag)
        out.string(createdJSON)
        out.int(interactions.count)
        for id in interactions.keys.sorted() {
            let i = interactions[id]!
            out.int(id)
            out.string(i.prompt)
            out.string(i.response)
            out.int(i.node)
            out.floats(i.rewards)
            if corrections { out.string(i.correction ?? "") }
            if signals { out.signals(i.signals, withCluster: withBuffer) }
            if withBuffer { out.floats(i.embedding ?? []) }
        }
        out.int(nodes.count)
        for id in nodes.keys.sorted() {
            let n = nodes[id]!
            out.int(id)
            out.floats(n.centroid)
            out.int(n.count)
            out.int(n.origin)
            out.int(n.parent ?? -1)
            out.strings(n.rejectedResponses)
            out.ints(n.buffer.map(\.interaction))
            out.floats(n.buffer.map(\.reward))
            out.string(n.adapterBlob ?? "")
            out.string(n.optimizerBlob ?? "")
            out.int(n.adapterVersion)
            if corrections { out.ints(n.knownAnswers) }
        }
        out.int(updates)
        out.int(rejectedUpdates)
        out.int(triggers)
        if signals { out.trigger(trigger) }
        if withBuffer { out.buffer(buffer) }
        if withPool { out.pool(pool) }
        if !experts.isEmpty {
            out.string(Self.expertsTag)
            out.experts(experts)
        }
        if !knowledge.isEmpty {
            out.string(Self.knowledgeTag)
            out.knowledge(knowledge)
        }
        if !knowledge.rounds.isEmpty {
            out.string(Self.writerTag)
            out.strings(knowledge.rounds.map { (try? canonicalJSON($0)) ?? "" })  // folded facts came from JSON
        }
        return out.bytes
    }

    /// Reads `encoded()` back; `where` names the source in errors.
    public init(encoded bytes: [UInt8], where source: String) throws(EngineError) {
        var input = CanonicalReader(bytes: bytes, source: source)
        self.init()
        let tag = try input.string()
        let tags = [Self.encodingTag, Self.correctionsTag, Self.signalsTag, Self.bufferTag, Self.poolTag]
        guard tags.contains(tag) else {
            throw input.fail("state encoding '\(tag)' is not one this build reads (\(tags.joined(separator: ", ")))")
        }
        let withPool = tag == Self.poolTag, withBuffer = withPool || tag == Self.bufferTag, signals = withBuffer || tag == Self.signalsTag, corrections = signals || tag == Self.correctionsTag
        let createdJSON = try input.string()
        if !createdJSON.isEmpty {
            do { created = try JSONDecoder().decode(StoreCreated.self, from: Data(createdJSON.utf8)) } catch {
                throw input.fail("StoreCreated does not decode: \(error)")
            }
            self.createdJSON = createdJSON
        }
        for _ in 0..<(try input.count()) {
            let id = try input.int()
            interactions[id] = Interaction(prompt: try input.string(), response: try input.string(), node: try input.int(), rewards: try input.floats())
            if corrections {
                let correction = try input.string()
                interactions[id]!.correction = correction.isEmpty ? nil : correction
            }
            if signals { interactions[id]!.signals = try input.signals(withCluster: withBuffer) }
            if withBuffer { interactions[id]!.embedding = try input.floats() }
        }
        for _ in 0..<(try input.count()) {
            let id = try input.int()
            let centroid = try input.floats(), count = try input.int(), origin = try input.int(), parent = try input.int()
            var node = Node(id: id, centroid: centroid, count: count, origin: origin, parent: parent < 0 ? nil : parent)
            node.rejectedResponses = try input.strings()
            let buffered = try input.ints(), rewards = try input.floats()
            guard buffered.count == rewards.count else { throw input.fail("node \(id)'s buffer has \(buffered.count) interactions and \(rewards.count) rewards") }
            node.buffer = zip(buffered, rewards).map { BufferedFeedback(interaction: $0, reward: $1) }
            let adapter = try input.string(), optimizer = try input.string()
            node.adapterBlob = adapter.isEmpty ? nil : adapter
            node.optimizerBlob = optimizer.isEmpty ? nil : optimizer
            node.adapterVersion = try input.int()
            if corrections { node.knownAnswers = try input.ints() }
            nodes[id] = node
        }
        updates = try input.int()
        rejectedUpdates = try input.int()
        triggers = try input.int()
        if signals { trigger = try input.trigger() }
        if withBuffer { buffer = try input.buffer() }
        if withPool { pool = try input.pool(clusters: buffer.clusters) }
        guard withBuffer == hasBuffer else { throw input.fail("a \(tag) state of a store made \(hasBuffer ? "with" : "without") a buffer") }
        guard withPool == hasPool else { throw input.fail("a \(tag) state of a store made \(hasPool ? "with" : "without") a LoRA store") }
        // The optional sections, each at most once and in order.
        var section = input.offset < bytes.count ? try input.string() : nil
        if section == Self.expertsTag {
            experts = try input.experts()
            section = input.offset < bytes.count ? try input.string() : nil
        }
        if section == Self.knowledgeTag {
            knowledge = try input.knowledge()
            section = input.offset < bytes.count ? try input.string() : nil
        }
        if section == Self.writerTag {
            knowledge.rounds = try input.strings().map { text throws(EngineError) in try input.decodeFact(WriterTrained.self, text) }
            section = nil
        }
        guard section == nil, input.offset == bytes.count else { throw input.fail("\(bytes.count - input.offset) bytes follow the state") }
    }
}

/// Payload JSON as the log stores it: sorted keys, so equal values give equal bytes. A
/// non-finite float has no JSON form; the error names its field.
public func canonicalJSON<T: Encodable>(_ value: T) throws(EngineError) -> String {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
    do {
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    } catch let EncodingError.invalidValue(bad, context) {
        let path = context.codingPath.map(\.stringValue).joined(separator: ".")
        throw EngineError(.invalidRequest, "\(T.self) cannot be recorded: \(path.isEmpty ? "a value" : path) is \(bad), which JSON cannot hold")
    } catch {
        throw EngineError(.invalidRequest, "\(T.self) cannot be recorded: \(error)")
    }
}

/// The parts of the state only v3 holds.
extension CanonicalWriter {
    mutating func signals(_ signals: AnswerSignals?, withCluster: Bool) {
        guard let signals else { return int(0) }
        int(1)
        floats([signals.firstTokenMargin, signals.meanEntropy, signals.meanLogProbability])
        int(signals.steps)
        floats(signals.nearestNode.map { [$0] } ?? [])
        if withCluster { floats(signals.nearestCluster.map { [$0] } ?? []) }
    }

    /// v4's buffer: samples, the last rounds' labels, the formed clusters, the next number.
    mutating func buffer(_ buffer: EngineState.Buffer) {
        ints(buffer.samples)
        int(buffer.labelings.count)
        buffer.labelings.forEach { ints($0) }
        int(buffer.clusters.count)
        for id in buffer.clusters.keys.sorted() {
            let cluster = buffer.clusters[id]!
            int(id)
            ints(cluster.members)
            floats(cluster.centre)
            int(cluster.missed)
        }
        int(buffer.nextCluster)
    }

    /// v5's pool: each adapter by cluster (blob, gains, answers routed), then each cluster's
    /// last search.
    mutating func pool(_ pool: EngineState.Pool) {
        int(pool.adapters.count)
        for id in pool.adapters.keys.sorted() {
            let adapter = pool.adapters[id]!
            int(id)
            string(adapter.blob)
            floats([adapter.gain, adapter.lossGain])
            int(adapter.routed)
        }
        ints(pool.searched.keys.sorted())
        ints(pool.searched.keys.sorted().map { pool.searched[$0]! })
    }

    /// The library: each expert in name order (name, task, node, adapter, accuracy, retired);
    /// an absent task is "", an absent node -1, an absent accuracy NaN.
    mutating func experts(_ experts: [String: EngineState.Expert]) {
        int(experts.count)
        for name in experts.keys.sorted() {
            let expert = experts[name]!
            string(name)
            string(expert.task ?? "")
            int(expert.node ?? -1)
            string(expert.adapter)
            float(expert.accuracy ?? .nan)
            int(expert.retired ? 1 : 0)
        }
    }

    /// SEAL's passages in number order, each fact as its canonical JSON (what the log holds),
    /// the kept candidate (-1 while learning), then the knowledge adapter ("" for none).
    mutating func knowledge(_ knowledge: EngineState.Knowledge) {
        func json<T: Encodable>(_ value: T) -> String { (try? canonicalJSON(value)) ?? "" }  // folded facts came from JSON
        int(knowledge.passages.count)
        for id in knowledge.passages.keys.sorted() {
            let learned = knowledge.passages[id]!
            string(json(learned.submitted))
            strings(learned.proposed.map(json))
            strings(learned.scored.map(json))
            int(learned.chosen ?? -1)
        }
        string(knowledge.adapter ?? "")
    }

    mutating func trigger(_ trigger: EngineState.Trigger) {
        ints(trigger.judged.map(\.interaction))
        ints(trigger.judged.map { $0.fired ? 1 : 0 })
        guard let calibration = trigger.calibration else { return int(0) }
        int(1)
        ints(calibration.interactions)
        strings(calibration.quantiles.keys.sorted())
        for signal in calibration.quantiles.keys.sorted() { floats(calibration.quantiles[signal]!) }
    }
}

extension CanonicalReader {
    mutating func signals(withCluster: Bool) throws(EngineError) -> AnswerSignals? {
        guard try flag("signals") else { return nil }
        let means = try floats()
        guard means.count == 3 else { throw fail("signals hold \(means.count) means, not 3") }
        let steps = try int(), nearest = try floats()
        guard nearest.count <= 1 else { throw fail("signals hold \(nearest.count) nearest-node similarities, not 0 or 1") }
        let cluster = withCluster ? try floats() : []
        guard cluster.count <= 1 else { throw fail("signals hold \(cluster.count) nearest-cluster similarities, not 0 or 1") }
        return AnswerSignals(firstTokenMargin: means[0], meanEntropy: means[1], meanLogProbability: means[2], steps: steps, nearestNode: nearest.first,
                             nearestCluster: cluster.first)
    }

    mutating func buffer() throws(EngineError) -> EngineState.Buffer {
        var buffer = EngineState.Buffer()
        buffer.samples = try ints()
        for _ in 0..<(try count()) {
            let labels = try ints()
            guard labels.count <= buffer.samples.count, labels.allSatisfy({ $0 >= -1 }) else {
                throw fail("a round of the buffer labels \(labels.count) samples of \(buffer.samples.count), or with a label below -1")
            }
            buffer.labelings.append(labels)
        }
        for _ in 0..<(try count()) {
            let id = try int(), members = try ints(), centre = try floats(), missed = try int()
            guard Set(members).isSubset(of: buffer.samples), !members.isEmpty, !centre.isEmpty else {
                throw fail("cluster \(id) has no members, members outside the buffer, or no centre")
            }
            buffer.clusters[id] = EngineState.Buffer.Cluster(id: id, members: members, centre: centre, missed: missed)
        }
        buffer.nextCluster = try int()
        guard buffer.clusters.keys.allSatisfy({ $0 >= 1 && $0 < buffer.nextCluster }) else {
            throw fail("a cluster's number is not below the next one (\(buffer.nextCluster))")
        }
        return buffer
    }

    mutating func pool(clusters: [Int: EngineState.Buffer.Cluster]) throws(EngineError) -> EngineState.Pool {
        var pool = EngineState.Pool()
        for _ in 0..<(try count()) {
            let id = try int(), blob = try string(), gains = try floats(), routed = try int()
            guard clusters[id] != nil, Hash256(hex: blob) != nil, gains.count == 2, routed >= 0 else {
                throw fail("the pool's adapter of cluster \(id) names no formed cluster, no blob hash, \(gains.count) gains or \(routed) answers")
            }
            pool.adapters[id] = EngineState.Pool.Adapter(cluster: id, blob: blob, gain: gains[0], lossGain: gains[1], routed: routed)
        }
        let searchedClusters = try ints(), searchedCounts = try ints()
        guard searchedClusters.count == searchedCounts.count else { throw fail("the pool's searches name \(searchedClusters.count) clusters and \(searchedCounts.count) counts") }
        pool.searched = Dictionary(zip(searchedClusters, searchedCounts), uniquingKeysWith: { $1 })
        return pool
    }

    mutating func experts() throws(EngineError) -> [String: EngineState.Expert] {
        var experts: [String: EngineState.Expert] = [:]
        for _ in 0..<(try count()) {
            let name = try string(), task = try string(), node = try int(), adapter = try string(), accuracy = try float(), retired = try flag("retired")
            guard !name.isEmpty, experts[name] == nil, !adapter.isEmpty else { throw fail("the library names an expert twice, or one without a name or adapter") }
            experts[name] = EngineState.Expert(name: name, task: task.isEmpty ? nil : task, node: node < 0 ? nil : node, adapter: adapter,
                                               accuracy: accuracy.isNaN ? nil : accuracy, retired: retired)
        }
        return experts
    }

    /// A fact held as its canonical JSON (SEAL's facts; an interaction's request).
    func decodeFact<T: Decodable>(_ type: T.Type, _ text: String) throws(EngineError) -> T {
        do { return try JSONDecoder().decode(type, from: Data(text.utf8)) } catch { throw fail("a \(T.self) does not decode: \(error)") }
    }

    mutating func knowledge() throws(EngineError) -> EngineState.Knowledge {
        var knowledge = EngineState.Knowledge()
        for _ in 0..<(try count()) {
            let submitted = try decodeFact(PassageSubmitted.self, try string())
            var learned = EngineState.Knowledge.Learned(submitted: submitted)
            learned.proposed = try strings().map { text throws(EngineError) in try decodeFact(SelfEditProposed.self, text) }
            learned.scored = try strings().map { text throws(EngineError) in try decodeFact(SelfEditScored.self, text) }
            let chosen = try int()
            learned.chosen = chosen < 0 ? nil : chosen
            guard knowledge.passages[submitted.passage] == nil else { throw fail("passage \(submitted.passage) is held twice") }
            knowledge.passages[submitted.passage] = learned
        }
        let adapter = try string()
        knowledge.adapter = adapter.isEmpty ? nil : adapter
        return knowledge
    }

    mutating func trigger() throws(EngineError) -> EngineState.Trigger {
        let interactions = try ints(), fired = try ints()
        guard interactions.count == fired.count else { throw fail("the trigger judged \(interactions.count) interactions but holds \(fired.count) verdicts") }
        var trigger = EngineState.Trigger(judged: zip(interactions, fired).map { EngineState.Trigger.Judged(interaction: $0, fired: $1 != 0) })
        if try flag("calibration") {
            let sample = try ints(), signals = try strings()
            var quantiles: [String: [Float]] = [:]
            for signal in signals { quantiles[signal] = try floats() }
            trigger.calibration = TriggerCalibrated(interactions: sample, quantiles: quantiles)
        }
        return trigger
    }

    /// A 0 or 1 saying whether `what` follows.
    mutating func flag(_ what: String) throws(EngineError) -> Bool {
        let value = try int()
        guard value == 0 || value == 1 else { throw fail("\(what) flag is \(value), not 0 or 1") }
        return value == 1
    }
}

/// Little-endian, length-prefixed bytes.
struct CanonicalWriter {
    var bytes: [UInt8] = []

    mutating func int(_ value: Int) { withUnsafeBytes(of: Int64(value).littleEndian) { bytes += $0 } }
    mutating func float(_ value: Float) { withUnsafeBytes(of: value.bitPattern.littleEndian) { bytes += $0 } }
    mutating func string(_ value: String) {
        int(value.utf8.count)
        bytes += value.utf8
    }
    mutating func floats(_ values: [Float]) {
        int(values.count)
        values.forEach { float($0) }
    }
    mutating func ints(_ values: [Int]) {
        int(values.count)
        values.forEach { int($0) }
    }
    mutating func strings(_ values: [String]) {
        int(values.count)
        values.forEach { string($0) }
    }
}

/// Reads what `CanonicalWriter` wrote, refusing anything out of bounds with the offset.
struct CanonicalReader {
    /// What the bytes are, named in errors. An event's name is put together only when one is
    /// thrown: a replay reads a payload per event, and building the text up front took 4% of it (perf).
    enum Source {
        case text(String)
        case event(sequence: UInt64, type: String)

        var description: String {
            switch self {
            case .text(let text): text
            case .event(let sequence, let type): "event \(sequence) (\(type))"
            }
        }
    }

    let bytes: [UInt8]
    let source: Source
    /// What a failure is: a corrupt snapshot (state encodings) or a corrupt event (payloads).
    var code = EngineError.Code.corruptSnapshot
    var offset = 0
    /// What an event's decoder copies out of the fields it reads.
    var detail = PayloadDetail.full

    init(bytes: [UInt8], source: String, code: EngineError.Code = .corruptSnapshot) {
        self.init(bytes: bytes, source: .text(source), code: code)
    }

    init(bytes: [UInt8], source: Source, code: EngineError.Code) {
        self.bytes = bytes
        self.source = source
        self.code = code
    }

    func fail(_ reason: String) -> EngineError {
        EngineError(code, "\(source.description) at byte \(offset): \(reason)")
    }

    /// The next `count` bytes, in place; `offset` moves past them.
    mutating func take<R>(_ count: Int, _ body: (UnsafeBufferPointer<UInt8>) throws(EngineError) -> R) throws(EngineError) -> R {
        guard count >= 0, count <= bytes.count - offset else { throw fail("needs \(count) bytes, \(bytes.count - offset) left") }
        let start = offset
        offset += count
        return try bytes.withUnsafeBufferPointer { all throws(EngineError) in try body(UnsafeBufferPointer(rebasing: all[start..<(start + count)])) }
    }

    /// Skips `count` bytes.
    mutating func skip(_ count: Int) throws(EngineError) {
        try take(count) { _ in }
    }

    /// Read in place, not through `take`: its closure was not inlined, and a replay reads about
    /// six integers an event (3% of it, callgrind).
    mutating func int() throws(EngineError) -> Int {
        guard bytes.count - offset >= 8 else { throw fail("needs 8 bytes, \(bytes.count - offset) left") }
        let value = bytes.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: offset, as: Int64.self) }
        offset += 8
        return Int(Int64(littleEndian: value))
    }

    /// A length or element count: never negative, never more than the bytes left.
    mutating func count() throws(EngineError) -> Int {
        let value = try int()
        guard value >= 0, value <= bytes.count - offset else { throw fail("count \(value) is impossible") }
        return value
    }

    mutating func float() throws(EngineError) -> Float {
        try take(4) { raw in Float(bitPattern: UInt32(littleEndian: UnsafeRawBufferPointer(raw).loadUnaligned(as: UInt32.self))) }
    }

    /// UTF-8 or refused. `String(decoding:)` repairs bad bytes instead of refusing them, so the
    /// text is compared with them: equal exactly when they were valid. (`String(validating:)`
    /// went through the generic metadata of its encoding at each call: 7% of a replay, perf.)
    mutating func string() throws(EngineError) -> String {
        let (text, valid) = try take(try count()) { raw in
            var text = String(decoding: raw, as: UTF8.self)
            let valid = text.withUTF8 { utf8 in utf8.count == raw.count && (raw.isEmpty || memcmp(utf8.baseAddress!, raw.baseAddress!, raw.count) == 0) }
            return (text, valid)
        }
        guard valid else { throw fail("a string is not UTF-8") }
        return text
    }

    /// Copied in one go: a replay reads an embedding per interaction.
    mutating func floats() throws(EngineError) -> [Float] {
        let count = try floatCount()
        return try take(4 * count) { raw in Array(LittleEndianFloats(UnsafeRawBufferPointer(raw))) }
    }

    /// A vector's length: never negative, never more floats than the bytes left hold.
    mutating func floatCount() throws(EngineError) -> Int {
        let count = try int()
        guard count >= 0, count <= (bytes.count - offset) / 4 else { throw fail("count \(count) is impossible") }
        return count
    }

    // `count` is at most the bytes left, so reserving it is bounded; growing by appends cost
    // an adapter update's decoding three allocations (callgrind).
    mutating func ints() throws(EngineError) -> [Int] {
        let count = try count()
        var values: [Int] = []
        values.reserveCapacity(count)
        for _ in 0..<count { values.append(try int()) }
        return values
    }

    mutating func strings() throws(EngineError) -> [String] {
        let count = try count()
        var values: [String] = []
        values.reserveCapacity(count)
        for _ in 0..<count { values.append(try string()) }
        return values
    }
}
