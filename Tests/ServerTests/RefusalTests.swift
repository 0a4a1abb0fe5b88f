import Foundation
import Models
import Hummingbird
import HummingbirdTesting
import Server
import Testing
import TestSupport

/// What the server refuses, before the model runs: each with OpenAI's error object and the
/// status that fits, and nothing recorded.
@Suite(.serialized, .enabled(if: RealModels.available, RealModels.missing)) struct RefusalTests {
    func refused(_ body: String, uri: String = "/v1/chat/completions", harness: ServerHarness? = nil) async throws -> (Int, [String: Any]) {
        let harness = try harness ?? ServerHarness()
        nonisolated(unsafe) var result: (Int, [String: Any]) = (0, [:])
        try await harness.test { client in
            try await client.execute(uri: uri, method: .post, headers: ServerHarness.jsonHeaders, body: ByteBuffer(string: body)) { response in
                result = (Int(response.status.code), response.error)
            }
        }
        return result
    }

    @Test func malformedJSONIsA400WithOpenAIsErrorObject() async throws {
        let (status, error) = try await refused(#"{"messages": [ {"role": "user", "#)
        #expect(status == 400)
        #expect(error["type"] as? String == "invalid_request_error")
        #expect((error["message"] as? String)?.contains("not valid JSON") == true)
    }

    @Test func aMissingFieldIsNamed() async throws {
        let (status, error) = try await refused(#"{"model":"gesal"}"#)
        #expect(status == 400)
        #expect((error["message"] as? String)?.contains("messages is missing") == true)
    }

    @Test func aWrongTypeIsNamedWithItsPath() async throws {
        let (status, error) = try await refused(#"{"messages":[{"role":"user","content":"hi"}],"temperature":"hot"}"#)
        #expect(status == 400)
        #expect((error["message"] as? String)?.contains("temperature is not a number") == true)
    }

    @Test func aBodyOverTheLimitIsA413() async throws {
        let big = String(repeating: "a", count: 10 << 20)
        let (status, error) = try await refused(#"{"messages":[{"role":"user","content":"\#(big)"}]}"#)
        #expect(status == 413)
        #expect(error["code"] as? String == "request_too_large")
    }

    @Test func anUnknownModelIsA404ModelNotFound() async throws {
        let (status, error) = try await refused(#"{"model":"gpt-4","messages":[{"role":"user","content":"hi"}]}"#)
        #expect(status == 404)
        #expect(error["code"] as? String == "model_not_found")
    }

    @Test func aConversationEndingInAnAnswerIsRefusedAndSaysWhy() async throws {
        let (status, error) = try await refused(#"{"messages":[{"role":"user","content":"hi"},{"role":"assistant","content":"hello"}]}"#)
        #expect(status == 400)
        #expect((error["message"] as? String)?.contains("does not end in a user message") == true)
        #expect(error["param"] as? String == "messages[1]")
    }

    @Test func aSystemMessageAfterTheConversationBeganIsRefused() async throws {
        let (status, error) = try await refused(#"{"messages":[{"role":"user","content":"hi"},{"role":"system","content":"be brief"},{"role":"user","content":"2+2?"}]}"#)
        #expect(status == 400)
        #expect(error["param"] as? String == "messages[1]")
    }

    @Test func aToolMessageIsRefused() async throws {
        let (status, error) = try await refused(#"{"messages":[{"role":"user","content":"hi"},{"role":"tool","content":"42"},{"role":"user","content":"2+2?"}]}"#)
        #expect(status == 400)
        #expect((error["message"] as? String)?.contains("tools are not supported") == true)
    }

    @Test func outOfRangeSamplingIsRefusedByName() async throws {
        let (status, error) = try await refused(#"{"messages":[{"role":"user","content":"hi"}],"top_p":0}"#)
        #expect(status == 400)
        #expect(error["param"] as? String == "top_p")
    }

    @Test func feedbackForAnUnknownInteractionIsA404() async throws {
        let (status, error) = try await refused(#"{"interaction":99,"reward":1}"#, uri: "/v1/feedback")
        #expect(status == 404)
        #expect((error["message"] as? String)?.contains("no interaction 99") == true)
    }

    @Test func anInfiniteRewardIsRefused() async throws {
        let (status, _) = try await refused(#"{"interaction":1,"reward":1e39}"#, uri: "/v1/feedback")
        #expect(status == 400)
    }

    @Test func withAKeyARequestWithoutItIsA401AndHealthStaysOpen() async throws {
        let harness = try ServerHarness(apiKey: "a-key-of-sixteen-chars")
        try await harness.test { client in
            try await client.execute(uri: "/v1/models", method: .get) { response in
                #expect(response.status == .unauthorized)
                #expect(response.error["code"] as? String == "invalid_api_key")
            }
            try await client.execute(uri: "/v1/models", method: .get, headers: [.authorization: "Bearer wrong-key-of-sixteen"]) { response in
                #expect(response.status == .unauthorized)
            }
            try await client.execute(uri: "/v1/models", method: .get, headers: [.authorization: "Bearer a-key-of-sixteen-chars"]) { response in
                #expect(response.status == .ok)
            }
            try await client.execute(uri: "/health", method: .get) { response in
                #expect(response.status == .ok)
            }
        }
    }

    @Test func anUnknownRouteIsA404ErrorObject() async throws {
        let harness = try ServerHarness()
        try await harness.test { client in
            try await client.execute(uri: "/v1/nothing", method: .get) { response in
                #expect(response.status == .notFound)
                #expect(response.error["type"] as? String == "not_found_error")
            }
        }
    }
}

/// Hostile bodies on every POST route: each gets a 4xx with OpenAI's error object, never a
/// crash or a 5xx. The mutations are seeded, so a failure reproduces.
@Suite(.serialized, .enabled(if: RealModels.available, RealModels.missing)) struct HostileBodyTests {
    static let routes = ["/v1/chat/completions", "/v1/completions", "/v1/embeddings", "/v1/feedback"]
    static let valid = [
        #"{"model":"gesal","messages":[{"role":"user","content":"What is 2 + 2?"}],"max_tokens":4}"#,
        #"{"model":"gesal","prompt":"What is 2 + 2?","max_tokens":4}"#,
        #"{"model":"minilm","input":["hello","world"]}"#,
        #"{"interaction":1,"reward":1}"#,
    ]

    static func bodies() -> [String] {
        var random = RandomSource(seed: 17)
        var out = [
            String(repeating: "[", count: 100_000), String(repeating: "{\"a\":", count: 50_000),
            "\u{0}\u{1}\u{2}", "null", "[]", "\"text\"", "1e999999", #"{"messages":"#, #"{"messages":[{"role":"user","content":{"x":1}}]}"#,
            #"{"messages":[{"role":"user","content":"hi"}],"max_tokens":-5}"#, #"{"messages":[{"role":"user","content":"hi"}],"seed":1e30}"#,
            #"{"interaction":-1,"reward":1}"#, #"{"interaction":1e20,"reward":1}"#, #"{"input":[]}"#,
        ]
        for base in valid {
            let bytes = Array(base.utf8)
            for _ in 0..<25 {
                var mutated = bytes
                switch random.next() % 3 {
                case 0: mutated = Array(mutated.prefix(Int(random.next() % UInt64(mutated.count))))
                case 1: mutated[Int(random.next() % UInt64(mutated.count))] = UInt8(truncatingIfNeeded: random.next())
                default: mutated.insert(contentsOf: Array("\"\u{FFFF}\\u0000".utf8), at: Int(random.next() % UInt64(mutated.count)))
                }
                out.append(String(decoding: mutated, as: UTF8.self))
            }
        }
        return out
    }

    @Test func everyMutatedBodyGetsA4xxOrA200NeverA5xx() async throws {
        let harness = try ServerHarness()
        let bodies = Self.bodies()
        try await harness.test { client in
            for route in Self.routes {
                for body in bodies {
                    try await client.execute(uri: route, method: .post, headers: ServerHarness.jsonHeaders, body: ByteBuffer(string: body)) { response in
                        let status = Int(response.status.code)
                        #expect(status == 200 || (400..<500).contains(status), "\(route) \(status) for \(body.prefix(80))")
                        if status != 200 { #expect(response.error["message"] != nil, "\(route): \(response.text.prefix(200))") }
                    }
                }
            }
        }
    }
}
