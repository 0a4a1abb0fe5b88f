import GESAL

extension Engine {
    /// The expert dispatch chooses for a prompt (its embedding made for routing): by the
    /// request's strategy, else the store's; none when the strategy is none or the library
    /// holds no trained expert.
    func dispatch(_ prompt: String, embedding: [Float], request: AnswerRequest?) throws -> ExpertUse? {
        let name = request?.dispatch ?? config.dispatch?.strategy ?? DispatchStrategy.none.rawValue
        guard let strategy = DispatchStrategy(rawValue: name) else { throw EngineError(.invalidRequest, "unknown dispatch strategy '\(name)'") }
        guard strategy != .none else { return nil }
        let dispatcher = try libraryDispatcher()
        guard !dispatcher.candidates.isEmpty else { return nil }
        return dispatcher.use(dispatcher.decide(prompt, embedding: embedding, strategy: strategy))
    }

    /// The dispatcher of the library's active trained experts, made again only when the library
    /// changed (their training prompts are embedded once per library).
    func libraryDispatcher() throws -> Dispatcher {
        let library = Dictionary(uniqueKeysWithValues: state.activeExperts.map { ($0.name, $0.adapter) })
        if let dispatching, dispatching.library == library { return dispatching.dispatcher }
        let dispatcher = try Dispatcher.library(of: state, log: writer.history, branch: branch, models: models)
        dispatching = (library, dispatcher)
        return dispatcher
    }
}
