import EventLog
import Foundation
import Testing
@testable import GESAL

/// SAGE's trigger as the log holds it: the judgement's arithmetic, the calibration's
/// percentiles, the fold of `TriggerFired.v2` and `TriggerCalibrated`, and the v3 state encoding.
struct TriggerTests {
    static let settings = TriggerSettings(threshold: 0.5, warmup: 3)
    static let created = StoreCreated(modelFingerprint: "f00d", model: "tiny", embedder: "tiny", threads: 2, blasCore: "SkylakeX", seed: 7,
                                      config: EngineConfig(trigger: settings))

    static func signals(margin: Float, entropy: Float = 1, logProbability: Float = -0.5, nearest: Float? = 0.9) -> AnswerSignals {
        AnswerSignals(firstTokenMargin: margin, meanEntropy: entropy, meanLogProbability: logProbability, steps: 4, nearestNode: nearest)
    }

    static func asked(_ interaction: Int, signals: AnswerSignals?) -> [DomainEvent] {
        let embedding = Vector([1, 0, 0, Float(interaction)])
        return [
            .nodeCreated(NodeCreated(node: interaction, interaction: interaction, embedding: embedding, nearest: nil, similarity: nil)),
            .interactionRecorded(InteractionRecorded(
                interaction: interaction, prompt: "q\(interaction)", response: "The answer is 1", node: interaction, embedding: embedding,
                similarity: 1, adapter: nil, sampling: SamplingRecord(temperature: 0, topK: 0, topP: 1, repetitionPenalty: 1, maxTokens: 8, seed: 0),
                promptTokens: 10, responseTokens: 4, signals: signals)),
        ]
    }

    static func state(_ events: [DomainEvent], created: StoreCreated = created) throws -> EngineState {
        var state = EngineState()
        for event in [.storeCreated(created)] + events { try state.apply(event) }
        return state
    }

    /// Feedback on `interaction` and the trigger's judgement of it, as the engine writes them
    /// (negative feedback fires, +1 before the calibration does not).
    static func judged(_ interaction: Int, fired: Bool, signals: AnswerSignals? = nil, calibration: TriggerCalibrated? = nil) -> [DomainEvent] {
        let reward: Float = fired ? -2 : 1
        return [.feedbackRecorded(FeedbackRecorded(interaction: interaction, reward: reward, source: "user")),
                .triggerFired(settings.judge(interaction: interaction, reward: reward, signals: signals?.named ?? [:], calibration: calibration))]
    }

    // MARK: Agreement with a correction (SQuAD's normalisation, worked by hand)

    @Test func exactMatchIgnoresCaseArticlesAndPunctuation() {
        #expect(TextAgreement.exactMatch("The Eiffel Tower.", "eiffel tower"))
        #expect(TextAgreement.exactMatch("  an apple ", "Apple!"))
        #expect(!TextAgreement.exactMatch("19", "21"))
        #expect(!TextAgreement.exactMatch("There are 3 r's", "3"))
    }

    /// "the cat sat" against "cat sat down": 2 shared tokens, precision 1, recall 2/3, F1 0.8;
    /// repeated tokens count once per occurrence ("a a b" has two a's to "a b"'s one).
    @Test func tokenF1CountsSharedTokensAsAMultiset() {
        #expect(abs(TextAgreement.tokenF1("the cat sat", "cat sat down") - 0.8) < 1e-6)
        #expect(abs(TextAgreement.tokenF1("x x y", "x y") - 0.8) < 1e-6)
        #expect(TextAgreement.tokenF1("19", "21") == 0)
        #expect(TextAgreement.tokenF1("", "the") == 1, "both empty after normalising")
        #expect(TextAgreement.tokenF1("cat", "") == 0)
    }

    // MARK: Calibration

    /// numpy.percentile([1, 2, 3, 4, 5], [0, 5, 25, 50, 100]) = [1, 1.2, 2, 3, 5].
    @Test func percentilesInterpolateAsNumpyDoes() throws {
        let samples = [5, 1, 4, 2, 3].map { [TriggerSignal.firstTokenMargin.rawValue: Float($0)] }
        let calibration = TriggerCalibrated(interactions: [1, 2, 3, 4, 5], samples: samples)
        let points = try #require(calibration.quantiles["firstTokenMargin"])
        #expect(points.count == 21)
        #expect(abs(points[0] - 1) < 1e-6 && abs(points[1] - 1.2) < 1e-6 && abs(points[5] - 2) < 1e-6)
        #expect(abs(points[10] - 3) < 1e-6 && abs(points[20] - 5) < 1e-6)
        #expect(calibration.quantiles["meanEntropy"] == nil, "no sample had it")
    }

    @Test func aValueRanksBetweenThePointsItFallsBetween() {
        let points = (0...20).map { Float($0) }  // rank = value / 20
        #expect(TriggerCalibrated.rank(-1, among: points) == 0)
        #expect(TriggerCalibrated.rank(5, among: points) == 0.25)
        #expect(TriggerCalibrated.rank(5.5, among: points) == 0.275)
        #expect(TriggerCalibrated.rank(30, among: points) == 1)
        let flat = [Float](repeating: 2, count: 21)
        #expect(TriggerCalibrated.rank(2, among: flat) == 0.5, "a signal that never varied is neutral")
        #expect(TriggerCalibrated.rank(1.9, among: flat) == 0 && TriggerCalibrated.rank(2.1, among: flat) == 1)
        #expect(TriggerCalibrated.rank(1, among: [0, 1, 1, 1, 2]) == 0.5, "the middle of the run of ones (indices 1 to 3, of 4)")
    }

    // MARK: The judgement

    @Test func negativeFeedbackFiresWithNothingToScore() {
        let judged = Self.settings.judge(interaction: 1, reward: -2, signals: ["firstTokenMargin": 0.1], calibration: nil)
        #expect(judged.judgement?.fired == true && judged.judgement?.cause == .negativeFeedback)
        #expect(judged.judgement?.score == nil, "label-free signals have no badness before the calibration")
        let positive = Self.settings.judge(interaction: 1, reward: 1, signals: ["firstTokenMargin": 0.1], calibration: nil)
        #expect(positive.judgement?.fired == false && positive.judgement?.cause == TriggerFired.Cause.none)
    }

    /// Margin 0.5 ranks 0.25 among 0...20, so its badness is 0.75; entropy 15 ranks 0.75
    /// (large is bad): 0.75; a wrong correction: exact match 0 and F1 0 give badness 1 each.
    /// Weights 1, 1, 2, 2: (0.75 + 0.75 + 2 + 2) / 6.
    @Test func theScoreIsTheWeightedMeanOfBadness() throws {
        let points = (0...20).map { Float($0) }
        let calibration = TriggerCalibrated(interactions: [1], quantiles: ["firstTokenMargin": points.map { $0 / 10 }, "meanEntropy": points])
        let settings = TriggerSettings(weights: ["firstTokenMargin": 1, "meanEntropy": 1, "exactMatch": 2, "tokenF1": 2], threshold: 0.9, warmup: 1)
        let judged = settings.judge(interaction: 4, reward: 1, signals: ["firstTokenMargin": 0.5, "meanEntropy": 15, "exactMatch": 0, "tokenF1": 0,
                                                                         "meanLogProbability": -1],
                                    calibration: calibration)
        let judgement = try #require(judged.judgement)
        #expect(abs(judgement.score! - 5.5 / 6) < 1e-6)
        #expect(judgement.fired && judgement.cause == .score)
        #expect(judgement.badness["meanLogProbability"] == nil, "no calibration for it")
        #expect(judged.scores["meanEntropy"] == 15, "the raw signals are kept for re-tuning")
    }

    @Test func settingsOutOfRangeOrUnknownSignalsAreRefused() {
        #expect { try TriggerSettings(threshold: 1.5).validate() } throws: { "\($0)".contains("triggerThreshold is 1.5") }
        #expect { try TriggerSettings(warmup: 0).validate() } throws: { "\($0)".contains("triggerWarmup") }
        #expect { try TriggerSettings(weights: ["bleu": 1]).validate() } throws: { "\($0)".contains("'bleu'") }
        #expect { try TriggerSettings(weights: ["tokenF1": .nan]).validate() } throws: { "\($0)".contains("weight of tokenF1") }
    }

    // MARK: The log

    /// What the (binary) payload stands for.
    static func json(_ draft: EventDraft) -> String {
        BinaryPayload.json(of: Event(sequence: 1, timeNanos: 0, type: draft.type, payload: draft.payload, blobs: [])) ?? "(none)"
    }

    @Test func aBufferTriggerStaysV1AndAJudgementIsV2() throws {
        let buffered = try DomainEvent.triggerFired(TriggerFired(interaction: 3, scores: ["buffered": 1], threshold: 1)).draft()
        #expect(buffered.type == "TriggerFired.v1")
        #expect(Self.json(buffered) == #"{"interaction":3,"scores":{"buffered":1},"threshold":1}"#)
        #expect(try DomainEvent.triggerFired(Self.settings.judge(interaction: 3, reward: -2, signals: [:], calibration: nil)).draft().type == "TriggerFired.v2")
        let v2Without = Event(sequence: 9, timeNanos: 0, type: "TriggerFired.v2", payload: Array(#"{"interaction":3,"scores":{},"threshold":1}"#.utf8), blobs: [])
        #expect { try DomainEvent(v2Without) } throws: { "\($0)".contains("event 9") && "\($0)".contains("has no judgement") }
    }

    @Test func signalsDoNotChangeAnInteractionsVersion() throws {
        let plain = try #require(Self.asked(1, signals: nil).last).draft()
        #expect(!Self.json(plain).contains("signals"))
        let measured = try #require(Self.asked(1, signals: Self.signals(margin: 2)).last).draft()
        #expect(measured.type == "InteractionRecorded.v1", "a build that knows binary payloads folds it the same, without the signals")
        #expect(Self.json(measured).contains(#""signals":{"firstTokenMargin":2"#))
    }

    @Test func judgementsFoldInOrderAndBufferTriggersStillCount() throws {
        let state = try Self.state(Self.asked(1, signals: nil) + Self.asked(2, signals: nil) + Self.judged(2, fired: true) + Self.judged(1, fired: false)
            + [.triggerFired(TriggerFired(interaction: 1, scores: ["buffered": 1], threshold: 1))])
        #expect(state.trigger.judged.map(\.interaction) == [2, 1] && state.trigger.judged.map(\.fired) == [true, false])
        #expect(state.triggers == 1, "v1 counts learning steps' triggers, as before")
    }

    @Test func aCalibrationMustNameTheFirstJudgedAndComeOnce() throws {
        let judged = Self.asked(1, signals: nil) + Self.asked(2, signals: nil) + Self.judged(1, fired: true) + Self.judged(2, fired: true)
        let calibration = TriggerCalibrated(interactions: [1, 2], quantiles: [:])
        #expect(try Self.state(judged + [.triggerCalibrated(calibration)]).trigger.calibration == calibration)
        #expect { try Self.state(judged + [.triggerCalibrated(TriggerCalibrated(interactions: [2], quantiles: [:]))]) } throws: {
            "\($0)".contains("not the first ones judged")
        }
        #expect { try Self.state(judged + [.triggerCalibrated(calibration), .triggerCalibrated(calibration)]) } throws: {
            "\($0)".contains("calibrated twice")
        }
    }

    @Test func aNonFiniteSignalOrPercentileIsNeverRecorded() {
        #expect { try Self.asked(1, signals: Self.signals(margin: .nan)).last!.checkInput() } throws: { "\($0)".contains("signals of interaction 1") }
        let falling = TriggerCalibrated(interactions: [1], quantiles: ["meanEntropy": (0...20).map { Float(20 - $0) }])
        #expect { try DomainEvent.triggerCalibrated(falling).checkInput() } throws: { "\($0)".contains("non-decreasing") }
    }

    @Test func theStateEncodingIsV3OnlyWithSignalsAndRoundTrips() throws {
        let plain = try Self.state(Self.asked(1, signals: nil), created: CorrectionTests.created)
        #expect(Array(plain.encoded()[8..<21]) == Array("GESALSTATE.v1".utf8), "a state without signals keeps its hash")
        let samples = [Self.signals(margin: 1), Self.signals(margin: 3, nearest: nil)]
        let measured = try Self.state(Self.asked(1, signals: samples[0]) + Self.asked(2, signals: samples[1]) + [
            .feedbackRecorded(FeedbackRecorded(interaction: 1, reward: -2, source: "user", correction: "2")),
        ] + Self.judged(1, fired: true, signals: samples[0]) + Self.judged(2, fired: false, signals: samples[1]) + [
            .triggerCalibrated(TriggerCalibrated(interactions: [1, 2], samples: samples.map(\.named))),
        ])
        #expect(Array(measured.encoded()[8..<21]) == Array("GESALSTATE.v3".utf8))
        let decoded = try EngineState(encoded: measured.encoded(), where: "test")
        #expect(decoded == measured)
        #expect(decoded.interactions[2]!.signals?.nearestNode == nil && decoded.interactions[1]!.correction == "2")
    }

    @Test func aTruncatedV3StateIsRefusedWithItsOffset() throws {
        let measured = try Self.state(Self.asked(1, signals: Self.signals(margin: 1)) + Self.judged(1, fired: true, signals: Self.signals(margin: 1)))
        #expect { try EngineState(encoded: Array(measured.encoded().dropLast(8)), where: "snapshot y") } throws: { "\($0)".contains("snapshot y at byte") }
    }

    // MARK: Replay refuses what does not follow

    @Test func aJudgementThatDoesNotFollowFromItsSignalsIsRefused() throws {
        let signals = Self.signals(margin: 2)
        let events = Self.asked(1, signals: signals) + Self.judged(1, fired: false, signals: signals)
        _ = try Self.state(events)
        guard case .triggerFired(var flipped) = events.last! else { Issue.record("not a trigger"); return }
        flipped.judgement!.fired = true
        #expect { try Self.state(Array(events.dropLast()) + [.triggerFired(flipped)]) } throws: {
            "\($0)".contains("judgement of interaction 1 does not follow")
        }
        guard case .triggerFired(var moved) = events.last! else { return }
        moved.scores["firstTokenMargin"] = 9
        #expect { try Self.state(Array(events.dropLast()) + [.triggerFired(moved)]) } throws: {
            "\($0)".contains("records firstTokenMargin 9.0 where the answer measured 2.0")
        }
    }

    @Test func aJudgementInAStoreWithoutATriggerOrBeforeFeedbackIsRefused() throws {
        let events = Self.asked(1, signals: nil) + Self.judged(1, fired: true)
        #expect { try Self.state(events, created: CorrectionTests.created) } throws: { "\($0)".contains("made without a trigger") }
        #expect { try Self.state(Self.asked(1, signals: nil) + [events.last!]) } throws: { "\($0)".contains("before any feedback") }
    }

    @Test func aTamperedCalibrationIsRefused() throws {
        let samples = [Self.signals(margin: 1), Self.signals(margin: 3)]
        let judged = Self.asked(1, signals: samples[0]) + Self.asked(2, signals: samples[1])
            + Self.judged(1, fired: true, signals: samples[0]) + Self.judged(2, fired: true, signals: samples[1])
        var calibration = TriggerCalibrated(interactions: [1, 2], samples: samples.map(\.named))
        _ = try Self.state(judged + [.triggerCalibrated(calibration)])
        calibration.quantiles["firstTokenMargin"]![10] += 0.5
        #expect { try Self.state(judged + [.triggerCalibrated(calibration)]) } throws: { "\($0)".contains("does not follow from their signals") }
    }

    // MARK: Judging a history again

    /// A history judged live, judged again under its own settings, is the same history.
    @Test func aHistoryRejudgedUnderItsOwnSettingsIsUnchanged() throws {
        let samples = (1...4).map { Self.signals(margin: Float($0), entropy: Float(5 - $0)) }
        var events: [DomainEvent] = [.storeCreated(Self.created)]
        var state = try Self.state([])
        for (index, signals) in samples.enumerated() {
            let interaction = index + 1
            events += Self.asked(interaction, signals: signals)
            let reward: Float = index % 2 == 0 ? -2 : 1
            events.append(.feedbackRecorded(FeedbackRecorded(interaction: interaction, reward: reward, source: "user")))
            for event in events.suffix(3) { try state.apply(event) }
            events.append(.triggerFired(Self.settings.judge(interaction: interaction, reward: reward, signals: signals.named, calibration: state.trigger.calibration)))
            try state.apply(events.last!)
            if interaction == Self.settings.warmup {
                events.append(.triggerCalibrated(TriggerCalibrated(interactions: [1, 2, 3], samples: samples.prefix(3).map(\.named))))
                try state.apply(events.last!)
            }
        }
        #expect(Self.settings.rejudged(events) == events)
        let stricter = TriggerSettings(threshold: 0.95, warmup: 3)
        let again = stricter.rejudged(events)
        var folded = EngineState()
        for event in again { try folded.apply(event) }
        #expect(folded.trigger.judged.map(\.fired) == [true, false, true, false], "only negative feedback reaches 0.95")
    }

    /// A store made without a trigger is judged from its answers' signals; a correction adds
    /// exact match and token F1 (not the cosine, which needs the embedder).
    @Test func aHistoryWithoutATriggerIsJudgedFromItsSignals() throws {
        let events: [DomainEvent] = [.storeCreated(CorrectionTests.created)] + Self.asked(1, signals: Self.signals(margin: 1))
            + [.feedbackRecorded(FeedbackRecorded(interaction: 1, reward: -2, source: "user", correction: "1"))]
        let again = TriggerSettings(warmup: 5).rejudged(events)
        guard case .triggerFired(let judged)? = again.last else { Issue.record("no judgement"); return }
        #expect(judged.scores["exactMatch"] == 0 && judged.scores["tokenF1"] != nil && judged.scores["correctionCosine"] == nil)
        #expect(judged.scores["firstTokenMargin"] == 1)
        var folded = EngineState()
        for event in again { try folded.apply(event) }
        #expect(folded.trigger.judged.count == 1)
    }
}
