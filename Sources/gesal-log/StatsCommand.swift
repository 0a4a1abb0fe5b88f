import ArgumentParser
import CommandLineSupport
import EventLog
import Foundation
import PostgresLog

struct StatsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stats",
        abstract: "Count records, events, bytes, segments, branches and blobs.",
        discussion: helpText("""
        Prints name=value lines. compression_ratio is payload bytes over LZ4 frame bytes.

        Example:
          gesal-log stats --store .gesal
        """))

    @OptionGroup var location: StoreLocation

    func run() throws {
        try reportingErrors {
            if PostgresLocation.isURL(location.store) {
                // Segments and LZ4 framing are a folder's; PostgreSQL stores each record as one value.
                for (name, value) in try PostgresStore.open(location.store).counts() { print("\(name)=\(value)") }
                return
            }
            let stats = try StoreStats.of(location.openFolder(verb: "stats"))
            print("""
            records=\(stats.records)
            events=\(stats.events)
            segment_bytes=\(stats.segmentBytes)
            payload_bytes=\(stats.payloadBytes)
            lz4_frame_bytes=\(stats.frameBytes)
            compression_ratio=\(String(format: "%.3f", stats.compressionRatio))
            bytes_per_event=\(stats.events == 0 ? "0" : String(format: "%.1f", Double(stats.segmentBytes) / Double(stats.events)))
            segments=\(stats.segments)
            lines=\(stats.lines)
            branches=\(stats.branches)
            blobs=\(stats.blobs)
            blob_bytes=\(stats.blobBytes)
            """)
        }
    }
}
