import EventLog

/// Opens the store at `path` for writing, reporting on standard error what recovery repaired
/// (a torn tail cut off, a file quarantined), so no repair goes unseen.
public func openLogWriter(at path: String) throws -> LogWriter {
    let writer = try LogWriter(at: path)
    for action in writer.recovered { writeStandardError("recovered: \(action)\n") }
    return writer
}
