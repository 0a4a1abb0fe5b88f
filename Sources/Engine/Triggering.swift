import GESAL
import Models
import Tensor

extension Engine {
    /// SAGE's trigger on feedback about to be recorded (nothing when the store has no
    /// trigger): the interaction's label-free signals, and with a correction how far the answer
    /// agrees with it; the judgement, and the calibration when this judgement ends the warm-up.
    /// `after` is the state with the feedback folded in.
    func trigger(on feedback: FeedbackRecorded, after state: EngineState) -> [DomainEvent] {
        guard let settings = config.trigger, let interaction = state.interactions[feedback.interaction] else { return [] }
        var signals = interaction.signals?.named ?? [:]
        if let correction = feedback.correction {
            signals[TriggerSignal.exactMatch.rawValue] = TextAgreement.exactMatch(interaction.response, correction) ? 1 : 0
            signals[TriggerSignal.tokenF1.rawValue] = TextAgreement.tokenF1(interaction.response, correction)
            signals[TriggerSignal.correctionCosine.rawValue] = Ops.cosine(models.embedder.embed(interaction.response), models.embedder.embed(correction))
        }
        let judged = settings.judge(interaction: feedback.interaction, reward: feedback.reward, signals: signals, calibration: state.trigger.calibration)
        var events = [DomainEvent.triggerFired(judged)]
        let sample = state.trigger.judged.map(\.interaction) + [feedback.interaction]
        if state.trigger.calibration == nil, sample.count == settings.warmup {
            events.append(.triggerCalibrated(TriggerCalibrated(interactions: sample, samples: sample.map { state.interactions[$0]?.signals?.named ?? [:] })))
        }
        return events
    }
}

extension AnswerSignals {
    /// The part the model measured, as generation reports it.
    var confidence: ConfidenceSignals {
        ConfidenceSignals(firstTokenMargin: firstTokenMargin, meanEntropy: meanEntropy, meanLogProbability: meanLogProbability, steps: steps)
    }
}
