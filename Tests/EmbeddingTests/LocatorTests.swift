import Foundation
import Testing
import TwinlogEmbedding

@Suite("model locator")
struct LocatorTests {
    @Test("an explicit path wins, and the package folder above the model folder is accepted too")
    func explicitPath() throws {
        let model = try ModelFolder.url()
        #expect(try EmbedderModelLocator.locate(explicitPath: model.path, environment: [:]) == model)
        let package = model.deletingLastPathComponent()
        #expect(try EmbedderModelLocator.locate(explicitPath: package.path, environment: [:]).standardizedFileURL
                == model.standardizedFileURL)
    }

    @Test("TWINLOG_EMBEDDER_MODEL is used when no path is given")
    func environment() throws {
        let model = try ModelFolder.url()
        let found = try EmbedderModelLocator.locate(
            environment: [EmbedderModelLocator.environmentVariable: model.path],
            searchingUpFrom: URL(fileURLWithPath: "/"))
        #expect(found == model)
    }

    @Test("the project venv is found by walking up from a subdirectory")
    func walksUp() throws {
        let model = try ModelFolder.url()
        let project = FileManager.default.currentDirectoryPath
        let nested = URL(fileURLWithPath: project).appendingPathComponent("Core/Embedding")
        let found = try EmbedderModelLocator.locate(environment: [:], searchingUpFrom: nested)
        #expect(found.standardizedFileURL.resolvingSymlinksInPath() == model.standardizedFileURL.resolvingSymlinksInPath())
    }

    @Test("a missing model says where it looked and how to install the weights")
    func missing() {
        #expect {
            _ = try EmbedderModelLocator.locate(environment: [:], searchingUpFrom: URL(fileURLWithPath: "/"))
        } throws: { error in
            "\(error)".contains("infra/dev/setup") && "\(error)".contains(EmbedderModelLocator.environmentVariable)
        }
        #expect {
            _ = try EmbedderModelLocator.locate(explicitPath: "/nonexistent/model", environment: [:])
        } throws: { error in
            "\(error)".contains("/nonexistent/model") && "\(error)".contains("model.safetensors")
        }
    }
}
