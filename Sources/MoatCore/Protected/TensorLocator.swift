/// Lists the tensors of a weight file with where their values lie, so a sample of any tensor can be
/// read with bounded reads. Every offset and size is checked against the real size of the input;
/// nothing is unpickled (torch zips go through `PickleWalker`). Formats: safetensors, PyTorch zip
/// (`torch.save`), NumPy `.npy` and stored `.npz`, GGUF (F32, F16, BF16, F64, Q8_0 tensors).
public enum TensorLocator {
    /// The tensors found, and why others (or the whole file) could not be sampled.
    public struct Listing: Sendable {
        public var format: String
        public var tensors: [TensorLocation] = []
        /// Tensors listed by the file whose values moat cannot sample (dtype, compression, layout).
        public var unsampled: [String] = []
    }

    /// Most tensors listed per file (far above real checkpoints).
    static let maxTensors = 100_000

    /// The tensors of `input`, or nil when it is none of the supported formats.
    public static func locate(_ input: SniffInput) -> Listing? {
        let h = input.head
        if h.count >= 10, let n = h.u64le(0), n >= 2, n <= 100_000_000, h[8] == UInt8(ascii: "{") || h[8] == 0x20 {
            return safetensors(input, headerLength: Int(n))
        }
        if h.has(ascii("GGUF"), at: 0) { return GGUFTensors.locate(input) }
        if h.has(NumpySniffer.magic, at: 0) { return npy(input) }
        if h.has([0x50, 0x4B, 0x03, 0x04], at: 0), let zip = input.zip {
            if zip.entries.contains(where: { TorchZipSniffer.member($0.name, "data.pkl") != nil }) { return TorchTensors.locate(input, zip) }
            if !zip.entries.isEmpty, zip.entries.allSatisfy({ $0.nameString.hasSuffix(".npy") }) { return npz(input, zip) }
        }
        return nil
    }

    static func safetensors(_ input: SniffInput, headerLength n: Int) -> Listing? {
        guard let end = checkedSum(8, n), end <= input.size, let header = input.bytes(at: 0, count: end), header.count == end else { return nil }
        var listing = Listing(format: "safetensors")
        let ok = JSONScanner.forEachMember(header, 8..<end) { name, value, dropped in
            guard name != "__metadata__" else { return true }
            guard listing.tensors.count + listing.unsampled.count < maxTensors else { return false }
            guard !dropped, let dtype = value["dtype"]?.string, let dims = value["shape"]?.array?.compactMap(\.int),
                  let offsets = value["data_offsets"]?.array, offsets.count == 2, let begin = offsets[0].int, let stop = offsets[1].int,
                  begin >= 0, stop >= begin, let start = checkedSum(end, begin) else { return false }
            guard let enc = ElementEncoding.named(dtype), let elements = checkedProduct(dims) else {
                listing.unsampled.append(name)
                return true
            }
            let available = max(0, min(stop - begin, input.size - min(start, input.size)))
            listing.tensors.append(TensorLocation(name: name, shape: dims, encoding: enc, dataOffset: start,
                                                  storageElements: min(elements, available / enc.unitBytes)))
            return true
        }
        return ok == nil ? nil : listing
    }

    static func npy(_ input: SniffInput) -> Listing? {
        guard let t = npyTensor(header: input.head, name: "array", base: 0, available: input.size) else { return nil }
        var listing = Listing(format: "numpy-npy")
        switch t {
        case .some(let location): listing.tensors.append(location)
        case .none: listing.unsampled.append("array")
        }
        return listing
    }

    /// The `.npy` held at `base` (its header's bytes in `header`): nil when not an npy header,
    /// `.some(nil)` when its dtype cannot be sampled.
    static func npyTensor(header: [UInt8], name: String, base: Int, available: Int) -> TensorLocation?? {
        guard let h = NumpySniffer.parseHeader(header) else { return nil }
        guard let enc = ElementEncoding.named(h.descr.hasPrefix(">") ? "" : h.dtypeName), h.descr.first != ">" else { return .some(nil) }
        let headerEnd = header.count >= h.dataOffset ? h.dataOffset : 0
        let text = String(decoding: header[0..<headerEnd], as: UTF8.self)
        let fortran = text.contains("'fortran_order': True")
        // Column-major arrays: the first index varies fastest.
        var strides: [Int]?
        if fortran {
            var s: [Int] = [], acc = 1
            for d in h.shape { s.append(acc); acc = checkedMul(acc, max(d, 1)) ?? Int.max / 2 }
            strides = s
        }
        guard let start = checkedSum(base, h.dataOffset) else { return .some(nil) }
        let bytes = max(0, available - h.dataOffset)
        return .some(TensorLocation(name: name, shape: h.shape, encoding: enc, dataOffset: start,
                                    storageElements: min(h.elements, bytes / enc.unitBytes), strides: strides))
    }

    static func npz(_ input: SniffInput, _ zip: ZipDirectory) -> Listing? {
        var listing = Listing(format: "numpy-npz")
        for entry in zip.entries.prefix(maxTensors) {
            let name = String(entry.nameString.dropLast(4))
            // Deflated members (savez_compressed) would have to be inflated up to each sample.
            guard entry.method == 0, let off = zip.dataOffset(of: entry, in: input),
                  let head = zip.contentPrefix(of: entry, in: input, limit: 4096) else { listing.unsampled.append(name); continue }
            let available = min(entry.uncompressedSize, input.size - off)
            switch npyTensor(header: head, name: name, base: off, available: available) {
            case .some(.some(let t)): listing.tensors.append(t)
            default: listing.unsampled.append(name)
            }
        }
        return listing
    }
}
