/// A model file or request GESAL refuses: what is wrong, in which file, at which tensor or
/// byte offset.
public struct ModelError: Error, Sendable, CustomStringConvertible {
    public enum Code: String, Sendable {
        case io, badMagic, unsupportedVersion, truncated, invalid, unsupportedType, missingTensor, missingMetadata, shapeMismatch
    }

    public var code: Code
    public var message: String
    public var path: String
    public var tensor: String?
    public var offset: Int?

    public init(_ code: Code, _ message: String, path: String, tensor: String? = nil, offset: Int? = nil) {
        self.code = code
        self.message = message
        self.path = path
        self.tensor = tensor
        self.offset = offset
    }

    public var description: String {
        var text = path
        if let tensor { text += ", tensor \(tensor)" }
        if let offset { text += ", offset \(offset)" }
        return text + ": " + message
    }
}
