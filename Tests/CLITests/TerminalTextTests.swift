import CommandLineSupport
import Testing

@Suite struct TerminalTextTests {
    @Test func controlCharactersBecomeVisibleEscapesAndTextStays() {
        #expect(terminalSafe("red \u{1B}[31mtext\u{07}") == "red \\u{1B}[31mtext\\u{7}")
        #expect(terminalSafe("a\tb\nc é 🙂") == "a\tb\nc é 🙂")
        #expect(terminalSafe("\u{7F}\u{9B}x") == "\\u{7F}\\u{9B}x")
    }

    @Test func helpTextJoinsProseParagraphsAndKeepsExamples() {
        let source = "A paragraph written\nover two lines.\n\n- an item\n- another\n\nExamples:\n  gesal ask \"x\"\n  gesal feedback 1 -2\n"
        #expect(helpText(source) == "A paragraph written over two lines.\n\n- an item\n- another\n\nExamples:\n  gesal ask \"x\"\n  gesal feedback 1 -2\n")
    }
}
