import Foundation
import ProxyKit

exit(UsageReportMain.run(arguments: Array(CommandLine.arguments.dropFirst())))
