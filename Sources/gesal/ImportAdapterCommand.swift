import Adaptation
import ArgumentParser
import CommandLineSupport
import Engine
import GESAL

struct ImportAdapterCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "adapter",
        abstract: "Add a LoRA trained elsewhere (PEFT's format) to a node's adapter.",
        discussion: helpText("""
        DIR holds adapter_config.json and adapter_model.safetensors, as PEFT's save_pretrained
        writes them, for the Hugging Face copy of the store's model (SmolLM2-135M-Instruct by
        default). Every lora_A/lora_B pair must name one of the model's linear layers
        (model.layers.N.self_attn.{q,k,v,o}_proj, mlp.{gate,up,down}_proj) with its shapes.
        Refused, naming the setting: DoRA, bias terms, fan_in_fan_out, modules_to_save, a
        layer the model does not have. use_rslora, rank_pattern and alpha_pattern are read.

        The LoRA joins the node's adapter: the node keeps its SVF vectors (identity ones when it
        had none) and answers with both from now on. Later learning steps on the node move the
        SVF vectors and leave the LoRA as imported. The import is one AdapterImported event
        with the SHA-256 of both files, the LoRA blob and the node's new adapter blob:
        `gesal-log audit node N` shows it, `replay --reexecute` checks it, and
        `gesal-log rollback --exclude SEQ` makes a branch without it.

        Examples:
          gesal ask "What is 12 + 7?"                    (creates node 1)
          gesal import adapter my-lora --node 1
          gesal-log audit node 1
        """))

    @OptionGroup var engine: EngineOptions

    @Argument(help: ArgumentHelp("The adapter's folder (adapter_config.json, adapter_model.safetensors).", valueName: "DIR"))
    var folder: String

    @Option(help: "The node whose adapter gains the LoRA (see `gesal-log audit` or `gesal ask`'s output).")
    var node: Int

    @Option(help: "The adapter's format: peft (the only one so far).")
    var format: String = "peft"

    func validate() throws {
        guard format == "peft" else { throw ValidationError("--format must be peft, not '\(format)'") }
    }

    func run() throws {
        try reportingErrors {
            let opened = try engine.openEngine(create: false)
            let read = try PEFTImport.read(folder: folder, model: opened.models.language.model)
            let imported = try opened.importAdapter(read.lora, node: node, format: format, files: read.files, baseModel: read.baseModel)
            print("imported \(read.lora.count) LoRA matrices (rank \(read.rank)) into node \(node): adapter v\(opened.state.nodes[node]!.adapterVersion) "
                + "\(imported.adapterBlob.prefix(12)) (event \(opened.head))")
        }
    }
}
