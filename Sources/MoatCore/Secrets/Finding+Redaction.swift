extension Finding {
    /// This finding with each of `values` (secrets found in the same content) redacted from every
    /// content-derived text it prints: message, label and summary.
    func redacting(_ values: [[UInt8]]) -> Finding {
        var f = self
        let r = { (s: String) in Redaction.redact(s, values) }
        f.message = r(f.message)
        f.label = r(f.label)
        f.summary.architecture = f.summary.architecture.map(r)
        f.summary.optimizer = f.summary.optimizer.map(r)
        f.summary.notes = f.summary.notes.map(r)
        f.summary.dtypes = f.summary.dtypes.map(r)
        f.summary.details = f.summary.details.map { ($0.0, r($0.1)) }
        return f
    }
}
