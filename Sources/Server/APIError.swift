import Foundation
import GESAL
import Hummingbird

/// An error as OpenAI's API writes it: an HTTP status and `{"error": {message, type, param,
/// code}}`, so clients built for OpenAI report it as they would one of OpenAI's.
public struct APIError: Error, Sendable, CustomStringConvertible, HTTPResponseError {
    public var status: HTTPResponse.Status
    public var type: String
    public var code: String?
    public var param: String?
    public var message: String

    public init(_ status: HTTPResponse.Status, _ message: String, type: String = "invalid_request_error", code: String? = nil,
                param: String? = nil) {
        self.status = status
        self.message = message
        self.type = type
        self.code = code
        self.param = param
    }

    public var description: String { "\(status.code) \(type): \(message)" }

    static func badRequest(_ message: String, param: String? = nil) -> APIError {
        APIError(.badRequest, message, code: "invalid_value", param: param)
    }

    static func notFound(_ message: String, code: String = "not_found") -> APIError {
        APIError(.notFound, message, type: "not_found_error", code: code)
    }

    /// What the engine refused, with the status that fits: a bad request is the client's,
    /// a store that cannot be read or written is the server's.
    init(_ error: EngineError) {
        switch error.code {
        case .invalidRequest:
            self.init(error.message.hasPrefix("no ") ? .notFound : .badRequest, error.message,
                      type: error.message.hasPrefix("no ") ? "not_found_error" : "invalid_request_error", code: error.code.rawValue)
        default:
            self.init(.internalServerError, error.message, type: "server_error", code: error.code.rawValue)
        }
    }

    struct Body: Encodable {
        struct Detail: Encodable { var message: String; var type: String; var param: String?; var code: String? }
        var error: Detail
    }

    var body: Body { Body(error: .init(message: message, type: type, param: param, code: code)) }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        var response = try JSONBody.response(body, status: status)
        if status == .unauthorized { response.headers[.wwwAuthenticate] = "Bearer" }
        return response
    }
}

/// JSON bodies in and out: one decoder and one encoder for every route.
enum JSONBody {
    static func data(_ value: some Encodable) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(value)
    }

    static func response(_ value: some Encodable, status: HTTPResponse.Status = .ok) throws -> Response {
        Response(status: status, headers: [.contentType: "application/json"], body: ResponseBody(byteBuffer: ByteBuffer(bytes: try data(value))))
    }

    /// Reads the whole body, at most `limit` bytes (beyond it, Hummingbird's 413).
    static func bytes(of request: Request, limit: Int) async throws -> Data {
        Data(try await request.body.collect(upTo: limit).readableBytesView)
    }

    /// Decodes a body; what does not decode is a 400 that says which field was wrong and how.
    static func decode<T: Decodable>(_ type: T.Type, from data: Data) throws(APIError) -> T {
        guard !data.isEmpty else { throw APIError.badRequest("the request has no body: send a JSON object") }
        do {
            return try JSONDecoder().decode(type, from: data)
        } catch let error as DecodingError {
            throw APIError.badRequest("the body is not a valid request: " + describe(error))
        } catch {
            throw APIError.badRequest("the body is not valid JSON: \(error)")
        }
    }

    static func describe(_ error: DecodingError) -> String {
        func path(_ context: DecodingError.Context) -> String {
            let keys = context.codingPath.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined()
            return keys.isEmpty ? "the body" : String(keys.drop { $0 == "." })
        }
        switch error {
        case .keyNotFound(let key, let context):
            let parent = path(context)
            return "\(parent == "the body" ? "" : parent + ".")\(key.stringValue) is missing"
        case .typeMismatch(let type, let context): return "\(path(context)) is not a \(typeName(type))"
        case .valueNotFound(let type, let context): return "\(path(context)) is null, where a \(typeName(type)) is needed"
        case .dataCorrupted(let context):
            return context.codingPath.isEmpty ? "it is not valid JSON" : "\(path(context)): \(context.debugDescription)"
        @unknown default: return "\(error)"
        }
    }

    private static func typeName(_ type: Any.Type) -> String {
        switch type {
        case is String.Type: "string"
        case is Int.Type, is Int64.Type: "integer"
        case is Float.Type, is Double.Type: "number"
        case is Bool.Type: "boolean"
        default: type == [String: Any].self ? "object" : "\(type)".lowercased().hasPrefix("array") ? "list" : "\(type)"
        }
    }
}
