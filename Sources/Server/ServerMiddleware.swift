import Crypto
import Foundation
import GESAL
import Hummingbird

/// The one place every request passes through: it is counted, its key checked, a body too
/// large refused before it is read, and whatever a route throws becomes OpenAI's error object
/// with a status that fits. Nothing a client sends reaches a route without these checks.
struct ServerMiddleware: RouterMiddleware {
    typealias Context = BasicRequestContext
    let settings: ServerSettings
    let metrics: ServerMetrics

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        metrics.request(Self.route(of: request))
        do {
            try authorize(request)
            if let length = request.headers[.contentLength].flatMap(Int.init), length > settings.maxBodyBytes {
                return try await refuseTooLarge(request, context: context, length: length)
            }
            return try await next(request, context)
        } catch {
            let failure = Self.apiError(error, limit: settings.maxBodyBytes)
            metrics.error(status: failure.status.code)
            var response = try failure.response(from: request, context: context)
            // A body that outgrew the limit was read only in part: the connection cannot be reused.
            if failure.status == .contentTooLarge { response.headers[.connection] = "close" }
            return response
        }
    }

    /// The most of an oversized body read and thrown away so that the client, still sending,
    /// can read the 413; a larger one gets the 413 and a closed connection instead.
    static let drainLimit = 64 << 20

    /// A 413 for a body whose `Content-Length` is over the limit, before any of it is kept.
    /// Clients that send the whole body before reading (most do, without `Expect: 100-continue`)
    /// would otherwise block on a full socket buffer while the server waits for their next request.
    func refuseTooLarge(_ request: Request, context: Context, length: Int) async throws -> Response {
        metrics.error(status: 413)
        var response = try APIError.tooLarge(length, limit: settings.maxBodyBytes).response(from: request, context: context)
        if length <= Self.drainLimit {
            var seen = 0
            for try await buffer in request.body {
                seen += buffer.readableBytes
                if seen > Self.drainLimit { break }
            }
        }
        response.headers[.connection] = "close"
        return response
    }

    /// A key, when one is set, is asked of every request but the health check.
    func authorize(_ request: Request) throws(APIError) {
        guard let key = settings.apiKey, request.uri.path != "/health" else { return }
        let given = request.headers[.authorization].flatMap { $0.hasPrefix("Bearer ") ? String($0.dropFirst(7)) : nil }
        guard let given, Self.constantTimeEqual(Array(given.utf8), Array(key.utf8)) else {
            throw APIError(.unauthorized, given == nil ? "this server needs an API key: send 'Authorization: Bearer KEY'" : "the API key is not the server's",
                           type: "invalid_request_error", code: "invalid_api_key")
        }
    }

    /// Compares digests, so the time taken does not tell how much of a guess was right.
    static func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        let (x, y) = (Array(SHA256.hash(data: a)), Array(SHA256.hash(data: b)))
        return zip(x, y).reduce(0) { $0 | ($1.0 ^ $1.1) } == 0
    }

    /// The route's pattern for the request counters (ids left out, so the labels stay few).
    static func route(of request: Request) -> String {
        let parts = request.uri.path.split(separator: "/")
        switch parts.first {
        case "v1" where parts.count >= 2: return "/v1/" + parts[1]
        case .some(let first): return "/" + first
        case .none: return "/"
        }
    }

    static func apiError(_ error: any Error, limit: Int) -> APIError {
        switch error {
        case let error as APIError: return error
        case let error as EngineError: return APIError(error)
        case let error as HTTPError:
            return APIError(error.status, error.body ?? (error.status == .notFound ? "no such route" : "\(error.status)"),
                            type: error.status == .notFound ? "not_found_error" : "invalid_request_error")
        case let error as any HTTPResponseError:
            // A body that outgrew the limit while being read (no Content-Length to refuse it by).
            if error.status == .contentTooLarge { return .tooLarge(nil, limit: limit) }
            return APIError(error.status, "\(error)", type: error.status.code >= 500 ? "server_error" : "invalid_request_error")
        default:
            return APIError(.internalServerError, "\(error)", type: "server_error")
        }
    }
}

extension APIError {
    static func tooLarge(_ length: Int?, limit: Int) -> APIError {
        APIError(.contentTooLarge, "the body is \(length.map { "\($0) bytes" } ?? "larger than the limit"); this server takes at most \(limit) bytes",
                 code: "request_too_large")
    }
}
