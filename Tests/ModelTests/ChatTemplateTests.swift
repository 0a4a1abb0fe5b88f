import Foundation
import Testing
@testable import Models

/// ChatML conversations against SmolLM2's own Jinja template rendered by jinja2
/// (`scripts/make-chat-template-golden.py` wrote the fixture).
struct ChatTemplateTests {
    struct Message: Decodable { var role: String; var content: String }
    struct Case: Decodable { var messages: [Message]; var rendered: String }
    struct Golden: Decodable { var template: String; var cases: [Case] }
    static let fixture = try! JSONDecoder().decode(Golden.self, from: Data(contentsOf: Bundle.module.url(forResource: "Fixtures/chat_template", withExtension: "json")!))

    /// The system message, the earlier turns and the last user message of a case.
    static func split(_ messages: [Message]) -> (context: ChatContext, user: String) {
        let turns = messages.dropFirst().dropLast().map { ChatContext.Turn($0.role == "assistant" ? .assistant : .user, $0.content) }
        return (ChatContext(system: messages.first!.content, turns: turns), messages.last!.content)
    }

    @Test func smolLM2sTemplateIsReadAsChatML() {
        #expect(ChatTemplate(jinja: Self.fixture.template) == .chatML)
    }

    @Test(arguments: ChatTemplateTests.fixture.cases.indices) func aConversationRendersAsJinjaRendersIt(_ index: Int) {
        let golden = Self.fixture.cases[index]
        let (context, user) = Self.split(golden.messages)
        #expect(ChatTemplate.chatML.render(user: user, context: context) == golden.rendered)
    }
}
