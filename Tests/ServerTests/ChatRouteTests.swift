import Engine
import EventLog
import Foundation
import GESAL
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Models
import Server
import Testing
import TestSupport

/// `POST /v1/chat/completions` on the real model: OpenAI's shape, the interaction in the log,
/// the answer the model gives, streaming, and what a request is refused for.
@Suite(.serialized, .enabled(if: RealModels.available, RealModels.missing)) struct ChatRouteTests {
    static let sum = "What is 12 + 7? Answer with a number."

    /// The plain model's greedy answer, generated directly (no server, engine or log).
    static func direct(_ prompt: String, context: ChatContext = ChatContext(), maxTokens: Int = 12) throws -> String {
        try RealModels.models().language.generate(prompt: prompt, context: context, parameters: SamplingParameters(maxTokens: maxTokens)).text
    }

    @Test func anAnswerHasOpenAIsShapeAndIsRecorded() async throws {
        let harness = try ServerHarness()
        let expected = try Self.direct(Self.sum)
        try await harness.test { client in
            try await client.execute(uri: "/v1/chat/completions", method: .post, headers: ServerHarness.jsonHeaders, body: ServerHarness.chatBody(Self.sum)) { response in
                #expect(response.status == .ok)
                #expect(response.headers[.init("X-Gesal-Interaction")!] == "1")
                let json = response.json
                #expect(json["object"] as? String == "chat.completion")
                #expect(json["id"] as? String == "chatcmpl-gesal-1")
                let choice = (json["choices"] as? [[String: Any]])?.first
                #expect((choice?["message"] as? [String: Any])?["content"] as? String == expected)
                #expect((json["gesal"] as? [String: Any])?["interaction"] as? Int == 1)
            }
        }
        let recorded = try LogStore(at: harness.store).events().compactMap { event -> InteractionRecorded? in
            if case .interactionRecorded(let e) = try DomainEvent(event) { e } else { nil }
        }
        #expect(recorded.map(\.prompt) == [Self.sum])
        #expect(recorded.map(\.response) == [expected])
        #expect(recorded.first?.request == nil)
    }

    @Test func theStreamAddsUpToTheAnswerAndEndsInDone() async throws {
        let harness = try ServerHarness()
        let expected = try Self.direct(Self.sum)
        try await harness.test { client in
            try await client.execute(uri: "/v1/chat/completions", method: .post, headers: ServerHarness.jsonHeaders,
                                     body: ServerHarness.chatBody(Self.sum, extra: #","stream":true"#)) { response in
                #expect(response.headers[.contentType] == "text/event-stream")
                let events = response.text.components(separatedBy: "\n\n").filter { !$0.isEmpty }
                #expect(events.last == "data: [DONE]")
                let chunks = events.dropLast().map { try! JSONSerialization.jsonObject(with: Data($0.dropFirst(6).utf8)) as! [String: Any] }
                let text = chunks.compactMap { (($0["choices"] as? [[String: Any]])?.first?["delta"] as? [String: Any])?["content"] as? String }.joined()
                #expect(text == expected)
                #expect(chunks.contains { (($0["choices"] as? [[String: Any]])?.first?["finish_reason"] as? String) != nil })
            }
        }
    }

    @Test func aSystemMessageAndSamplingAreUsedAndRecorded() async throws {
        let harness = try ServerHarness()
        let system = "You answer in French."
        let expected = try RealModels.models().language.generate(prompt: Self.sum, context: ChatContext(system: system),
                                                                  parameters: SamplingParameters(temperature: 0.7, seed: 42, maxTokens: 5)).text
        let body = ByteBuffer(string: #"{"messages":[{"role":"system","content":"\#(system)"},{"role":"user","content":"\#(Self.sum)"}],"temperature":0.7,"seed":42,"max_tokens":5}"#)
        try await harness.test { client in
            try await client.execute(uri: "/v1/chat/completions", method: .post, headers: ServerHarness.jsonHeaders, body: body) { response in
                let choice = (response.json["choices"] as? [[String: Any]])?.first
                #expect((choice?["message"] as? [String: Any])?["content"] as? String == expected)
            }
        }
        let event = try LogStore(at: harness.store).events().first { InteractionRecorded.typeNames.contains($0.type) }!
        #expect(event.type == InteractionRecorded.requestedTypeName)
        guard case .interactionRecorded(let recorded) = try DomainEvent(event) else { Issue.record("not an interaction"); return }
        #expect(recorded.request == AnswerRequest(system: system, temperature: 0.7, seed: 42, maxTokens: 5))
    }

    /// The earlier turns reach the model (the answer is the one the model gives after them,
    /// not the one it gives the last message alone) and are recorded, as a v3 interaction
    /// whose prompt is the last user message.
    @Test func aConversationIsAnsweredAfterItsEarlierTurnsAndRecorded() async throws {
        let harness = try ServerHarness()
        let turns = [AnswerRequest.Turn(role: "user", content: "My name is Ada. Remember it."),
                     AnswerRequest.Turn(role: "assistant", content: "Hello Ada, I will remember your name.")]
        let question = "What is my name?"
        let context = ChatContext(system: "Be brief.", turns: [.init(.user, turns[0].content), .init(.assistant, turns[1].content)])
        let expected = try Self.direct(question, context: context)
        #expect(expected != (try Self.direct(question, context: ChatContext(system: "Be brief."))), "the turns must change the answer for this test to see them")
        let body = ByteBuffer(string: #"{"messages":[{"role":"system","content":"Be brief."},{"role":"user","content":"\#(turns[0].content)"},"#
            + #"{"role":"assistant","content":"\#(turns[1].content)"},{"role":"user","content":"\#(question)"}]}"#)
        try await harness.test { client in
            try await client.execute(uri: "/v1/chat/completions", method: .post, headers: ServerHarness.jsonHeaders, body: body) { response in
                #expect(response.status == .ok)
                let choice = (response.json["choices"] as? [[String: Any]])?.first
                #expect((choice?["message"] as? [String: Any])?["content"] as? String == expected)
            }
        }
        let event = try LogStore(at: harness.store).events().first { InteractionRecorded.typeNames.contains($0.type) }!
        #expect(event.type == InteractionRecorded.conversationTypeName)
        guard case .interactionRecorded(let recorded) = try DomainEvent(event) else { Issue.record("not an interaction"); return }
        #expect(recorded.prompt == question)
        #expect(recorded.request == AnswerRequest(system: "Be brief.", turns: turns))
    }

    /// Questions that wait together are answered in one batch, each with the answer it gets
    /// alone. The engine is held busy until all four wait, so they form one batch.
    @Test func questionsThatWaitTogetherAreAnsweredTogetherAsAlone() async throws {
        let harness = try ServerHarness()
        let prompts = [Self.sum, "What is the capital of France?", "Name three colours of the rainbow.", "Say hello."]
        let expected = try prompts.map { try Self.direct($0) }
        let host = harness.host
        let busy = Task { try await host.run { _ in
            for _ in 0..<2_000 where host.metrics.queueDepth < 1 + prompts.count { Thread.sleep(forTimeInterval: 0.005) }
        } }
        while host.metrics.queueDepth < 1 { try await Task.sleep(for: .milliseconds(5)) }
        try await harness.test { client in
            let answers = try await withThrowingTaskGroup(of: (Int, String?).self) { group in
                for (index, prompt) in prompts.enumerated() {
                    group.addTask {
                        try await client.execute(uri: "/v1/chat/completions", method: .post, headers: ServerHarness.jsonHeaders,
                                                 body: ServerHarness.chatBody(prompt)) { response in
                            (index, ((response.json["choices"] as? [[String: Any]])?.first?["message"] as? [String: Any])?["content"] as? String)
                        }
                    }
                }
                return try await group.reduce(into: [Int: String?]()) { $0[$1.0] = $1.1 }
            }
            #expect(prompts.indices.map { answers[$0] ?? nil } == expected)
        }
        try await busy.value
        let metrics = host.metrics.text()
        #expect(metrics.contains("gesal_answer_batches_total 1\n") && metrics.contains("gesal_batched_questions_total 4\n"), "\(metrics)")
    }

    /// Questions sent at the same moment to an idle engine share a batch: the first waits out
    /// the batch window for the others instead of running alone.
    @Test func questionsSentTogetherToAnIdleEngineShareOneBatch() async throws {
        let harness = try ServerHarness(batchWindow: .seconds(3))
        let prompts = ["What is 2 + 2?", "What is 3 + 3?", "What is 4 + 4?"]
        try await harness.test { client in
            try await withThrowingTaskGroup(of: Void.self) { group in
                for prompt in prompts {
                    group.addTask {
                        try await client.execute(uri: "/v1/chat/completions", method: .post, headers: ServerHarness.jsonHeaders,
                                                 body: ServerHarness.chatBody(prompt)) { #expect($0.status == .ok) }
                    }
                }
                try await group.waitForAll()
            }
        }
        let metrics = harness.host.metrics.text()
        #expect(metrics.contains("gesal_answer_batches_total 1\n") && metrics.contains("gesal_batched_questions_total 3\n"), "\(metrics)")
    }

    @Test func maxTokensAboveTheStoresIsCapped() async throws {
        let harness = try ServerHarness()
        try await harness.test { client in
            try await client.execute(uri: "/v1/chat/completions", method: .post, headers: ServerHarness.jsonHeaders,
                                     body: ServerHarness.chatBody("Tell me a long story about a dragon.", extra: #","max_tokens":1000000"#)) { response in
                #expect(response.status == .ok)
                #expect(((response.json["usage"] as? [String: Any])?["completion_tokens"] as? Int ?? 99) <= ServerHarness.config.maxTokens)
            }
        }
    }
}
