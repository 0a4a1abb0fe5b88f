import Engine
import Hummingbird

/// `gesal serve`: the routes behind the middleware, on Hummingbird. SIGTERM and SIGINT stop
/// accepting connections and let the requests in flight finish (each is durable in the log
/// before it is answered) before the process ends.
public enum GESALServer {
    public static func application(routes: ServerRoutes, onRunning: @escaping @Sendable (Int) async -> Void = { _ in })
        -> some ApplicationProtocol {
        let router = Router(context: BasicRequestContext.self)
        router.add(middleware: ServerMiddleware(settings: routes.settings, metrics: routes.host.metrics))
        routes.register(on: router)
        return Application(router: router,
                           configuration: .init(address: .hostname(routes.settings.host, port: routes.settings.port), serverName: "gesal"),
                           onServerRunning: { channel in await onRunning(channel.localAddress?.port ?? routes.settings.port) })
    }
}
