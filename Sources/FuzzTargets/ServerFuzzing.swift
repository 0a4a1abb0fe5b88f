import Foundation
import Server

/// The bodies `gesal serve` reads from clients it does not control. An input is a route's path
/// on the first line and the body after it (`/v1/chat/completions\n{"messages": …}`), run through
/// the same checks the route makes before the engine sees a request (`BodyRoute.check`).
enum ServerFuzzing {
    static let settings = ServerSettings(modelID: "SmolLM2-135M-Instruct-Q4_1", embedderID: "all-MiniLM-L6-v2")
    static let storeMaxTokens = 64

    /// Whatever a client sends is answered, and a body the server refuses is the client's
    /// fault: a 4xx with a message, never a server error.
    static func request(_ bytes: [UInt8]) -> FuzzOutcome {
        let newline = bytes.firstIndex(of: UInt8(ascii: "\n")) ?? bytes.endIndex
        let path = String(decoding: bytes[..<newline], as: UTF8.self)
        guard let route = BodyRoute(rawValue: path) else { return .rejected("no route reads a body at '\(path)'") }
        let body = Data(bytes[min(newline + 1, bytes.endIndex)...])
        do {
            try route.check(body, settings: settings, storeMaxTokens: storeMaxTokens)
            return .accepted
        } catch {
            precondition((400..<500).contains(error.status.code), "\(path) answered a client's body with \(error.status.code): \(error.message)")
            precondition(!error.message.isEmpty, "\(path) refused a body without saying why")
            return .rejected(error.description)
        }
    }
}
