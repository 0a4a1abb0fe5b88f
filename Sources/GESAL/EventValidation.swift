import EventLog

/// Checks of what a store may record, against `Limits`. Import and the engine run
/// `DomainEvent.checkInput` on every event they are handed, before appending (a NaN setting can
/// never become a store's truth); the projection holds a store's StoreCreated only to
/// `EngineConfig.checkComposition`, so a store an older build wrote still opens.
extension EngineConfig {
    /// Prompt and answer tokens of one learning sequence when the store does not say
    /// (`learningTokens`). A learning step keeps every layer's activations and attention
    /// scores for the whole sequence, so its memory grows with the square of the length; 1024
    /// tokens need about 1.3 GB on SmolLM2-135M, 8192 would need tens of GB.
    public static let defaultLearningTokens = 1024

    /// The learning token budget in force.
    public var learningTokenBudget: Int { learningTokens ?? Self.defaultLearningTokens }

    /// Refuses a setting outside its range. `name` turns a field name (`learningRate`) into
    /// what the caller should see (`--learning-rate` on the command line).
    public func validate(naming name: (String) -> String = { $0 }) throws(EngineError) {
        try Limits.similarityThreshold.check(similarityThreshold, name("similarityThreshold"))
        try Limits.bufferSize.check(bufferSize, name("bufferSize"))
        try Limits.learningRate.check(learningRate, name("learningRate"))
        try Limits.klWeight.check(klWeight, name("klWeight"))
        try Limits.maxTokens.check(maxTokens, name("maxTokens"))
        if let guardTolerance { try Limits.guardTolerance.check(guardTolerance, name("guardTolerance")) }
        if let negativeWeight { try Limits.negativeWeight.check(negativeWeight, name("negativeWeight")) }
        if let correctionWeight { try Limits.correctionWeight.check(correctionWeight, name("correctionWeight")) }
        if let updateSteps { try Limits.updateSteps.check(updateSteps, name("updateSteps")) }
        if let learningTokens { try Limits.learningTokens.check(learningTokens, name("learningTokens")) }
        try trigger?.validate(naming: name)
        try buffer?.validate(naming: name)
        try loraStore?.validate(naming: name)
        try dispatch?.validate(naming: name)
        try checkComposition(naming: name)
        guard !svfTargets.isEmpty else { throw EngineError(.invalidRequest, "\(name("svfTargets")) names no matrix to adapt") }
    }
}

extension EngineConfig {
    /// Which parts need which: the rules the projection also holds an old store to (they are
    /// what the state's encoding can represent), unlike ranges, which only new input is held to.
    /// Fuzzing found a StoreCreated with a LoRA store and no buffer, which folded into a state
    /// whose snapshot could not be read back.
    public func checkComposition(naming name: (String) -> String = { $0 }) throws(EngineError) {
        if buffer != nil, trigger == nil {
            throw EngineError(.invalidRequest, "\(name("buffer")) needs \(name("trigger")): the buffer holds what the trigger fires on")
        }
        if loraStore != nil, buffer == nil {
            throw EngineError(.invalidRequest, "\(name("loraStore")) needs \(name("buffer")): the store searches adapters for the buffer's clusters")
        }
    }
}

extension DomainEvent {
    /// What an event must satisfy before it is appended, beyond what the projection checks:
    /// numbers a person or a file supplied are finite and in range, vectors are finite, and a
    /// learning result names blobs that exist. The projection stays lenient about ranges, so a
    /// store an older build wrote still opens; new input never gets in.
    public func checkInput() throws(EngineError) {
        switch self {
        case .storeCreated(let e):
            try e.config.validate()
        case .feedbackRecorded(let e):
            try Limits.reward.check(e.reward, "the reward of feedback for interaction \(e.interaction)")
            if let correction = e.correction { try checkCorrection(correction, "the correction for interaction \(e.interaction)") }
        case .interactionRecorded(let e):
            try finite(e.embedding, "the embedding of interaction \(e.interaction)")
            try Limits.temperature.check(e.sampling.temperature, "the temperature of interaction \(e.interaction)")
            try Limits.topP.check(e.sampling.topP, "the top-p of interaction \(e.interaction)")
            try Limits.repetitionPenalty.check(e.sampling.repetitionPenalty, "the repetition penalty of interaction \(e.interaction)")
            try e.request?.check("interaction \(e.interaction)")
            if let expert = e.expert {
                try checkExpertName(expert.name)
                guard Hash256(hex: expert.adapter) != nil, expert.similarity?.isFinite ?? true, DispatchSettings.strategies.contains(expert.strategy) else {
                    throw EngineError(.invalidRequest, "the expert of interaction \(e.interaction) is not named by its hash, has a similarity that is not finite, or a strategy that is not one of "
                        + DispatchSettings.strategies.joined(separator: ", "))
                }
            }
            if let use = e.clusterAdapter {
                guard Hash256(hex: use.adapter) != nil, use.similarity.isFinite else {
                    throw EngineError(.invalidRequest, "the cluster adapter of interaction \(e.interaction) is not named by its hash, or its similarity is not finite")
                }
            }
            if let signals = e.signals {
                let values = [signals.firstTokenMargin, signals.meanEntropy, signals.meanLogProbability] + (signals.nearestNode.map { [$0] } ?? [])
                guard values.allSatisfy(\.isFinite), signals.steps >= 1 else {
                    throw EngineError(.invalidRequest, "the signals of interaction \(e.interaction) hold a value that is not a finite number, or no step")
                }
            }
        case .nodeCreated(let e):
            try finite(e.embedding, "the embedding of node \(e.node)")
        case .nodeUpdated(let e):
            try finite(e.centroid, "the centroid of node \(e.node)")
        case .adapterUpdated(let e):
            guard e.loss.isFinite else { throw EngineError(.invalidRequest, "the update of node \(e.node) has loss \(e.loss), not a finite number") }
        case .adapterImported(let e):
            guard Hash256(hex: e.loraBlob) != nil, Hash256(hex: e.adapterBlob) != nil else {
                throw EngineError(.invalidRequest, "the adapter imported into node \(e.node) does not name its blobs by their hashes")
            }
            guard e.rank >= 1, !e.sites.isEmpty else { throw EngineError(.invalidRequest, "the adapter imported into node \(e.node) adapts nothing") }
        case .updateRejected(let e):
            for (name, value) in e.metrics where !value.isFinite {
                throw EngineError(.invalidRequest, "the rejected update of node \(e.node) has metric \(name) = \(value), not a finite number")
            }
        case .triggerFired(let e):
            let numbers = e.scores.map { ("score \($0.key)", $0.value) } + (e.judgement?.badness ?? [:]).map { ("badness \($0.key)", $0.value) }
                + [("threshold", e.threshold)] + ((e.judgement?.score).map { [("the weighted score", $0)] } ?? [])
            for (name, value) in numbers.sorted(by: { $0.0 < $1.0 }) where !value.isFinite {
                throw EngineError(.invalidRequest, "the trigger of interaction \(e.interaction) has \(name) = \(value), not a finite number")
            }
        case .triggerCalibrated(let e):
            for (signal, points) in e.quantiles.sorted(by: { $0.key < $1.key }) {
                guard points.count == TriggerCalibrated.percentiles.count, points.allSatisfy(\.isFinite), zip(points, points.dropFirst()).allSatisfy({ $0 <= $1 }) else {
                    throw EngineError(.invalidRequest, "the trigger's calibration of \(signal) is not \(TriggerCalibrated.percentiles.count) finite, "
                        + "non-decreasing percentiles")
                }
            }
        case .clusterFormed(let e):
            try finite(e.centre, "the centre of cluster \(e.cluster)")
            guard e.agreement.isFinite, e.centreCosine.isFinite else {
                throw EngineError(.invalidRequest, "cluster \(e.cluster) formed with an agreement or centre cosine that is not a finite number")
            }
        case .clusterUpdated(let e):
            try finite(e.centre, "the centre of cluster \(e.cluster)")
        case .clustersMerged(let e):
            try finite(e.centre, "the centre of cluster \(e.into)")
        case .adapterTrained(let e):
            let scores = [("the base model", e.base)] + e.candidates.enumerated().map { ("candidate \($0.offset)", $0.element.score) }
            for (name, score) in scores where !(score.exactMatch.isFinite && score.loss.isFinite) {
                throw EngineError(.invalidRequest, "the LoRA search of cluster \(e.cluster) scores \(name) with a value that is not a finite number")
            }
            guard e.candidates.allSatisfy({ $0.trainingLoss.isFinite && Hash256(hex: $0.adapter) != nil }) else {
                throw EngineError(.invalidRequest, "the LoRA search of cluster \(e.cluster) has a candidate whose training loss is not finite or whose adapter is not a hash")
            }
        case .adapterRetired(let e):
            guard Hash256(hex: e.adapter) != nil else { throw EngineError(.invalidRequest, "the retired adapter of cluster \(e.cluster) is not named by its hash") }
        case .expertTrained(let e):
            try checkExpertName(e.name)
            try e.settings.validate()
            guard e.curve.indices.contains(e.kept) else { throw EngineError(.invalidRequest, "expert '\(e.name)' keeps checkpoint \(e.kept) of \(e.curve.count)") }
            guard e.curve.allSatisfy({ $0.accuracy.isFinite && $0.loss.isFinite && Hash256(hex: $0.adapter) != nil }) else {
                throw EngineError(.invalidRequest, "expert '\(e.name)''s curve has a figure that is not a finite number or an adapter that is not a hash")
            }
        case .expertPromoted(let e):
            try checkExpertName(e.name)
            guard Hash256(hex: e.adapter) != nil else { throw EngineError(.invalidRequest, "expert '\(e.name)''s adapter is not named by its hash") }
        case .expertRetired(let e):
            try checkExpertName(e.name)
        case .expertMixed(let e):
            try checkExpertName(e.name)
            try e.settings.validate()
            let numbers = e.alpha + [e.fitness.accuracy, e.fitness.logLikelihood] + e.generations.flatMap { $0.mean + $0.spread + $0.best + [$0.meanAccuracy, $0.bestFitness.accuracy, $0.bestFitness.logLikelihood] }
            guard numbers.allSatisfy(\.isFinite), e.alpha.allSatisfy({ (0...1).contains($0) }), ([e.adapter] + e.adapters).allSatisfy({ Hash256(hex: $0) != nil }) else {
                throw EngineError(.invalidRequest, "expert '\(e.name)''s search has a figure that is not a finite number, a weight outside [0, 1], or an adapter that is not a hash")
            }
        case .passageSubmitted(let e):
            try e.validate()
        case .selfEditProposed(let e):
            guard SelfEditProposed.styles.contains(e.style) else {
                throw EngineError(.invalidRequest, "self-edit \(e.candidate) of passage \(e.passage) has style '\(e.style)': \(SelfEditProposed.styles.joined(separator: ", "))")
            }
            try Limits.selfEditBytes.check(e.text.utf8.count, "the length of self-edit \(e.candidate) in bytes")
            try Limits.temperature.check(e.temperature, "the self-edit's temperature")
            try Limits.topP.check(e.topP, "the self-edit's top-p")
            try Limits.maxTokens.check(e.maxTokens, "the self-edit's length in tokens")
        case .selfEditScored(let e):
            try e.training.validate()
            try Limits.maxTokens.check(e.quizTokens, "the quiz's answer length in tokens")
            guard [e.trainingLoss, e.exactMatch, e.containsAnswer, e.f1].allSatisfy(\.isFinite), ([e.adapter] + (e.from.map { [$0] } ?? [])).allSatisfy({ Hash256(hex: $0) != nil }) else {
                throw EngineError(.invalidRequest, "candidate \(e.candidate) of passage \(e.passage) has a score that is not a finite number or an adapter that is not a hash")
            }
        case .selfEditChosen(let e):
            guard Hash256(hex: e.adapter) != nil else { throw EngineError(.invalidRequest, "the kept adapter of passage \(e.passage) is not named by its hash") }
        case .writerTrained(let e):
            try e.training.validate()
            try Limits.writerRounds.check(e.round, "the writer's round")
            guard e.trainingLoss.isFinite, Hash256(hex: e.adapter) != nil else {
                throw EngineError(.invalidRequest, "writer round \(e.round) has a loss that is not a finite number or an adapter that is not a hash")
            }
        case .bufferSampleAdded, .clusterDissolved, .branchCreated, .reverted, .snapshotTaken, .bisected, .historySigned:
            break
        }
    }

    private func finite(_ vector: Vector, _ name: String) throws(EngineError) {
        guard !vector.values.isEmpty else { throw EngineError(.invalidRequest, "\(name) is empty") }
        guard vector.values.allSatisfy(\.isFinite) else { throw EngineError(.invalidRequest, "\(name) has a value that is not a finite number") }
    }
}

/// Refuses an expert name that is empty, long, or holds anything but letters, digits, '.', '_'
/// and '-' (a name is typed on command lines and shown in tables).
public func checkExpertName(_ name: String) throws(EngineError) {
    try Limits.expertNameBytes.check(name.utf8.count, "the length of expert name '\(name)' in bytes")
    guard name.unicodeScalars.allSatisfy({ $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || "._-".unicodeScalars.contains($0)) }) else {
        throw EngineError(.invalidRequest, "expert name '\(name)' may hold only letters, digits, '.', '_' and '-'")
    }
}

extension ExpertSettings {
    /// Refuses a setting outside its range; `name` turns a field name into what the caller sees.
    public func validate(naming name: (String) -> String = { $0 }) throws(EngineError) {
        try Limits.expertItems.check(items, name("items"))
        try Limits.expertSteps.check(steps, name("steps"))
        try Limits.expertBatch.check(batch, name("batch"))
        try Limits.expertValidateEvery.check(validateEvery, name("validateEvery"))
        try Limits.learningRate.check(learningRate, name("learningRate"))
        try Limits.klWeight.check(klWeight, name("klWeight"))
        try Limits.maxTokens.check(maxTokens, name("maxTokens"))
        guard ["transformerSquared", "gesal"].contains(composition) else {
            throw EngineError(.invalidRequest, "\(name("composition")) is '\(composition)': transformerSquared or gesal")
        }
    }
}

extension MixSettings {
    /// Refuses a setting outside its range; `name` turns a field name into what the caller sees.
    public func validate(naming name: (String) -> String = { $0 }) throws(EngineError) {
        try Limits.expertItems.check(items, name("items"))
        try Limits.mixShots.check(shots, name("shots"))
        try Limits.mixPopulation.check(population, name("population"))
        try Limits.mixElites.check(elites, name("elites"))
        try Limits.mixGenerations.check(generations, name("generations"))
        try Limits.mixSpread.check(initialSpread, name("initialSpread"))
        try Limits.maxTokens.check(maxTokens, name("maxTokens"))
        guard elites <= population else { throw EngineError(.invalidRequest, "\(name("elites")) is \(elites): at most \(name("population")) (\(population))") }
    }
}

/// Refuses a correction that is blank or too long to be the answer to one prompt.
public func checkCorrection(_ text: String, _ name: String) throws(EngineError) {
    guard !text.allSatisfy(\.isWhitespace) else { throw EngineError(.invalidRequest, "\(name) is empty: say what the right answer was") }
    try Limits.correctionBytes.check(text.utf8.count, "the length of \(name) in bytes")
}

extension PassageSubmitted {
    /// Refuses an empty or oversized passage or quiz, before a model loads or anything is
    /// written; `quizToWrite`: the quiz is still to be written by the model, so it may be empty.
    public func validate(quizToWrite: Bool = false) throws(EngineError) {
        guard !text.allSatisfy(\.isWhitespace) else { throw EngineError(.invalidRequest, "passage \(passage) is empty: give the text to learn") }
        try Limits.passageBytes.check(text.utf8.count, "the length of passage \(passage) in bytes")
        try Limits.titleBytes.check(title.utf8.count, "the length of passage \(passage)'s title in bytes")
        guard !title.contains(where: \.isNewline) else { throw EngineError(.invalidRequest, "passage \(passage)'s title holds a line break: a title is one line") }
        if !quizToWrite { try Limits.quizQuestions.check(questions.count, "passage \(passage)'s questions") }
        for (index, q) in questions.enumerated() {
            try Limits.quizBytes.check(q.question.utf8.count, "the length of question \(index + 1) in bytes")
            try Limits.quizBytes.check(q.answer.utf8.count, "the length of question \(index + 1)'s answer in bytes")
        }
        guard PassageSubmitted.questionSources.contains(questionsBy) else {
            throw EngineError(.invalidRequest, "passage \(passage)'s questions are by '\(questionsBy)': \(PassageSubmitted.questionSources.joined(separator: " or "))")
        }
    }
}

extension KnowledgeTraining {
    /// Refuses settings outside their ranges; `name` turns a field name into what the caller sees.
    public func validate(naming name: (String) -> String = { $0 }) throws(EngineError) {
        try Limits.loraRank.check(rank, name("rank"))
        try Limits.learningRate.check(learningRate, name("learningRate"))
        try Limits.knowledgeEpochs.check(epochs, name("epochs"))
        try Limits.rehearsedPassages.check(rehearsed, name("rehearse"))
        guard alpha.isFinite, alpha > 0 else { throw EngineError(.invalidRequest, "\(name("alpha")) is \(alpha): it must be a positive number") }
        guard !targets.isEmpty else { throw EngineError(.invalidRequest, "\(name("targets")) is empty: name the matrices the LoRA adapts") }
    }
}
