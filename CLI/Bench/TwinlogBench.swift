import ArgumentParser
import TwinlogCommandSupport

/// `twinlog-bench`: the benchmarks, each running Twinlog and a competitor (or each step) side by
/// side in one run and printing the ratio. A separate executable, so the `twinlog` product holds
/// the product; the benchmark scripts under `Benchmarks/` build and call it.
@main
struct TwinlogBench: AsyncParsableCommand {
    /// Restarts on OpenBLAS kernels that fit the CPU when needed (`BLASCores`), then runs the command.
    static func main() async {
        BLASCores.restartOnFittingKernelsIfNeeded()
        await main(nil)
    }

    static let configuration = CommandConfiguration(
        commandName: "twinlog-bench", abstract: "Benchmarks against competitors, side by side.",
        subcommands: [BenchKafkaCommand.self, BenchWarehouseCommand.self, BenchIndexCommand.self, BenchPipelineCommand.self,
                      BenchRAGCommand.self, BenchEvidenceCommand.self, BenchTrainCommand.self, BenchLearningCommand.self, BenchCoresCommand.self])
}
