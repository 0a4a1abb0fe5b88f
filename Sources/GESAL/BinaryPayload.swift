import CKernels
import EventLog
import Foundation

/// The compact binary encoding of the events a replay meets most: those that carry float
/// vectors (`InteractionRecorded`'s embedding, `NodeCreated`'s and `NodeUpdated`'s centroid)
/// and the ones written beside every answer (`FeedbackRecorded`, `TriggerFired`,
/// `AdapterUpdated`). JSON spends a base64 string on each vector, and Foundation's decoder
/// most of a replay's time; here a vector is its Float32 bit patterns, copied in one go, and
/// the other fields are `CanonicalWriter`'s little-endian integers, floats and
/// length-prefixed strings, in a fixed order per event.
///
/// A binary payload starts with `marker` (a zero byte, which no JSON text starts with) and
/// the format version, so a reader tells the two encodings apart by the first byte and the
/// event's type name keeps saying only what the event carries. Payloads written before this
/// encoding (JSON) are still read. A build from before it refuses a binary payload (it does
/// not parse as JSON); a build that meets a newer format version refuses it by number.
public enum BinaryPayload {
    public static let marker: UInt8 = 0
    public static let version: UInt8 = 1

    /// Whether `payload` is in this encoding (else it is JSON).
    public static func isBinary(_ payload: [UInt8]) -> Bool { payload.first == marker }

    /// The payload of `value`: marker, version, fields. A float JSON could not hold (NaN or
    /// infinite) is refused here too, so both encodings record the same facts.
    static func encode(_ value: some BinaryEncodedEvent) throws(EngineError) -> [UInt8] {
        var out = CanonicalWriter()
        out.bytes = [marker, version]
        try value.encode(into: &out)
        return out.bytes
    }

    /// Reads a payload `encode` wrote; every error names the event.
    static func decode<T: BinaryEncodedEvent>(_ type: T.Type, from event: Event, detail: PayloadDetail = .full) throws(EngineError) -> T {
        let source = CanonicalReader.Source.event(sequence: event.sequence, type: event.type)
        guard event.payload.count >= 2 else { throw EngineError(.corruptEvent, "\(source.description) has a binary payload of \(event.payload.count) byte") }
        guard event.payload[1] == version else {
            throw EngineError(.unsupportedEvent, "\(source.description) is in binary payload format \(event.payload[1]), which this build does not read "
                + "(it reads \(version); written by a newer GESAL?)")
        }
        var input = CanonicalReader(bytes: event.payload, source: source, code: .corruptEvent)
        input.offset = 2
        input.detail = detail
        let value = try T(from: &input)
        guard input.offset == event.payload.count else { throw input.fail("\(event.payload.count - input.offset) bytes follow the payload") }
        return value
    }
}

/// An event with a binary payload: the fields in a fixed order, written and read by hand.
protocol BinaryEncodedEvent {
    func encode(into out: inout CanonicalWriter) throws(EngineError)
    init(from input: inout CanonicalReader) throws(EngineError)
}

extension NodeCreated: BinaryEncodedEvent {
    func encode(into out: inout CanonicalWriter) throws(EngineError) {
        out.int(node)
        out.int(interaction)
        try out.finiteFloats(embedding.values, "NodeCreated's embedding")
        out.optionalInt(nearest)
        try out.optionalFloat(similarity, "NodeCreated's similarity")
    }

    init(from input: inout CanonicalReader) throws(EngineError) {
        self.init(node: try input.int(), interaction: try input.int(), embedding: Vector(try input.finiteFloats()), nearest: try input.optionalInt(),
                  similarity: try input.optionalFloat())
    }
}

extension NodeUpdated: BinaryEncodedEvent {
    func encode(into out: inout CanonicalWriter) throws(EngineError) {
        out.int(node)
        out.int(interaction)
        try out.finiteFloats(centroid.values, "NodeUpdated's centroid")
        out.int(count)
    }

    init(from input: inout CanonicalReader) throws(EngineError) {
        self.init(node: try input.int(), interaction: try input.int(), centroid: Vector(try input.finiteFloats()), count: try input.int())
    }
}

extension InteractionRecorded: BinaryEncodedEvent {
    /// The fields every interaction has, in binary; the rare structured ones (a request, a
    /// cluster adapter, an expert) as their canonical JSON, which replay seldom meets.
    func encode(into out: inout CanonicalWriter) throws(EngineError) {
        out.int(interaction)
        out.string(prompt)
        out.string(response)
        out.int(node)
        try out.finiteFloats(embedding.values, "InteractionRecorded's embedding")
        try out.finiteFloats([similarity, sampling.temperature, sampling.topP, sampling.repetitionPenalty], "InteractionRecorded's similarity or sampling")
        out.int(sampling.topK)
        out.int(sampling.maxTokens)
        out.int(Int(truncatingIfNeeded: sampling.seed))
        out.int(promptTokens)
        out.int(responseTokens)
        out.optionalString(adapter)
        if let signals {
            try CanonicalWriter.requireFinite(signals.floats, "InteractionRecorded's signals")
        }
        out.signals(signals, withCluster: true)
        out.optionalString(try request.map { value throws(EngineError) in try canonicalJSON(value) })
        out.optionalString(try clusterAdapter.map { value throws(EngineError) in try canonicalJSON(value) })
        out.optionalString(try expert.map { value throws(EngineError) in try canonicalJSON(value) })
        out.optionalString(knowledge)
    }

    init(from input: inout CanonicalReader) throws(EngineError) {
        let interaction = try input.int(), prompt = try input.string(), response = try input.string(), node = try input.int()
        let embedding = input.detail.interactionEmbeddings ? try input.finiteFloats() : try input.skipFiniteFloats()
        var floats = SIMD4<Float>()
        try input.finiteFloats(exactly: 4, "the interaction's similarity and sampling") { raw in
            let read = LittleEndianFloats(raw)
            floats = SIMD4(read[0], read[1], read[2], read[3])
        }
        let sampling = SamplingRecord(temperature: floats[1], topK: try input.int(), topP: floats[2], repetitionPenalty: floats[3],
                                      maxTokens: try input.int(), seed: UInt64(truncatingIfNeeded: try input.int()))
        let promptTokens = try input.int(), responseTokens = try input.int(), adapter = try input.optionalString()
        let signals = try input.signals(withCluster: true)
        guard signals?.floats.allSatisfy(\.isFinite) != false else { throw input.fail("the signals hold a NaN or infinite value") }
        let request = try input.optionalFact(AnswerRequest.self), clusterAdapter = try input.optionalFact(ClusterAdapterUse.self)
        let expert = try input.optionalFact(ExpertUse.self), knowledge = try input.optionalString()
        guard request?.isEmpty != true else { throw input.fail("the interaction holds an empty request (one is never recorded)") }
        self.init(interaction: interaction, prompt: prompt, response: response, node: node, embedding: Vector(embedding), similarity: floats[0],
                  adapter: adapter, sampling: sampling, promptTokens: promptTokens, responseTokens: responseTokens, request: request,
                  signals: signals, clusterAdapter: clusterAdapter, expert: expert, knowledge: knowledge)
    }
}

extension AnswerSignals {
    /// Every float the signals hold: what must be finite, written or read.
    var floats: [Float] { [firstTokenMargin, meanEntropy, meanLogProbability] + [nearestNode, nearestCluster].compactMap { $0 } }
}

extension FeedbackRecorded: BinaryEncodedEvent {
    func encode(into out: inout CanonicalWriter) throws(EngineError) {
        out.int(interaction)
        try out.finiteFloats([reward], "FeedbackRecorded's reward")
        out.string(source)
        out.optionalString(correction)
    }

    init(from input: inout CanonicalReader) throws(EngineError) {
        let interaction = try input.int(), reward = try input.finiteFloat("the feedback's reward")
        self.init(interaction: interaction, reward: reward, source: try input.string(), correction: try input.optionalString())
    }
}

extension TriggerFired: BinaryEncodedEvent {
    func encode(into out: inout CanonicalWriter) throws(EngineError) {
        out.int(interaction)
        try out.floatMap(scores, "TriggerFired's scores")
        try out.finiteFloats([threshold], "TriggerFired's threshold")
        out.int(judgement == nil ? 0 : 1)
        if let judgement {
            out.int(judgement.fired ? 1 : 0)
            out.string(judgement.cause.rawValue)
            try out.optionalFloat(judgement.score, "TriggerFired's score")
            try out.floatMap(judgement.badness, "TriggerFired's badness")
        }
    }

    init(from input: inout CanonicalReader) throws(EngineError) {
        let interaction = try input.int(), scores = input.detail.unjudgedTriggerScores ? try input.floatMap() : try input.skipFloatMap()
        let threshold = try input.finiteFloat("the trigger's threshold")
        var judgement: Judgement?
        if try input.flag("a judgement's") {
            let fired = try input.flag("fired"), causeName = try input.string()
            guard let cause = Cause(rawValue: causeName) else { throw input.fail("'\(causeName)' is not a trigger's cause") }
            judgement = Judgement(fired: fired, cause: cause, score: try input.optionalFloat(), badness: try input.floatMap())
        }
        self.init(interaction: interaction, scores: scores, threshold: threshold, judgement: judgement)
    }
}

extension AdapterUpdated: BinaryEncodedEvent {
    func encode(into out: inout CanonicalWriter) throws(EngineError) {
        out.int(node)
        out.strings([method, adapterBlob, optimizerBlob])
        try out.finiteFloats([loss], "AdapterUpdated's loss")
        out.ints(interactions)
    }

    init(from input: inout CanonicalReader) throws(EngineError) {
        let node = try input.int(), texts = try input.strings()
        guard texts.count == 3 else { throw input.fail("the update holds \(texts.count) texts, not 3") }
        let loss = try input.finiteFloat("the update's loss")
        self.init(node: node, method: texts[0], adapterBlob: texts[1], optimizerBlob: texts[2], loss: loss, interactions: try input.ints())
    }
}

extension CanonicalWriter {
    /// A map from names to floats, in key order (as canonical JSON has it).
    mutating func floatMap(_ map: [String: Float], _ what: String) throws(EngineError) {
        let keys = map.keys.sorted()
        strings(keys)
        try finiteFloats(keys.map { map[$0]! }, what)
    }

    /// Floats that JSON could hold too: refuses a NaN or an infinity, naming `what`.
    mutating func finiteFloats(_ values: [Float], _ what: String) throws(EngineError) {
        try Self.requireFinite(values, what)
        floats(values)
    }

    static func requireFinite(_ values: [Float], _ what: String) throws(EngineError) {
        guard BinaryPayload.allFinite(values) else { throw EngineError(.invalidRequest, "\(what) cannot be recorded: it holds a NaN or infinite value") }
    }

    mutating func optionalInt(_ value: Int?) {
        int(value == nil ? 0 : 1)
        if let value { int(value) }
    }

    mutating func optionalFloat(_ value: Float?, _ what: String) throws(EngineError) {
        try finiteFloats(value.map { [$0] } ?? [], what)
    }

    mutating func optionalString(_ value: String?) {
        int(value == nil ? 0 : 1)
        if let value { string(value) }
    }
}

extension CanonicalReader {
    /// Floats an event may hold: JSON could not hold a NaN or an infinity, so neither may this.
    mutating func finiteFloats() throws(EngineError) -> [Float] {
        let values = try floats()
        guard BinaryPayload.allFinite(values) else { throw fail("a float is NaN or infinite") }
        return values
    }

    /// `count` floats written by `finiteFloats`, read without an array (the events hold one to
    /// four: a reward, a threshold, a loss, an interaction's similarity and sampling); `what`
    /// names them in the error when the count differs.
    mutating func finiteFloats(exactly count: Int, _ what: String, _ body: (UnsafeRawBufferPointer) -> Void) throws(EngineError) {
        let stored = try int()
        guard stored == count else { throw fail("\(what) holds \(stored) values, not \(count)") }
        let finite = try take(4 * count) { raw in
            let bytes = UnsafeRawBufferPointer(raw)
            body(bytes)
            return BinaryPayload.allFinite(bytes)
        }
        guard finite else { throw fail("a float is NaN or infinite") }
    }

    mutating func finiteFloat(_ what: String) throws(EngineError) -> Float {
        var value: Float = 0
        try finiteFloats(exactly: 1, what) { value = LittleEndianFloats($0)[0] }
        return value
    }

    /// Names in increasing order (one encoding per map), then their values, read into the map
    /// as they come (an array of the values and a zip of both cost a trigger's decoding about
    /// half its instructions, callgrind).
    mutating func floatMap() throws(EngineError) -> [String: Float] {
        let keys = try strings()
        guard zip(keys, keys.dropFirst()).allSatisfy({ $0 < $1 }) else { throw fail("a map's \(keys.count) names are not in increasing order") }
        var map = [String: Float](minimumCapacity: keys.count)
        try finiteFloats(exactly: keys.count, "a map's values") { raw in
            let values = LittleEndianFloats(raw)
            for (i, key) in keys.enumerated() { map[key] = values[i] }
        }
        return map
    }

    /// As `finiteFloats()`, checked in place and not copied out: returns no values.
    mutating func skipFiniteFloats() throws(EngineError) -> [Float] {
        let count = try floatCount()
        let finite = try take(4 * count) { raw in BinaryPayload.allFinite(UnsafeRawBufferPointer(raw)) }
        guard finite else { throw fail("a float is NaN or infinite") }
        return []
    }

    /// As `floatMap()`, checked without making the map or its names: returns an empty map.
    /// Names of ASCII alone (every name a build writes) are UTF-8 and order as their bytes do;
    /// a map with any other name is read by `floatMap()` itself, so it is refused for the same
    /// reasons and in the same words.
    mutating func skipFloatMap() throws(EngineError) -> [String: Float] {
        let start = offset, count = try count()
        var previous: Range<Int>?, ascii = true, ordered = true
        for _ in 0..<count {
            let length = try self.count()
            let name = offset..<(offset + length)
            try skip(length)
            bytes.withUnsafeBytes { all in
                let raw = UnsafeRawBufferPointer(rebasing: all[name])
                ascii = ascii && raw.allSatisfy { $0 < 0x80 }
                if let previous { ordered = ordered && UnsafeRawBufferPointer(rebasing: all[previous]).lexicographicallyPrecedes(raw) }
            }
            previous = name
        }
        guard ascii else {
            offset = start
            _ = try floatMap()
            return [:]
        }
        guard ordered else { throw fail("a map's \(count) names are not in increasing order") }
        try finiteFloats(exactly: count, "a map's values") { _ in }
        return [:]
    }

    mutating func optionalInt() throws(EngineError) -> Int? {
        try flag("an optional number's") ? try int() : nil
    }

    mutating func optionalFloat() throws(EngineError) -> Float? {
        let values = try finiteFloats()
        guard values.count <= 1 else { throw fail("an optional float holds \(values.count) values") }
        return values.first
    }

    mutating func optionalString() throws(EngineError) -> String? {
        try flag("an optional text's") ? try string() : nil
    }

    /// A structured field held as its canonical JSON, when present; JSON in any other form is
    /// refused, so a fact has one encoding.
    mutating func optionalFact<T: Codable>(_ type: T.Type) throws(EngineError) -> T? {
        guard let text = try optionalString() else { return nil }
        let fact = try decodeFact(type, text)
        guard (try? canonicalJSON(fact)) == text else { throw fail("its \(T.self) is not in canonical JSON") }
        return fact
    }
}

extension BinaryPayload {
    /// The node and the interaction a binary payload names, read from its first fields without
    /// decoding the rest: what lets an audit pass over the events of other nodes unread. Nil
    /// for a JSON payload, a type that names neither first, or bytes too short to say.
    public static func subject(of event: Event) -> (node: Int?, interaction: Int?)? {
        guard isBinary(event.payload), event.payload.count >= 2, event.payload[1] == version else { return nil }
        var input = CanonicalReader(bytes: event.payload, source: "", code: .corruptEvent)
        input.offset = 2
        // The type's name before its version, compared as bytes: a `Character` walk over the
        // name (`prefix(while:)` on the String) took 40% of a node's audit (perf).
        let base = event.type.utf8.prefix { $0 != UInt8(ascii: ".") }
        func named(_ name: String) -> Bool { base.elementsEqual(name.utf8) }
        do {
            if named("NodeCreated") || named("NodeUpdated") { return (try input.int(), try input.int()) }
            if named("InteractionRecorded") {
                let interaction = try input.int()
                try input.skip(try input.count())  // prompt
                try input.skip(try input.count())  // response
                return (try input.int(), interaction)
            }
            if named("FeedbackRecorded") || named("TriggerFired") { return (nil, try input.int()) }
            if named("AdapterUpdated") { return (try input.int(), nil) }
            return nil
        } catch {
            return nil  // the full decode says what is wrong
        }
    }

    /// The canonical JSON a binary payload stands for, for people (`gesal-log log`, `export`);
    /// nil for a JSON payload, or one that does not decode.
    public static func json(of event: Event) -> String? {
        guard isBinary(event.payload), let fact = try? DomainEvent(event) else { return nil }
        switch fact {
        case .interactionRecorded(let e): return try? canonicalJSON(e)
        case .nodeCreated(let e): return try? canonicalJSON(e)
        case .nodeUpdated(let e): return try? canonicalJSON(e)
        case .feedbackRecorded(let e): return try? canonicalJSON(e)
        case .triggerFired(let e): return try? canonicalJSON(e)
        case .adapterUpdated(let e): return try? canonicalJSON(e)
        default: return nil
        }
    }
}

extension BinaryPayload {
    /// Whether no value is NaN or infinite, for writing and reading alike: a replay checks an
    /// embedding or a centroid per event. The test runs in CKernels (`gesal_all_finite`),
    /// compiled for AVX2 where the CPU has it; its answer is the same on every kernel.
    static func allFinite(_ values: [Float]) -> Bool {
        values.withUnsafeBytes { allFinite($0) }
    }

    /// As `allFinite(_:)`, for Float32 bit patterns in place (little-endian, as events and
    /// this machine hold them).
    static func allFinite(_ raw: UnsafeRawBufferPointer) -> Bool {
        guard let base = raw.baseAddress else { return true }
        return gesal_all_finite(base, Int64(raw.count / 4)) == 1
    }
}
