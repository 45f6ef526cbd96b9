/// Core ML ML-program weight files (`.mlpackage/Data/com.apple.CoreML/weights/weight.bin`; source:
/// coremltools `mil/mil/...`/MIL blob storage `StorageFormat.hpp`; research 2.17).
///
/// A 64-byte header (u32 blob count, u32 version 2, zero padding), then per blob a 64-byte metadata
/// record (sentinel 0xDEADBEEF, u32 data type, u64 size in bytes, u64 data offset, padding) followed
/// by the data at that offset, 64-aligned. Recognition: the header and a chain of records each
/// whose sentinel, size and offset fit the file. The records give exact bytes and element counts.
public struct CoreMLWeightsSniffer: Sniffer {
    public let id = "coreml-weights"
    public init() {}

    static let sentinel: UInt32 = 0xDEAD_BEEF
    static let maxBlobs = 100_000
    /// MIL `BlobDataType` numbers: (name, bits per element).
    static let dataTypes: [UInt32: (String, Int)] = [1: ("float16", 16), 2: ("float32", 32), 3: ("uint8", 8), 4: ("int8", 8),
                                                     5: ("bfloat16", 16), 6: ("int16", 16), 7: ("uint16", 16), 8: ("int4", 4),
                                                     9: ("uint1", 1), 10: ("uint2", 2), 11: ("uint4", 4), 12: ("uint3", 3),
                                                     13: ("uint6", 6), 14: ("int32", 32), 15: ("uint32", 32)]

    public func sniff(_ input: SniffInput) -> SniffResult {
        let h = input.head
        guard h.count >= 128, let count = h.u32le(0), count >= 1, let version = h.u32le(4), version == 2,
              h[8..<64].allSatisfy({ $0 == 0 }), h.u32le(64) == CoreMLWeightsSniffer.sentinel else { return .notMine }
        var s = ArtifactSummary()
        var p = 64, blobs = 0, bytes = 0, elements = 0, known = true
        var problems: [String] = []
        while blobs < min(Int(count), CoreMLWeightsSniffer.maxBlobs) {
            guard let m = input.bytes(at: p, count: 64), m.count == 64 else {
                problems.append("truncated: \(blobs) of \(count) blobs read")
                break
            }
            guard m.u32le(0) == CoreMLWeightsSniffer.sentinel, let type = m.u32le(4), let size = m.u64le(8), let offset = m.u64le(16),
                  offset == UInt64(p + 64), size <= UInt64(input.size), let end = checkedSum(p + 64, Int(size)) else {
                if blobs == 0 { return .notMine }
                problems.append("blob \(blobs + 1) of \(count) is not a blob record")
                break
            }
            blobs += 1
            bytes = saturatingAdd(bytes, Int(size))
            if let (name, bits) = CoreMLWeightsSniffer.dataTypes[type] {
                s.addDtype(name)
                elements = saturatingAdd(elements, Int(size) * 8 / bits)
            } else {
                known = false
                s.addDtype("type \(type)")
            }
            if end > input.size {
                problems.append("truncated: blob \(blobs) of \(count) ends at byte \(end), the file has \(input.size)")
                break
            }
            p = end % 64 == 0 ? end : end + (64 - end % 64)
        }
        s.tensors = blobs
        s.tensorBytes = bytes
        if known { s.parameters = elements }
        return .found(Detection(format: id, category: .modelWeights, label: "Core ML weights (weight.bin)", summary: s, problems: problems))
    }
}
