import Crypto
import Foundation
import Models
import SystemIO

/// A LoRA in PEFT's format (`adapter_config.json` and `adapter_model.safetensors`), read into
/// GESAL's LoRA sites for a Llama model of the given shape. PEFT's `lora_A.weight` is
/// [r, in] and `lora_B.weight` [out, r], row-major, as GESAL's `LoRA` holds them; the scale
/// is `lora_alpha / r` (or `lora_alpha / √r` with `use_rslora`), per module when
/// `alpha_pattern` says so. What GESAL cannot apply exactly is refused, naming the setting:
/// DoRA, bias terms, `fan_in_fan_out`, `modules_to_save`, a module GESAL does not adapt.
public enum PEFTImport {
    public static let configFile = "adapter_config.json"
    public static let weightsFile = "adapter_model.safetensors"

    public struct Result: Sendable {
        public var lora: [LinearSite: LoRA]
        public var baseModel: String?
        /// The largest rank among the matrices.
        public var rank: Int
        /// The SHA-256 (hex) of each file read, by name.
        public var files: [String: String]
    }

    /// Reads the adapter in `folder` for `model`'s shapes.
    public static func read(folder: String, model: LlamaModel) throws(ModelError) -> Result {
        let configPath = folder + "/" + configFile, weightsPath = folder + "/" + weightsFile
        for path in [configPath, weightsPath] where !FileSystem().exists(path) {
            throw ModelError(.io, "is missing: the folder must hold \(configFile) and \(weightsFile), as PEFT's save_pretrained writes them", path: path)
        }
        let configJSON = try JSONObjectFile(path: configPath), config = configJSON.values
        try refuseWhatCannotBeApplied(config, path: configPath)
        guard let r = config["r"] as? Int, r >= 1 else { throw ModelError(.invalid, "has no rank r (a whole number of at least 1)", path: configPath) }
        guard let alpha = (config["lora_alpha"] as? NSNumber)?.floatValue, alpha.isFinite else {
            throw ModelError(.invalid, "has no lora_alpha (a number)", path: configPath)
        }
        let rsLoRA = config["use_rslora"] as? Bool ?? false
        let rankPattern = config["rank_pattern"] as? [String: Int] ?? [:]
        let alphaPattern = (config["alpha_pattern"] as? [String: NSNumber] ?? [:]).mapValues(\.floatValue)

        let weights = try SafetensorsFile(path: weightsPath)
        var lora: [LinearSite: LoRA] = [:]
        var seen = Set<String>()
        for name in weights.tensors.keys.sorted() where name.hasSuffix(".lora_A.weight") {
            let module = String(name.dropLast(".lora_A.weight".count))
            guard let site = site(module), site.layer < model.config.layers else {
                throw ModelError(.invalid, "adapts \(module), which is not a linear layer of this model's \(model.config.layers) blocks "
                    + "(GESAL adapts model.layers.N.self_attn.{q,k,v,o}_proj and mlp.{gate,up,down}_proj)", path: weightsPath, tensor: name)
            }
            let (outputs, inputs) = model.shape(site.kind)
            guard let shape = weights.tensors[name]?.shape, shape.count == 2, shape[0] >= 1 else {
                throw ModelError(.shapeMismatch, "is not a matrix [r, in]", path: weightsPath, tensor: name)
            }
            let rank = shape[0]
            let key = patternKey(module, in: rankPattern.keys)
            let expectedRank = key.flatMap { rankPattern[$0] } ?? r
            guard rank == expectedRank else {
                throw ModelError(.shapeMismatch, "has rank \(rank), but the config says \(expectedRank)\(key.map { " (rank_pattern \($0))" } ?? " (r)")",
                                 path: weightsPath, tensor: name)
            }
            let a = try weights.floats(name, shape: [rank, inputs])
            let b = try weights.floats(module + ".lora_B.weight", shape: [outputs, rank])
            let moduleAlpha = patternKey(module, in: alphaPattern.keys).flatMap { alphaPattern[$0] } ?? alpha
            // GESAL's scale is alpha / rank; rsLoRA's alpha / √rank is the same with alpha · √rank.
            let gesalAlpha = rsLoRA ? moduleAlpha * Float(rank).squareRoot() : moduleAlpha
            guard a.allSatisfy(\.isFinite), b.allSatisfy(\.isFinite) else {
                throw ModelError(.invalid, "holds a value that is not a finite number", path: weightsPath, tensor: module)
            }
            lora[site] = LoRA(rank: rank, alpha: gesalAlpha, inputs: inputs, outputs: outputs, a: a, b: b)
            seen.insert(module + ".lora_A.weight")
            seen.insert(module + ".lora_B.weight")
        }
        if let stray = weights.tensors.keys.sorted().first(where: { !seen.contains($0) }) {
            throw ModelError(.invalid, "holds \(stray), which is not half of a LoRA pair (….lora_A.weight with ….lora_B.weight)",
                             path: weightsPath, tensor: stray)
        }
        guard !lora.isEmpty else { throw ModelError(.invalid, "holds no LoRA tensors (….lora_A.weight)", path: weightsPath) }
        let weightBytes: [UInt8]
        do { weightBytes = try FileSystem().read(weightsPath) } catch { throw ModelError(.io, "cannot be read: \(error)", path: weightsPath) }
        func sha256(_ bytes: [UInt8]) -> String { SHA256.hash(data: bytes).map { String(format: "%02x", $0) }.joined() }
        return Result(lora: lora, baseModel: config["base_model_name_or_path"] as? String, rank: lora.values.map(\.rank).max()!,
                      files: [configFile: sha256(configJSON.bytes), weightsFile: sha256(weightBytes)])
    }

    static func refuseWhatCannotBeApplied(_ config: [String: Any], path: String) throws(ModelError) {
        let type = config["peft_type"] as? String ?? "(none)"
        guard type == "LORA" else { throw ModelError(.unsupportedType, "peft_type is \(type): GESAL imports LORA adapters", path: path) }
        if config["use_dora"] as? Bool == true {
            throw ModelError(.unsupportedType, "use_dora is true: DoRA rescales each column by a learned magnitude, which GESAL's LoRA does not", path: path)
        }
        if let bias = config["bias"] as? String, bias != "none" {
            throw ModelError(.unsupportedType, "bias is \(bias): GESAL imports LoRA factors only (bias \"none\")", path: path)
        }
        if config["fan_in_fan_out"] as? Bool == true {
            throw ModelError(.unsupportedType, "fan_in_fan_out is true (Conv1D layers, GPT-2 style); Llama's linear layers are not stored that way", path: path)
        }
        if let modules = config["modules_to_save"] as? [Any], !modules.isEmpty {
            throw ModelError(.unsupportedType, "modules_to_save lists \(modules.count) whole modules; GESAL imports LoRA factors only", path: path)
        }
    }

    /// GESAL's site for PEFT's module path (`base_model.model.model.layers.L.self_attn.q_proj`).
    public static func site(_ module: String) -> LinearSite? {
        let prefix = "base_model.model.model.layers."
        guard module.hasPrefix(prefix) else { return nil }
        let rest = module.dropFirst(prefix.count)
        guard let dot = rest.firstIndex(of: "."), let layer = Int(rest[..<dot]), layer >= 0 else { return nil }
        let path = String(rest[rest.index(after: dot)...])
        guard let kind = PEFTExport.names.first(where: { $0.value.huggingFace == path })?.key else { return nil }
        return LinearSite(layer: layer, kind: kind)
    }

    /// The `rank_pattern` / `alpha_pattern` key that names `module`: the module's path or a
    /// dot-separated tail of it (PEFT reads keys as regular expressions, `(.*\.)?KEY$`; literal
    /// keys, which PEFT itself writes, match the same). The longest match wins. A key that only
    /// matches as a regular expression is not found, and the rank check then names the tensor.
    static func patternKey<Keys: Sequence>(_ module: String, in keys: Keys) -> String? where Keys.Element == String {
        keys.filter { module == $0 || module.hasSuffix("." + $0) }.max { $0.count < $1.count }
    }
}
