import Foundation
import PackagePlugin

/// Writes `GitRevision.swift` (`let gitRevision = "…"`) before every build: the revision of the
/// working tree (`git describe --always --dirty`), or `unknown` outside a git checkout, so that
/// `dossier --version` names the code it was built from.
@main
struct GitRevision: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: any Target) throws -> [Command] {
        let output = context.pluginWorkDirectoryURL.appending(path: "GitRevision.swift")
        let package = context.package.directoryURL.path
        let script = """
            revision=$(git -C '\(package)' describe --always --dirty 2>/dev/null || echo unknown)
            printf 'let gitRevision = "%s"\\n' "$revision" > '\(output.path)'
            """
        return [.prebuildCommand(displayName: "Recording the git revision", executable: URL(filePath: "/bin/sh"),
                                 arguments: ["-c", script], outputFilesDirectory: context.pluginWorkDirectoryURL)]
    }
}
