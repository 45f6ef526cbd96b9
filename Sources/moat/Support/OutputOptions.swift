import ArgumentParser
import MoatCore
import MoatReport

extension ReportFormat: ExpressibleByArgument {}

/// `--format`, `--output`, `--color`: shared by every scanning command.
struct OutputOptions: ParsableArguments {
    enum ColorChoice: String, ExpressibleByArgument, CaseIterable { case auto, always, never }

    @Option(name: .long, help: "Output format: \(ReportFormat.allCases.map(\.rawValue).joined(separator: ", ")).")
    var format: ReportFormat = .text

    @Option(name: [.short, .long], help: ArgumentHelp("Write the report to FILE instead of standard output.", valueName: "file"))
    var output: String?

    @Option(name: .long, help: "Colour the text report: auto (on a terminal), always, never.")
    var color: ColorChoice = .auto

    /// Writes the report and returns the exit status the findings call for (0 or 1).
    func emit(_ result: ScanResult) throws -> Int32 {
        for w in result.warnings { Terminal.warning(w) }
        let useColor: Bool
        switch color {
        case .always: useColor = true
        case .never: useColor = false
        case .auto: useColor = output == nil && Terminal.wantsColor(1)
        }
        let text = format.report(color: useColor).render(result)
        if let path = output { try Terminal.writeFile(path, text) } else { Terminal.writeOut(text) }
        return result.worstSeverity == .block ? 1 : 0
    }
}
