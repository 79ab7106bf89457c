import Testing
import TwinlogConfig

@Suite("Configuration: the allowed reply topic prefix")
struct ReplyTopicPrefixTests {
    @Test("the default allows exactly the namespace's reply topic; the key, its variable and its flag set it; an empty or illegal value is refused")
    func replyTopicPrefix() throws {
        let defaults = try TwinlogConfiguration.load(flags: ["topicPrefix": "rw."], environment: [:])
        #expect(defaults.replyTopicPrefix == nil)
        #expect(defaults.allowedReplyTopicPrefix == "rw.twin.replies")
        let fromEnvironment = try TwinlogConfiguration.load(environment: ["TWINLOG_REPLY_TOPIC_PREFIX": "team.answers."])
        #expect(fromEnvironment.allowedReplyTopicPrefix == "team.answers.")
        let fromFlag = try TwinlogConfiguration.load(flags: ["replyTopicPrefix": "flag.replies"],
                                                     environment: ["TWINLOG_REPLY_TOPIC_PREFIX": "team.answers."])
        #expect(fromFlag.allowedReplyTopicPrefix == "flag.replies")
        for bad in ["", "has space", "slash/topic"] {
            let error = #expect(throws: ConfigurationError.self) { try TwinlogConfiguration.load(flags: ["replyTopicPrefix": bad], environment: [:]) }
            #expect(error?.description.contains("--reply-topic-prefix") == true, "\(String(describing: error))")
        }
    }
}
