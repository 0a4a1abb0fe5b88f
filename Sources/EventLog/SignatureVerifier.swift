import Foundation

/// What `gesal-log verify --key` found: per branch, how far the key's signatures reach, and
/// every signature that no longer holds.
public struct SignatureReport: Sendable {
    public struct Branch: Sendable, Equatable {
        public var name: String
        public var head: UInt64
        /// The furthest sequence a signature by the key covers and that still holds.
        public var signedThrough: UInt64?
        /// Signatures by the key that hold, and those made by other keys (not checked).
        public var holding = 0
        public var otherKeys = 0
    }

    public var branches: [Branch] = []
    public var problems: [LogError] = []

    public var ok: Bool { problems.isEmpty }
}

public enum SignatureVerifier {
    /// Checks every `HistorySigned` event by `key` on every branch against the record hashes
    /// recomputed from the bytes on disk. A store with no signature by the key fails: a rewrite
    /// could otherwise hide by dropping the signatures.
    public static func verify(_ store: some EventHistory, key: HistoryPublicKey) -> SignatureReport {
        var report = SignatureReport()
        let branches: [String: BranchRef]
        do { branches = try store.branches() } catch {
            report.problems.append(error)
            return report
        }
        for name in branches.keys.sorted() {
            do {
                report.branches.append(try check(name, in: store, key: key, problems: &report.problems))
            } catch {
                report.problems.append(LogError(.corrupt, "branch '\(name)': its signatures could not be read: \(error)", path: store.location))
            }
        }
        if report.branches.allSatisfy({ $0.holding == 0 }) && report.problems.isEmpty {
            let others = report.branches.reduce(0) { $0 + $1.otherKeys }
            report.problems.append(LogError(.corrupt, "no event on any branch is signed by key \(key.fingerprint)"
                + (others > 0 ? " (\(others) signature(s) by other keys)" : "") + "; sign a branch with `gesal-log sign --key PRIVATE.pem`", path: store.location))
        }
        return report
    }

    private static func check(_ name: String, in store: some EventHistory, key: HistoryPublicKey, problems: inout [LogError]) throws -> SignatureReport.Branch {
        var branch = SignatureReport.Branch(name: name, head: try store.head(of: name))
        var signatures: [(event: UInt64, signed: HistorySigned)] = []
        try store.forEachEvent(branch: name) { event in
            guard event.type == HistorySigned.typeName else { return }
            do {
                signatures.append((event.sequence, try JSONDecoder().decode(HistorySigned.self, from: Data(event.payload))))
            } catch {
                problems.append(LogError(.corrupt, "branch '\(name)': event \(event.sequence) (\(event.type)) is not a signature: \(error)", path: store.location))
            }
        }
        var lastHolding: UInt64 = 0
        for (event, signed) in signatures {
            guard signed.publicKey == key.hex else {
                branch.otherKeys += 1
                continue
            }
            guard signed.sequence < event, let signature = signed.signatureBytes else {
                problems.append(LogError(.corrupt, "branch '\(name)': event \(event) is a malformed signature (it signs sequence \(signed.sequence); "
                    + "a signature must follow what it signs and be 64 bytes of hex)", path: store.location))
                continue
            }
            let record = try store.record(holding: signed.sequence, on: name)
            if key.isValidSignature(signature, for: HistorySigned.message(sequence: signed.sequence, recordHash: record.hash)) {
                branch.holding += 1
                lastHolding = max(lastHolding, signed.sequence)
                branch.signedThrough = lastHolding
            } else {
                let window = lastHolding < signed.sequence ? "\(lastHolding + 1)...\(signed.sequence)" : "1...\(signed.sequence)"
                problems.append(LogError(.corrupt, "branch '\(name)': the signed chain breaks at or before sequence \(signed.sequence): "
                    + "the signature in event \(event) by key \(key.fingerprint) no longer holds; the record holding \(signed.sequence) "
                    + "now hashes to \(record.hash.hex.prefix(16))…, it was signed as \(signed.recordHash.prefix(16))…; "
                    + "an event in \(window) was rewritten after it was signed", path: store.location))
            }
        }
        return branch
    }
}
