import Foundation
import Testing
@testable import Models

/// Each pre-tokeniser against its published regular expression run by Python's `regex`
/// (scripts/make-pretokenizer-golden.py).
@Suite struct PreTokenizerTests {
    @Test(arguments: PreTokenizer.allCases)
    func splitsMatchTheRegularExpression(kind: PreTokenizer) throws {
        let golden = try Fixtures.json("pretokenizers") as! [String: [[String: Any]]]
        let cases = try #require(golden[kind.rawValue])
        #expect(cases.count >= 20)
        for item in cases {
            let text = item["text"] as! String
            #expect(kind.split(text) == item["pieces"] as! [String], "\(kind) on \(text.debugDescription)")
        }
    }
}
