/// The parsers GESAL exposes to files and bytes it did not write itself, each as a libFuzzer
/// target: `run` feeds one input through the parser (and, where the input is accepted, through
/// what a user's command would do next) and reports whether it was accepted. Rejecting an input
/// with an error is the expected outcome for almost every fuzzed input; a crash, a hang or
/// unbounded memory is a finding. Targets that can check more than "no crash" do: a decoded
/// value must encode back to bytes that decode to the same value.
///
/// `gesal-fuzz` runs them under libFuzzer (scripts/fuzz.sh); the test suite replays the committed
/// corpora (Tests/FuzzCorpusTests/Corpora/TARGET/) through the same `run`.
public enum FuzzTarget: String, CaseIterable, Sendable {
    /// A GGUF model file: header, metadata, tensor table, then the whole model load (shape
    /// checks, dequantisation, the tokenizer from metadata, the chat template).
    case gguf
    /// A safetensors file: header JSON, offsets, then every tensor read as Float32.
    case safetensors
    /// A Hugging Face `tokenizer.json`, then encoding and decoding a fixed text.
    case tokenizerJSON = "tokenizer-json"
    /// A WordPiece `vocab.txt` (the input's lines plus the three tokens BERT needs), and the
    /// input itself encoded with it.
    case wordPiece = "wordpiece"
    /// A segment file dropped into a store: open, read every event, verify, then a writer's
    /// recovery at open and one append after it.
    case segment
    /// Domain events, one per line as `TYPE PAYLOAD`, decoded and folded into a fresh state;
    /// a state that folds must survive the snapshot round trip.
    case domainEvents = "domain-events"
    /// One event's payload as the log holds it, after its type and a line break: binary
    /// payloads (`BinaryPayload`) must re-encode to the same bytes.
    case binaryPayload = "binary-payload"
    /// A snapshot blob, and the state encoding inside it; what decodes must re-encode the same.
    case snapshot
    /// An adapter blob or an optimiser-state blob; what decodes must re-encode the same.
    case adapterBlob = "adapter-blob"
    /// A request body of `gesal serve`'s routes, after its path on the first line: decoded and
    /// checked as the route does before the engine; a refusal must be a 4xx that says why.
    case serverRequest = "server-request"

    /// Feeds `bytes` to the target. Throws nothing: an input the parser refuses is `.rejected`
    /// with its error text. A broken invariant stops the process (`preconditionFailure`), which is
    /// what libFuzzer records as a crash.
    public func run(_ bytes: [UInt8]) -> FuzzOutcome {
        switch self {
        case .gguf: ModelFileFuzzing.gguf(bytes)
        case .safetensors: ModelFileFuzzing.safetensors(bytes)
        case .tokenizerJSON: TokenizerFuzzing.tokenizerJSON(bytes)
        case .wordPiece: TokenizerFuzzing.wordPiece(bytes)
        case .segment: SegmentFuzzing.shared.run(bytes)
        case .domainEvents: DomainFuzzing.events(bytes)
        case .binaryPayload: DomainFuzzing.payload(bytes)
        case .snapshot: DomainFuzzing.snapshot(bytes)
        case .adapterBlob: AdapterFuzzing.blob(bytes)
        case .serverRequest: ServerFuzzing.request(bytes)
        }
    }
}

/// What one input did.
public enum FuzzOutcome: Sendable, Equatable {
    /// The parser took the input and everything after it ran.
    case accepted
    /// The parser (or a later step) refused the input with this error.
    case rejected(String)

    /// Runs `body`, turning a thrown error into `.rejected`.
    static func of(_ body: () throws -> Void) -> FuzzOutcome {
        do {
            try body()
            return .accepted
        } catch {
            return .rejected("\(error)")
        }
    }
}
