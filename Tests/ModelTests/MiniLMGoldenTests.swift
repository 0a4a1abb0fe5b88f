import Foundation
import Testing
@testable import Models
import Tensor
import TestSupport

/// all-MiniLM-L6-v2 against the numpy oracle (../shared/reference/minilm_numpy.py).
@Suite(.enabled(if: RealModels.miniLM.available, RealModels.miniLM.missing)) struct MiniLMGoldenTests {
    static var model: BertModel { try! RealModels.miniLM.get() }

    @Test func embeddingsMatchTheOracle() throws {
        let golden = try Fixtures.json("minilm") as! [String: Any]
        for item in golden["sentences"] as! [[String: Any]] {
            let text = item["text"] as! String
            #expect(Self.model.tokenizer.encode(text) == item["ids"] as! [Int], "\(text)")
            let expected = (item["embedding"] as! [Double]).map(Float.init)
            let similarity = Ops.cosine(Self.model.embed(text), expected)
            #expect(similarity >= 0.9999, "\(text): cosine \(similarity)")
        }
    }

    @Test func similarSentencesScoreAsPublished() {
        let similarity = Ops.cosine(Self.model.embed("A man is eating food."), Self.model.embed("A man is eating a piece of bread."))
        #expect(abs(similarity - 0.755) <= 0.005, "cosine \(similarity)")
    }

    @Test func wordPieceSplitsAndFoldsLikeBERT() throws {
        let tokenizer = Self.model.tokenizer
        let ids = tokenizer.encode("Naïve UNAFFABLE!")
        let pieces = ids.map { tokenizer.tokens[$0] }
        #expect(pieces.first == "[CLS]" && pieces.last == "[SEP]")
        #expect(pieces.contains("naive") && pieces.contains("!"))
        #expect(pieces.contains { $0.hasPrefix("##") }, "unaffable splits into word pieces: \(pieces)")
    }
}
