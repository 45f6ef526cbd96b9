import ArgumentParser
import MoatCore
import MoatReport
import MoatScan

extension ReportFormat: ExpressibleByArgument {}

/// `--format`, `--output`, `--color`: shared by every scanning command.
struct OutputOptions: ParsableArguments {
    enum ColorChoice: String, ExpressibleByArgument, CaseIterable { case auto, always, never }

    @Option(name: .long, help: ArgumentHelp("Output format: \(ReportFormat.allCases.map(\.rawValue).joined(separator: ", ")); repeatable, each paired with the --output of the same rank.", valueName: "format"))
    var format: [ReportFormat] = []

    @Option(name: [.short, .long], help: ArgumentHelp("Write the report to FILE instead of standard output; repeatable.", valueName: "file"))
    var output: [String] = []

    @Option(name: .long, help: "Colour the text report: auto (on a terminal), always, never.")
    var color: ColorChoice = .auto

    @Flag(name: .customLong("show-suppressed"), help: "List the findings an allowlist, baseline or moat:allow comment accepted.")
    var showSuppressed = false

    @Option(name: .customLong("write-baseline"), help: ArgumentHelp("Write every finding to FILE as a baseline (use it with --baseline), then exit 0.", valueName: "file"))
    var writeBaseline: String?

    /// The parsed values as a plain value (the hook's fast path builds `ReportOutput()` directly,
    /// without ArgumentParser).
    var values: ReportOutput {
        ReportOutput(format: format, output: output, color: color, showSuppressed: showSuppressed, writeBaseline: writeBaseline)
    }

    func validate() throws {
        do { _ = try values.destinations() } catch { throw ValidationError(error.message) }
    }

    func finish(_ result: ScanResult, policy: ExitPolicy) throws { try values.finish(result, policy: policy) }
}

/// Where and how reports are written; `ReportOutput()` is every default (text on standard output).
struct ReportOutput {
    var format: [ReportFormat] = []
    var output: [String] = []
    var color: OutputOptions.ColorChoice = .auto
    var showSuppressed = false
    var writeBaseline: String?

    /// Warnings printed on stderr before the rest are only counted.
    static let warningLimit = 20

    /// The reports to write: each format with the output of the same rank (`--format json
    /// --output a.json --format sarif --output a.sarif`); a format without one goes to standard
    /// output, which only one may do. No format: text.
    func destinations() throws(MoatError) -> [(format: ReportFormat, path: String?)] {
        let formats = format.isEmpty ? [ReportFormat.text] : format
        guard output.count <= formats.count else {
            throw MoatError("\(output.count) --output for \(formats.count) --format: give one --format per --output")
        }
        guard formats.count - output.count <= 1 else {
            throw MoatError("\(formats.count - output.count) formats would go to standard output: give each --format but one an --output")
        }
        return formats.enumerated().map { (i, f) in (f, i < output.count ? output[i] : nil) }
    }

    /// Writes the report, then ends the command as `policy` decides: returns for exit 0, throws
    /// the exit code otherwise (with one error line for an incomplete scan).
    func finish(_ result: ScanResult, policy: ExitPolicy) throws {
        var result = result
        result.showSuppressed = showSuppressed
        try emit(result)
        if let path = writeBaseline {
            // Accepting today's findings is the point: the scan that writes a baseline passes.
            let baseline = Baseline(findings: result.findings + result.suppressed)
            try Terminal.writeFile(path, baseline.serialized())
            Terminal.writeErr("moat: wrote \(baseline.entries.count) \(baseline.entries.count == 1 ? "finding" : "findings") to \(path)\n")
            return
        }
        switch policy.decide(result) {
        case .pass: return
        case .blocked: throw ExitCode(1)
        case .incomplete(let why):
            Terminal.error(why)
            throw ExitCode(2)
        }
    }

    /// Writes the warnings on stderr and the report where asked.
    func emit(_ result: ScanResult) throws {
        // A damaged repository can produce thousands: the first ones say what kind of damage it is,
        // the JSON report keeps them all.
        for w in result.warnings.prefix(Self.warningLimit) { Terminal.warning(w) }
        for u in result.unusedAllowEntries { Terminal.writeErr("moat: note: \(u)\n") }
        if result.staleBaselineEntries > 0 {
            Terminal.writeErr("moat: note: \(result.staleBaselineEntries) baseline \(result.staleBaselineEntries == 1 ? "entry" : "entries") matched nothing (fixed or gone): rewrite it with --write-baseline\n")
        }
        if result.warnings.count > Self.warningLimit {
            Terminal.warning("\(result.warnings.count - Self.warningLimit) more warnings not shown (--format json lists them all)")
        }
        for (format, path) in try destinations() {
            let useColor: Bool
            switch color {
            case .always: useColor = true
            case .never: useColor = false
            case .auto: useColor = path == nil && Terminal.wantsColor(1)
            }
            let text = format.report(color: useColor).render(result)
            if let path { try Terminal.writeFile(path, text) } else { try Terminal.writeReport(text) }
        }
    }
}
