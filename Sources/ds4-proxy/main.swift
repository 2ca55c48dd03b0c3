import Foundation
import ProxyKit

exit(ProxyMain.run(arguments: Array(CommandLine.arguments.dropFirst()), environment: ProcessInfo.processInfo.environment))
