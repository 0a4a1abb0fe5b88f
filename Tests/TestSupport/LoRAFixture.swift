import Adaptation
import Models

/// A LoRA for tests that must see one act: rank 2, alpha 4, on `kind`'s matrix of `model`, with
/// a B that is not zero (a fresh LoRA's is, so it would change nothing).
public enum LoRAFixture {
    public static func lora(_ model: LlamaModel, kind: LinearKind = .q) -> LoRA {
        let (outputs, inputs) = model.shape(kind)
        var lora = LoRA(rank: 2, alpha: 4, inputs: inputs, outputs: outputs, seed: 1)
        lora.b = lora.b.indices.map { Float($0 % 7) / 20 - 0.15 }
        return lora
    }
}
