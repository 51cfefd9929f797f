import DossierCLI
import Foundation

exit(await DossierTool.run(arguments: Array(CommandLine.arguments.dropFirst())))
