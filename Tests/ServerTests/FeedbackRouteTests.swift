import EventLog
import Foundation
import GESAL
import Hummingbird
import HummingbirdTesting
import Server
import Testing
import TestSupport

/// `POST /v1/feedback` teaches the node, as `gesal feedback` does, and `/health` reports the
/// state hash a replay of the log gives.
@Suite(.serialized, .enabled(if: RealModels.available, RealModels.missing)) struct FeedbackRouteTests {
    @Test func feedbackLearnsAndTheNextAnswerUsesTheAdapter() async throws {
        let harness = try ServerHarness()
        let prompt = ChatRouteTests.sum
        try await harness.test { client in
            try await client.execute(uri: "/v1/chat/completions", method: .post, headers: ServerHarness.jsonHeaders, body: ServerHarness.chatBody(prompt)) { response in
                #expect((response.json["gesal"] as? [String: Any])?["adapter"] == nil)
            }
            try await client.execute(uri: "/v1/feedback", method: .post, headers: ServerHarness.jsonHeaders,
                                     body: ByteBuffer(string: #"{"interaction":1,"reward":-2,"correction":"19"}"#)) { response in
                #expect(response.status == .ok)
                #expect(response.json["outcome"] as? String == "learned")
                #expect((response.json["adapter"] as? String)?.count == 64)
            }
            try await client.execute(uri: "/v1/chat/completions", method: .post, headers: ServerHarness.jsonHeaders, body: ServerHarness.chatBody(prompt)) { response in
                let gesal = response.json["gesal"] as? [String: Any]
                #expect(gesal?["node"] as? Int == 1)
                #expect((gesal?["adapter"] as? String)?.count == 64)
            }
            try await client.execute(uri: "/v1/interactions/1", method: .get) { response in
                #expect(response.json["correction"] as? String == "19")
                #expect(response.json["rewards"] as? [Double] == [-2])
            }
            try await client.execute(uri: "/v1/audit/node/1", method: .get) { response in
                let types = (response.json["entries"] as? [[String: Any]])?.compactMap { $0["type"] as? String } ?? []
                #expect(types.contains("AdapterUpdated.v1"))
            }
        }
    }

    /// In a store with a trigger, the reply says how it judged the feedback; without one it is absent.
    @Test func theReplyCarriesTheTriggersJudgement() async throws {
        var config = ServerHarness.config
        config.trigger = TriggerSettings(warmup: 5)
        config.negativeWeight = 0
        let harness = try ServerHarness(config: config)
        try await harness.test { client in
            try await client.execute(uri: "/v1/chat/completions", method: .post, headers: ServerHarness.jsonHeaders,
                                     body: ServerHarness.chatBody(ChatRouteTests.sum)) { _ in }
            try await client.execute(uri: "/v1/feedback", method: .post, headers: ServerHarness.jsonHeaders,
                                     body: ByteBuffer(string: #"{"interaction":1,"reward":-2}"#)) { response in
                let trigger = response.json["trigger"] as? [String: Any]
                #expect(trigger?["fired"] as? Bool == true && trigger?["cause"] as? String == "negativeFeedback", "\(response.text)")
                #expect(trigger?["threshold"] as? Double == 0.5)
            }
        }
        let plain = try ServerHarness()
        try await plain.test { client in
            try await client.execute(uri: "/v1/chat/completions", method: .post, headers: ServerHarness.jsonHeaders,
                                     body: ServerHarness.chatBody(ChatRouteTests.sum, extra: #","max_tokens":2"#)) { _ in }
            try await client.execute(uri: "/v1/feedback", method: .post, headers: ServerHarness.jsonHeaders,
                                     body: ByteBuffer(string: #"{"interaction":1,"reward":1}"#)) { response in
                #expect(response.json["trigger"] == nil, "\(response.text)")
            }
        }
    }

    @Test func healthReportsTheHashAReplayOfTheLogGives() async throws {
        let harness = try ServerHarness()
        nonisolated(unsafe) var reported = ""
        try await harness.test { client in
            try await client.execute(uri: "/v1/chat/completions", method: .post, headers: ServerHarness.jsonHeaders, body: ServerHarness.chatBody("What is the capital of France?")) { _ in }
            try await client.execute(uri: "/v1/feedback", method: .post, headers: ServerHarness.jsonHeaders,
                                     body: ByteBuffer(string: #"{"interaction":1,"reward":1}"#)) { _ in }
            try await client.execute(uri: "/health", method: .get) { response in
                reported = response.json["state_hash"] as? String ?? ""
            }
        }
        #expect(reported == (try Replay.run(LogStore(at: harness.store), branch: "main").state.hash.hex))
    }
}
