import GESAL
import Models
import Tensor

extension Engine {
    /// SAGE's trigger on feedback about to be recorded (nothing when the store has no
    /// trigger): the interaction's label-free signals, and with a correction how far the answer
    /// agrees with it; the judgement; the interaction entering the buffer, when it fired in a
    /// store with one and its prompt is not there yet; and the calibration when this judgement ends the warm-up.
    /// Folding the feedback changes nothing they read, so they are made from the state before it.
    func trigger(on feedback: FeedbackRecorded) -> [DomainEvent] {
        guard let settings = config.trigger, let interaction = state.interactions[feedback.interaction] else { return [] }
        var signals = interaction.signals?.named ?? [:]
        if let correction = feedback.correction {
            signals.merge(TriggerSignal.agreement(of: interaction.response, with: correction)) { $1 }
            signals[TriggerSignal.correctionCosine.rawValue] = Ops.cosine(models.embedder.embed(interaction.response), models.embedder.embed(correction))
        }
        let judged = settings.judge(interaction: feedback.interaction, reward: feedback.reward, signals: signals, calibration: state.trigger.calibration)
        var events = [DomainEvent.triggerFired(judged)]
        // An interaction already in the buffer has its prompt there, so the prompt check covers it.
        if judged.judgement!.fired, config.buffer != nil, !state.buffer.holds(prompt: interaction.prompt, in: state.interactions) {
            events.append(.bufferSampleAdded(BufferSampleAdded(interaction: feedback.interaction)))  // its round's events join in `append`
        }
        let sample = state.trigger.judged.map(\.interaction) + [feedback.interaction]
        if state.trigger.calibration == nil, sample.count == settings.warmup {
            events.append(.triggerCalibrated(state.calibration(on: sample)))
        }
        return events
    }
}

/// An answer's signals as generation measures them (`ConfidenceSignals`) and as the log records
/// them (`AnswerSignals`, which adds the routing's nearest node): the model's module and the
/// events' module do not depend on each other, so the engine converts.
extension AnswerSignals {
    init(_ confidence: ConfidenceSignals, nearestNode: Float?, nearestCluster: Float?) {
        self.init(firstTokenMargin: confidence.firstTokenMargin, meanEntropy: confidence.meanEntropy,
                  meanLogProbability: confidence.meanLogProbability, steps: confidence.steps, nearestNode: nearestNode,
                  nearestCluster: nearestCluster)
    }

    var confidence: ConfidenceSignals {
        ConfidenceSignals(firstTokenMargin: firstTokenMargin, meanEntropy: meanEntropy, meanLogProbability: meanLogProbability, steps: steps)
    }
}
