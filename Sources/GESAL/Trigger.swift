/// The signals SAGE's trigger can weigh. The first five are label-free: the answer's
/// `AnswerSignals`, known before anyone grades it. The last three exist only when the feedback
/// says what the right answer was.
public enum TriggerSignal: String, Sendable, CaseIterable, Codable {
    case firstTokenMargin, meanEntropy, meanLogProbability, nodeDistance, clusterSimilarity
    case exactMatch, tokenF1, correctionCosine

    public static let labelFree: [TriggerSignal] = [.firstTokenMargin, .meanEntropy, .meanLogProbability, .nodeDistance, .clusterSimilarity]

    /// Whether a large value means a likely failure (high entropy, a distant prompt, a prompt
    /// like the answers the trigger fired on before) rather than a likely success (a wide
    /// margin, a high probability, agreement with the correction).
    public var largeIsBad: Bool { self == .meanEntropy || self == .nodeDistance || self == .clusterSimilarity }

    /// Whether the warm-up's percentiles rank it. A cosine to a failure cluster is on a fixed
    /// scale already, and no cluster exists at warm-up to take percentiles of.
    public var isCalibrated: Bool { TriggerSignal.labelFree.contains(self) && self != .clusterSimilarity }

    /// Exact match and token F1 of `response` against `correction`: the agreement signals that
    /// need no model (the correction's cosine needs the embedder).
    public static func agreement(of response: String, with correction: String) -> [String: Float] {
        [exactMatch.rawValue: TextAgreement.exactMatch(response, correction) ? 1 : 0, tokenF1.rawValue: TextAgreement.tokenF1(response, correction)]
    }

    /// How bad a value is, in [0, 1]: for a label-free signal its rank among the warm-up's
    /// values (oriented), for agreement with a correction one minus the agreement.
    func badness(_ value: Float, calibration: TriggerCalibrated?) -> Float? {
        switch self {
        case .exactMatch, .tokenF1, .correctionCosine: return 1 - min(max(value, 0), 1)
        case .clusterSimilarity: return min(max(value, 0), 1)
        default:
            guard let points = calibration?.quantiles[rawValue], !points.isEmpty else { return nil }
            let rank = TriggerCalibrated.rank(value, among: points)
            return largeIsBad ? rank : 1 - rank
        }
    }
}

/// SAGE's trigger, as a store setting (`EngineConfig.trigger`): which signals count how much,
/// the score at which it fires, and how many judged interactions calibrate the label-free
/// signals. Negative feedback always fires.
public struct TriggerSettings: Sendable, Equatable, Codable {
    /// Weight per signal (`TriggerSignal` names); a signal without one does not count.
    public var weights: [String: Float]
    /// The weighted mean badness at which the trigger fires.
    public var threshold: Float
    /// Judged interactions whose label-free signals set their percentiles (`TriggerCalibrated`);
    /// before that, only the feedback and the correction count.
    public var warmup: Int

    /// Every label-free signal at 1, agreement with a correction at 2 each: a correction is the
    /// user saying what was wrong, stronger than any sign the model gives of itself.
    public static let defaultWeights: [String: Float] = [
        TriggerSignal.firstTokenMargin.rawValue: 1, TriggerSignal.meanEntropy.rawValue: 1, TriggerSignal.meanLogProbability.rawValue: 1,
        TriggerSignal.nodeDistance.rawValue: 1, TriggerSignal.clusterSimilarity.rawValue: 1, TriggerSignal.exactMatch.rawValue: 2, TriggerSignal.tokenF1.rawValue: 2,
        TriggerSignal.correctionCosine.rawValue: 2,
    ]

    public init(weights: [String: Float] = TriggerSettings.defaultWeights, threshold: Float = 0.5, warmup: Int = 20) {
        self.weights = weights
        self.threshold = threshold
        self.warmup = warmup
    }

    public func validate(naming name: (String) -> String = { $0 }) throws(EngineError) {
        try Limits.triggerThreshold.check(threshold, name("triggerThreshold"))
        try Limits.triggerWarmup.check(warmup, name("triggerWarmup"))
        for (signal, weight) in weights.sorted(by: { $0.key < $1.key }) {
            guard TriggerSignal(rawValue: signal) != nil else {
                throw EngineError(.invalidRequest, "\(name("triggerWeight")) names '\(signal)', which is not a trigger signal ("
                    + TriggerSignal.allCases.map(\.rawValue).joined(separator: ", ") + ")")
            }
            try Limits.triggerWeight.check(weight, "the weight of \(signal) in \(name("triggerWeight"))")
        }
    }

    /// Judges one scored interaction: the raw signals, each one's badness where it has one,
    /// their weighted mean, and whether the trigger fires (negative feedback, or the mean at
    /// or above the threshold).
    public func judge(interaction: Int, reward: Float, signals: [String: Float], calibration: TriggerCalibrated?) -> TriggerFired {
        var badness: [String: Float] = [:]
        for (name, value) in signals {
            guard let signal = TriggerSignal(rawValue: name), let bad = signal.badness(value, calibration: calibration) else { continue }
            badness[name] = bad
        }
        let score = self.score(badness)
        let cause: TriggerFired.Cause = reward < 0 ? .negativeFeedback : (score.map { $0 >= threshold } ?? false) ? .score : .none
        return TriggerFired(interaction: interaction, scores: signals, threshold: threshold,
                            judgement: TriggerFired.Judgement(fired: cause != .none, cause: cause, score: score, badness: badness))
    }

    /// The weighted mean of the `badness` of the signals in `among` (all, when nil), summed in
    /// name order; nil when no weighed signal has one.
    public func score(_ badness: [String: Float], among signals: [TriggerSignal]? = nil) -> Float? {
        var total: Float = 0, weightSum: Float = 0
        for name in badness.keys.sorted() where signals?.contains(where: { $0.rawValue == name }) ?? true {
            guard let weight = weights[name], weight > 0 else { continue }
            total += weight * badness[name]!
            weightSum += weight
        }
        return weightSum > 0 ? total / weightSum : nil
    }
}

extension TriggerSettings {
    /// `events` (a branch's history) judged again under these settings, from what the log holds:
    /// the store's settings become these; every feedback gets a judgement and the warm-up its
    /// calibration, in place of the recorded ones. A feedback judged before keeps the raw
    /// signals it recorded (the correction's MiniLM cosine included); one never judged gets the
    /// answer's label-free signals and, with a correction, exact match and token F1 (its cosine
    /// needs the embedder, so it is left out). Nothing is written: this is for trying settings.
    public func rejudged(_ events: [DomainEvent]) -> [DomainEvent] {
        var result: [DomainEvent] = []
        var answers: [Int: InteractionRecorded] = [:]
        var judged: [Int] = []
        var calibration: TriggerCalibrated?
        for (index, event) in events.enumerated() {
            switch event {
            case .storeCreated(var created):
                created.config.trigger = self
                result.append(.storeCreated(created))
            case .interactionRecorded(let e):
                answers[e.interaction] = e
                result.append(event)
            case .feedbackRecorded(let e):
                result.append(event)
                var signals = answers[e.interaction]?.signals?.named ?? [:]
                if index + 1 < events.count, case .triggerFired(let recorded) = events[index + 1], recorded.judgement != nil,
                   recorded.interaction == e.interaction {
                    signals = recorded.scores
                } else if let correction = e.correction, let response = answers[e.interaction]?.response {
                    signals.merge(TriggerSignal.agreement(of: response, with: correction)) { $1 }
                }
                result.append(.triggerFired(judge(interaction: e.interaction, reward: e.reward, signals: signals, calibration: calibration)))
                judged.append(e.interaction)
                if calibration == nil, judged.count == warmup {
                    calibration = TriggerCalibrated(interactions: judged, samples: judged.map { answers[$0]?.signals?.named ?? [:] })
                    result.append(.triggerCalibrated(calibration!))
                }
            case .triggerFired(let e) where e.judgement != nil:
                continue
            case .triggerCalibrated, .bufferSampleAdded:
                continue  // what follows from the recorded judgements, not from these
            case .adapterTrained, .adapterRetired:
                continue  // the pool follows from the buffer, which follows from the judgements
            case let other where other.isDerived:
                continue
            default:
                result.append(event)
            }
        }
        return result
    }
}
