import ArgumentParser
import TwinlogCommandSupport

/// The `twinlog` command-line tool: local infrastructure, topics, status, the consumers and the demo.
@main
struct Twinlog: AsyncParsableCommand {
    /// Restarts on OpenBLAS kernels that fit the CPU when needed (`BLASCores`), then runs the command.
    static func main() async {
        BLASCores.restartOnFittingKernelsIfNeeded()
        await main(nil)
    }

    static let configuration = CommandConfiguration(
        commandName: "twinlog",
        abstract: "An event-sourced LLM twin: crawl, materialize, embed, index, train and answer — all from one log.",
        subcommands: [
            UpCommand.self, DownCommand.self, StatusCommand.self, TopicsCommand.self, ConfigCommand.self,
            RunCommand.self, ReplayCommand.self, EraseCommand.self, CrawlCommand.self, ExtractCommand.self, AskCommand.self, GatewayCommand.self,
            DemoCommand.self,
            TokenizeCommand.self, EmbedCommand.self, GenerateCommand.self, LogprobsCommand.self, ChatCommand.self, IndexCommand.self,
            TrainLoRACommand.self, TrainCommand.self, ModelsCommand.self, FuzzCommand.self,
        ]
    )
}
