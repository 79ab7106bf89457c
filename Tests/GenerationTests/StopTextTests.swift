import Testing
@testable import TwinlogGeneration

@Suite("streamed text: whole characters only, stop sequences held back")
struct StopTextTests {
    @Test("an emoji split across tokens is released only when complete")
    func splitUTF8() {
        var text = StopText(stops: [])
        let pizza = Array("🍕".utf8)
        #expect(text.append(Array(pizza[0..<2])).text == "")
        #expect(text.append(Array(pizza[2...]) + Array(" ok".utf8)).text == "🍕 ok")
        #expect(text.finish() == "")
    }

    @Test("a stop sequence spread over tokens never reaches the reader")
    func stopAcrossTokens() {
        var text = StopText(stops: ["\nUser:"])
        #expect(text.append(Array("Hi there".utf8)) == ("Hi there", false))
        #expect(text.append(Array("\nUs".utf8)) == ("", false))
        let last = text.append(Array("er: next".utf8))
        #expect(last == ("", true))
        #expect(text.emitted == "Hi there")
    }

    @Test("held-back text that turns out not to be a stop sequence is released")
    func falseAlarm() {
        var text = StopText(stops: ["END"])
        #expect(text.append(Array("the EN".utf8)) == ("the ", false))
        #expect(text.append(Array("D".utf8)).stopped)
        var other = StopText(stops: ["END"])
        _ = other.append(Array("the EN".utf8))
        #expect(other.append(Array("TRY".utf8)) == ("ENTRY", false))
        #expect(other.append(Array(" E".utf8)) == (" ", false))
        #expect(other.finish() == "E")
        #expect(other.emitted == "the ENTRY E")
    }
}
