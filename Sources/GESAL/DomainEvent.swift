import EventLog
import Foundation

/// Every fact GESAL records. Each case has a payload struct, is stored as the log type
/// "Name.vN" with a JSON payload (sorted keys), and is documented in docs/events.md. A payload
/// never holds a clock reading other than the log's own commit time, and never anything a
/// projection would have to recompute with the model.
///
/// An enum is as large as its largest case, and a replay moves each event it decodes several
/// times, so the cases whose payloads pass 100 bytes are boxed (`indirect`): InteractionRecorded
/// and StoreCreated are 376 bytes each, and inline they made every event, a feedback's 48 bytes
/// included, a 376-byte copy (callgrind of `gesal-log replay`: 7% of the fold's instructions).
public enum DomainEvent: Sendable, Equatable {
    indirect case storeCreated(StoreCreated)
    indirect case interactionRecorded(InteractionRecorded)
    case feedbackRecorded(FeedbackRecorded)
    case triggerFired(TriggerFired)
    case triggerCalibrated(TriggerCalibrated)
    case bufferSampleAdded(BufferSampleAdded)
    case clusterFormed(ClusterFormed)
    case clusterUpdated(ClusterUpdated)
    case clustersMerged(ClustersMerged)
    case clusterDissolved(ClusterDissolved)
    case adapterTrained(AdapterTrained)
    case adapterRetired(AdapterRetired)
    case nodeCreated(NodeCreated)
    case nodeUpdated(NodeUpdated)
    case adapterUpdated(AdapterUpdated)
    indirect case adapterImported(AdapterImported)
    case updateRejected(UpdateRejected)
    case branchCreated(BranchCreated)
    case reverted(Reverted)
    case snapshotTaken(SnapshotTaken)
    case bisected(Bisected)
    indirect case expertTrained(ExpertTrained)
    case expertPromoted(ExpertPromoted)
    case expertRetired(ExpertRetired)
    indirect case expertMixed(ExpertMixed)
    case passageSubmitted(PassageSubmitted)
    case selfEditProposed(SelfEditProposed)
    indirect case selfEditScored(SelfEditScored)
    case selfEditChosen(SelfEditChosen)
    case writerTrained(WriterTrained)
    /// `gesal-log sign`: a log-level fact the fold passes over (see `HistorySigned`).
    case historySigned(HistorySigned)

    /// The log type this build writes for the case.
    public var typeName: String {
        switch self {
        case .storeCreated: StoreCreated.typeName
        case .interactionRecorded(let e): e.versionedTypeName
        case .feedbackRecorded(let e): e.correction == nil ? FeedbackRecorded.typeName : FeedbackRecorded.correctedTypeName
        case .triggerFired(let e): e.versionedTypeName
        case .triggerCalibrated: TriggerCalibrated.typeName
        case .bufferSampleAdded: BufferSampleAdded.typeName
        case .clusterFormed: ClusterFormed.typeName
        case .clusterUpdated: ClusterUpdated.typeName
        case .clustersMerged: ClustersMerged.typeName
        case .clusterDissolved: ClusterDissolved.typeName
        case .adapterTrained: AdapterTrained.typeName
        case .adapterRetired: AdapterRetired.typeName
        case .nodeCreated: NodeCreated.typeName
        case .nodeUpdated: NodeUpdated.typeName
        case .adapterUpdated: AdapterUpdated.typeName
        case .adapterImported: AdapterImported.typeName
        case .updateRejected: UpdateRejected.typeName
        case .branchCreated: BranchCreated.typeName
        case .reverted: Reverted.typeName
        case .snapshotTaken: SnapshotTaken.typeName
        case .bisected: Bisected.typeName
        case .expertTrained: ExpertTrained.typeName
        case .expertPromoted: ExpertPromoted.typeName
        case .expertRetired: ExpertRetired.typeName
        case .expertMixed: ExpertMixed.typeName
        case .passageSubmitted: PassageSubmitted.typeName
        case .selfEditProposed: SelfEditProposed.typeName
        case .selfEditScored: SelfEditScored.typeName
        case .selfEditChosen: SelfEditChosen.typeName
        case .writerTrained: WriterTrained.typeName
        case .historySigned: HistorySigned.typeName
        }
    }

    /// The event as a log record: type, payload, and the blobs it refers to. The payload is
    /// canonical JSON, or `BinaryPayload` for the events that carry vectors. A value JSON
    /// cannot hold (a NaN or infinite float) is refused in either, never written.
    public func draft() throws(EngineError) -> EventDraft {
        func json<T: Encodable>(_ value: T) throws(EngineError) -> [UInt8] { Array(try canonicalJSON(value).utf8) }
        switch self {
        case .storeCreated(let e): return EventDraft(type: typeName, payload: try json(e))
        case .interactionRecorded(let e): return EventDraft(type: typeName, payload: try BinaryPayload.encode(e))
        case .feedbackRecorded(let e): return EventDraft(type: typeName, payload: try BinaryPayload.encode(e))
        case .triggerFired(let e): return EventDraft(type: typeName, payload: try BinaryPayload.encode(e))
        case .triggerCalibrated(let e): return EventDraft(type: typeName, payload: try json(e))
        case .bufferSampleAdded(let e): return EventDraft(type: typeName, payload: try json(e))
        case .clusterFormed(let e): return EventDraft(type: typeName, payload: try json(e))
        case .clusterUpdated(let e): return EventDraft(type: typeName, payload: try json(e))
        case .clustersMerged(let e): return EventDraft(type: typeName, payload: try json(e))
        case .clusterDissolved(let e): return EventDraft(type: typeName, payload: try json(e))
        case .adapterTrained(let e): return EventDraft(type: typeName, payload: try json(e), blobs: e.adapter.flatMap { Hash256(hex: $0) }.map { [$0] } ?? [])
        case .adapterRetired(let e): return EventDraft(type: typeName, payload: try json(e))
        case .nodeCreated(let e): return EventDraft(type: typeName, payload: try BinaryPayload.encode(e))
        case .nodeUpdated(let e): return EventDraft(type: typeName, payload: try BinaryPayload.encode(e))
        case .adapterUpdated(let e):
            return EventDraft(type: typeName, payload: try BinaryPayload.encode(e), blobs: [e.adapterBlob, e.optimizerBlob].compactMap { Hash256(hex: $0) })
        case .adapterImported(let e):
            return EventDraft(type: typeName, payload: try json(e), blobs: [e.loraBlob, e.adapterBlob].compactMap { Hash256(hex: $0) })
        case .updateRejected(let e): return EventDraft(type: typeName, payload: try json(e))
        case .branchCreated(let e): return EventDraft(type: typeName, payload: try json(e))
        case .reverted(let e): return EventDraft(type: typeName, payload: try json(e))
        case .snapshotTaken(let e): return EventDraft(type: typeName, payload: try json(e), blobs: Hash256(hex: e.blob).map { [$0] } ?? [])
        case .bisected(let e): return EventDraft(type: typeName, payload: try json(e))
        case .expertTrained(let e):
            let kept = e.curve.indices.contains(e.kept) ? Hash256(hex: e.curve[e.kept].adapter) : nil
            return EventDraft(type: typeName, payload: try json(e), blobs: kept.map { [$0] } ?? [])
        case .expertPromoted(let e): return EventDraft(type: typeName, payload: try json(e), blobs: Hash256(hex: e.adapter).map { [$0] } ?? [])
        case .expertRetired(let e): return EventDraft(type: typeName, payload: try json(e))
        case .expertMixed(let e): return EventDraft(type: typeName, payload: try json(e), blobs: Hash256(hex: e.adapter).map { [$0] } ?? [])
        case .passageSubmitted(let e): return EventDraft(type: typeName, payload: try json(e))
        case .selfEditProposed(let e): return EventDraft(type: typeName, payload: try json(e))
        case .selfEditScored(let e): return EventDraft(type: typeName, payload: try json(e), blobs: Hash256(hex: e.adapter).map { [$0] } ?? [])
        case .selfEditChosen(let e): return EventDraft(type: typeName, payload: try json(e), blobs: Hash256(hex: e.adapter).map { [$0] } ?? [])
        case .writerTrained(let e): return EventDraft(type: typeName, payload: try json(e), blobs: Hash256(hex: e.adapter).map { [$0] } ?? [])
        case .historySigned(let e): return EventDraft(type: typeName, payload: e.payload)
        }
    }

    /// Reads a log event back. An unknown type or a newer version is refused by name, so an
    /// old build never misreads a store a newer one wrote.
    public init(_ event: Event) throws(EngineError) {
        try self.init(event, kind: Self.kinds[event.type])
    }

    /// As `init(_:)`, for a walk that keeps `kinds` from one event to the next.
    /// `detail`: what to copy out of the fields the caller's state does not keep.
    init(_ event: Event, kinds: inout TypeKinds, detail: PayloadDetail) throws(EngineError) {
        try self.init(event, kind: kinds.kind(of: event.type), detail: detail)
    }

    private init(_ event: Event, kind: Kind?, detail: PayloadDetail = .full) throws(EngineError) {
        guard let kind else {
            throw EngineError(.unsupportedEvent, "event \(event.sequence) has type '\(event.type)', which this build does not know (written by a newer GESAL?)")
        }
        switch kind {
        case .storeCreated: self = .storeCreated(try Self.json(StoreCreated.self, event))
        case .interactionRecorded: self = try Self.readInteraction(event, detail)
        case .feedbackRecorded: self = try Self.readFeedback(event)
        case .triggerFired: self = try Self.readTrigger(event, detail)
        case .triggerCalibrated: self = .triggerCalibrated(try Self.json(TriggerCalibrated.self, event))
        case .bufferSampleAdded: self = .bufferSampleAdded(try Self.json(BufferSampleAdded.self, event))
        case .clusterFormed: self = .clusterFormed(try Self.json(ClusterFormed.self, event))
        case .clusterUpdated: self = .clusterUpdated(try Self.json(ClusterUpdated.self, event))
        case .clustersMerged: self = .clustersMerged(try Self.json(ClustersMerged.self, event))
        case .clusterDissolved: self = .clusterDissolved(try Self.json(ClusterDissolved.self, event))
        case .adapterTrained: self = .adapterTrained(try Self.json(AdapterTrained.self, event))
        case .adapterRetired: self = .adapterRetired(try Self.json(AdapterRetired.self, event))
        case .nodeCreated: self = .nodeCreated(try Self.binaryOrJSON(NodeCreated.self, event))
        case .nodeUpdated: self = .nodeUpdated(try Self.binaryOrJSON(NodeUpdated.self, event))
        case .adapterUpdated: self = .adapterUpdated(try Self.binaryOrJSON(AdapterUpdated.self, event))
        case .adapterImported: self = .adapterImported(try Self.json(AdapterImported.self, event))
        case .updateRejected: self = .updateRejected(try Self.json(UpdateRejected.self, event))
        case .branchCreated: self = .branchCreated(try Self.json(BranchCreated.self, event))
        case .reverted: self = .reverted(try Self.json(Reverted.self, event))
        case .snapshotTaken: self = .snapshotTaken(try Self.json(SnapshotTaken.self, event))
        case .bisected: self = .bisected(try Self.json(Bisected.self, event))
        case .expertTrained: self = try Self.readExpertTrained(event)
        case .expertPromoted: self = .expertPromoted(try Self.json(ExpertPromoted.self, event))
        case .expertRetired: self = .expertRetired(try Self.json(ExpertRetired.self, event))
        case .expertMixed: self = .expertMixed(try Self.json(ExpertMixed.self, event))
        case .passageSubmitted: self = .passageSubmitted(try Self.json(PassageSubmitted.self, event))
        case .selfEditProposed: self = .selfEditProposed(try Self.json(SelfEditProposed.self, event))
        case .selfEditScored: self = .selfEditScored(try Self.json(SelfEditScored.self, event))
        case .selfEditChosen: self = .selfEditChosen(try Self.json(SelfEditChosen.self, event))
        case .writerTrained: self = .writerTrained(try Self.json(WriterTrained.self, event))
        case .historySigned: self = .historySigned(try Self.json(HistorySigned.self, event))
        }
    }

    private static func json<T: Decodable>(_ type: T.Type, _ event: Event) throws(EngineError) -> T {
        do { return try JSONDecoder().decode(type, from: Data(event.payload)) } catch {
            throw EngineError(.corruptEvent, "event \(event.sequence) (\(event.type)) does not decode: \(error)")
        }
    }

    /// The events that may be binary; no JSON decoder is made for them.
    private static func binaryOrJSON<T: Decodable & BinaryEncodedEvent>(_ type: T.Type, _ event: Event, _ detail: PayloadDetail = .full) throws(EngineError) -> T {
        if BinaryPayload.isBinary(event.payload) { return try BinaryPayload.decode(type, from: event, detail: detail) }
        return try json(type, event)
    }

    private static func readInteraction(_ event: Event, _ detail: PayloadDetail) throws(EngineError) -> DomainEvent {
        let interaction = try binaryOrJSON(InteractionRecorded.self, event, detail)
        guard interaction.request?.isEmpty != true, interaction.request?.turns?.isEmpty != true,
              interaction.versionedTypeName == event.type else {
            let expert = interaction.expert == nil ? "" : " and an expert"
            let request = interaction.request.map { $0.isEmpty ? "an empty request" : $0.turns.map { $0.isEmpty ? "empty turns" : "earlier turns" } ?? "a request without turns" } ?? "no request"
            throw EngineError(.corruptEvent, "event \(event.sequence) (\(event.type)) has \(request)\(interaction.clusterAdapter == nil ? "" : " and a cluster adapter")\(expert): "
                + "\(InteractionRecorded.typeName) carries none, \(InteractionRecorded.requestedTypeName) a non-empty one without turns, "
                + "\(InteractionRecorded.conversationTypeName) one with earlier turns, \(InteractionRecorded.clusterAdapterTypeName) a cluster adapter, "
                + "\(InteractionRecorded.expertTypeName) an expert, \(InteractionRecorded.knowledgeTypeName) a knowledge adapter")
        }
        return .interactionRecorded(interaction)
    }

    private static func readFeedback(_ event: Event) throws(EngineError) -> DomainEvent {
        let feedback = try binaryOrJSON(FeedbackRecorded.self, event)
        guard (feedback.correction != nil) == (event.type == FeedbackRecorded.correctedTypeName) else {
            throw EngineError(.corruptEvent, "event \(event.sequence) (\(event.type)) \(feedback.correction == nil ? "has no" : "has a") correction: "
                + "\(FeedbackRecorded.correctedTypeName) carries one, \(FeedbackRecorded.typeName) does not")
        }
        return .feedbackRecorded(feedback)
    }

    private static func readTrigger(_ event: Event, _ detail: PayloadDetail) throws(EngineError) -> DomainEvent {
        // A judged trigger's scores are checked against its judgement: always read.
        var detail = detail
        if event.type != TriggerFired.typeName { detail.unjudgedTriggerScores = true }
        let trigger = try binaryOrJSON(TriggerFired.self, event, detail)
        guard trigger.versionedTypeName == event.type else {
            throw EngineError(.corruptEvent, "event \(event.sequence) (\(event.type)) \(trigger.judgement == nil ? "has no" : "has a") judgement: "
                + "\(TriggerFired.judgedTypeName) carries one, \(TriggerFired.typeName) does not")
        }
        return .triggerFired(trigger)
    }

    private static func readExpertTrained(_ event: Event) throws(EngineError) -> DomainEvent {
        let trained = try json(ExpertTrained.self, event)
        guard trained.curve.indices.contains(trained.kept) else {
            throw EngineError(.corruptEvent, "event \(event.sequence) (\(event.type)) keeps checkpoint \(trained.kept) of \(trained.curve.count)")
        }
        return .expertTrained(trained)
    }

    /// Which case each log type this build knows reads into: one hash per event, then a direct
    /// call. A chain of `case` comparisons cost a replay up to seven string comparisons per
    /// event, and a table of reading closures a reabstraction thunk and two copies of the
    /// result per event (callgrind).
    enum Kind: Sendable {
        case storeCreated, interactionRecorded, feedbackRecorded, triggerFired, triggerCalibrated, bufferSampleAdded, clusterFormed,
             clusterUpdated, clustersMerged, clusterDissolved, adapterTrained, adapterRetired, nodeCreated, nodeUpdated, adapterUpdated,
             adapterImported, updateRejected, branchCreated, reverted, snapshotTaken, bisected, expertTrained, expertPromoted,
             expertRetired, expertMixed, passageSubmitted, selfEditProposed, selfEditScored, selfEditChosen, writerTrained, historySigned
    }

    static let kinds: [String: Kind] = {
        var kinds: [String: Kind] = [
            StoreCreated.typeName: .storeCreated, TriggerCalibrated.typeName: .triggerCalibrated,
            BufferSampleAdded.typeName: .bufferSampleAdded, ClusterFormed.typeName: .clusterFormed, ClusterUpdated.typeName: .clusterUpdated,
            ClustersMerged.typeName: .clustersMerged, ClusterDissolved.typeName: .clusterDissolved, AdapterTrained.typeName: .adapterTrained,
            AdapterRetired.typeName: .adapterRetired, NodeCreated.typeName: .nodeCreated, NodeUpdated.typeName: .nodeUpdated,
            AdapterUpdated.typeName: .adapterUpdated, AdapterImported.typeName: .adapterImported, UpdateRejected.typeName: .updateRejected,
            BranchCreated.typeName: .branchCreated, Reverted.typeName: .reverted, SnapshotTaken.typeName: .snapshotTaken,
            Bisected.typeName: .bisected, ExpertTrained.typeName: .expertTrained, ExpertPromoted.typeName: .expertPromoted,
            ExpertRetired.typeName: .expertRetired, ExpertMixed.typeName: .expertMixed, PassageSubmitted.typeName: .passageSubmitted,
            SelfEditProposed.typeName: .selfEditProposed, SelfEditScored.typeName: .selfEditScored, SelfEditChosen.typeName: .selfEditChosen,
            WriterTrained.typeName: .writerTrained, HistorySigned.typeName: .historySigned,
        ]
        for name in InteractionRecorded.typeNames { kinds[name] = .interactionRecorded }
        for name in FeedbackRecorded.typeNames { kinds[name] = .feedbackRecorded }
        for name in TriggerFired.typeNames { kinds[name] = .triggerFired }
        return kinds
    }()
}

extension DomainEvent {
    /// The interaction an event is about, if it is about one.
    public var interaction: Int? {
        switch self {
        case .interactionRecorded(let e): e.interaction
        case .feedbackRecorded(let e): e.interaction
        case .triggerFired(let e): e.interaction
        case .bufferSampleAdded(let e): e.interaction
        case .nodeCreated(let e): e.interaction
        case .nodeUpdated(let e): e.interaction
        default: nil
        }
    }

    /// The SEAL passage an event is about, if it is about one: for a writer round, the latest
    /// passage whose edit it trained on.
    public var passage: Int? {
        switch self {
        case .passageSubmitted(let e): e.passage
        case .selfEditProposed(let e): e.passage
        case .selfEditScored(let e): e.passage
        case .selfEditChosen(let e): e.passage
        case .writerTrained(let e): e.edits.map(\.passage).max()
        default: nil
        }
    }

    /// The node an event names directly, if it names one.
    public var node: Int? {
        switch self {
        case .interactionRecorded(let e): e.node
        case .nodeCreated(let e): e.node
        case .nodeUpdated(let e): e.node
        case .adapterUpdated(let e): e.node
        case .adapterImported(let e): e.node
        case .updateRejected(let e): e.node
        default: nil
        }
    }

    /// What a cluster event says, for errors: its cluster and members.
    var interactionList: String {
        switch self {
        case .clusterFormed(let e): "cluster \(e.cluster) of \(e.members)"
        case .clusterUpdated(let e): "cluster \(e.cluster) of \(e.members)"
        case .clustersMerged(let e): "clusters \(e.sources) into \(e.into) of \(e.members)"
        case .clusterDissolved(let e): "cluster \(e.cluster)"
        case .adapterRetired(let e): "cluster \(e.cluster)'s adapter \(e.adapter.prefix(12)), \(e.reason.rawValue)"
        default: typeName
        }
    }

    /// The clusters of SAGE's buffer a cluster event names.
    public var clusters: [Int] {
        switch self {
        case .clusterFormed(let e): [e.cluster]
        case .clusterUpdated(let e): [e.cluster]
        case .clustersMerged(let e): e.sources + [e.into]
        case .clusterDissolved(let e): [e.cluster]
        case .adapterTrained(let e): [e.cluster]
        case .adapterRetired(let e): [e.cluster]
        default: []
        }
    }

    /// The members a cluster event gives a cluster.
    public var clusterMembers: [Int] {
        switch self {
        case .clusterFormed(let e): e.members
        case .clusterUpdated(let e): e.members
        case .clustersMerged(let e): e.members
        default: []
        }
    }

    /// Whether the fold derives events from this one, which its record must hold right after
    /// it (`EngineState.pending`).
    public var derives: Bool {
        switch self {
        case .bufferSampleAdded, .adapterTrained: true
        default: false
        }
    }

    /// Whether the fold derives the event from the one that starts its record: a buffer
    /// round's changes to the formed clusters, the pool's retirements.
    public var isDerived: Bool {
        switch self {
        case .clusterFormed, .clusterUpdated, .clustersMerged, .clusterDissolved, .adapterRetired: true
        default: false
        }
    }
}
