import ArgumentParser
import CommandLineSupport
import Foundation
import Models
import Tensor

struct EmbedCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "embed",
        abstract: "Embed text with all-MiniLM-L6-v2 (what GESAL routes and clusters with).",
        discussion: helpText("""
        Prints the 384 numbers of the unit-length sentence embedding, or with --cosine the
        similarity of two texts.

        Examples:
          gesal embed "A man is eating food."
          gesal embed "A man is eating food." \\
            --cosine "A man is eating a piece of bread."
        """))

    @Argument(help: "The text to embed.")
    var text: String

    @Option(help: "Print the cosine similarity to this text instead of the vector.")
    var cosine: String?

    @Option(help: ArgumentHelp("The sentence-transformers folder. The default is $GESAL_EMBEDDER when set, else the one ./scripts/setup.sh unpacked.", valueName: "DIR"))
    var embedder: String = ProcessInfo.processInfo.environment["GESAL_EMBEDDER"] ?? SetupFolder.path(BertModel.defaultFolder)

    func run() throws {
        guard FileManager.default.fileExists(atPath: embedder + "/model.safetensors") else {
            throw ValidationError("no embedding model in \(embedder): run ./scripts/setup.sh, or pass --embedder DIR")
        }
        let model: BertModel
        do { model = try BertModel(folder: embedder) } catch { throw ValidationError("cannot load the embedder: \(error)") }
        let vector = model.embed(text)
        if let other = cosine {
            print(String(format: "%.4f", Ops.cosine(vector, model.embed(other))))
        } else {
            print(vector.map { String(format: "%.6f", $0) }.joined(separator: " "))
        }
    }
}
