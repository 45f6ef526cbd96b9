/// The tensors of a `torch.save` zip: the pickle in `<dir>/data.pkl` is walked (never unpickled) for
/// each tensor's storage key, dtype, shape, strides and storage offset; the values are the stored
/// (uncompressed) member `<dir>/data/<key>`. Names are the keys of the dicts that hold the tensors.
enum TorchTensors {
    static func locate(_ input: SniffInput, _ zip: ZipDirectory) -> TensorLocator.Listing? {
        guard let pkl = zip.entries.first(where: { TorchZipSniffer.member($0.name, "data.pkl") != nil }),
              let folder = TorchZipSniffer.member(pkl.name, "data.pkl"),
              let bytes = zip.contentPrefix(of: pkl, in: input, limit: TorchZipSniffer.maxPickleBytes) else { return nil }
        let walk = PickleWalker.walk(bytes)
        var listing = TensorLocator.Listing(format: "pytorch-zip")
        var names: [Int: String] = [:]
        if let root = walk.root { collectNames(root, walk, prefix: "", depth: 0, into: &names) }
        var members: [String: ZipDirectory.Entry] = [:]
        let dataDir = String(decoding: folder, as: UTF8.self) + "/data/"
        for e in zip.entries where e.nameString.hasPrefix(dataDir) { members[String(e.nameString.dropFirst(dataDir.count))] = e }
        for (i, t) in walk.tensors.enumerated().prefix(TensorLocator.maxTensors) {
            let name = names[i] ?? "tensor\(i)"
            guard let key = t.storageKey, let entry = members[key], entry.method == 0, let enc = t.dtype.flatMap(ElementEncoding.named),
                  let shape = t.shape, let strides = t.strides, strides.count == shape.count, strides.allSatisfy({ $0 >= 0 }),
                  let off = zip.dataOffset(of: entry, in: input) else {
                listing.unsampled.append(name)
                continue
            }
            let available = max(0, min(entry.uncompressedSize, input.size - off))
            listing.tensors.append(TensorLocation(name: name, shape: shape, encoding: enc, dataOffset: off,
                                                  storageElements: available / enc.unitBytes, elementOffset: t.storageOffset ?? 0,
                                                  strides: strides))
        }
        return listing
    }

    /// Dotted key paths of the tensors held in (nested) dicts, e.g. `model.layers.0.weight`.
    static func collectNames(_ v: PickleValue, _ walk: PickleWalk, prefix: String, depth: Int, into names: inout [Int: String]) {
        guard depth < 6 else { return }
        switch v {
        case .tensor(let i):
            if names[i] == nil { names[i] = prefix.isEmpty ? "tensor\(i)" : prefix }
        case .container(let c):
            let container = walk.containers[c]
            if container.kind == .dict || container.kind == .object {
                var k = 0
                while k + 1 < container.items.count {
                    let key: String
                    switch container.items[k] {
                    case .string(let s): key = s
                    case .int(let n): key = String(n)
                    default: key = "?"
                    }
                    collectNames(container.items[k + 1], walk, prefix: prefix.isEmpty ? key : prefix + "." + key, depth: depth + 1, into: &names)
                    k += 2
                }
            } else {
                for (k, item) in container.items.enumerated() {
                    collectNames(item, walk, prefix: prefix.isEmpty ? String(k) : prefix + "." + String(k), depth: depth + 1, into: &names)
                }
            }
        default:
            break
        }
    }
}

/// The tensors of a GGUF v2/v3 file: metadata walked for `general.alignment`, then the tensor infos
/// (dims reversed to PyTorch order; data row-major either way). F32, F16, BF16, F64 and Q8_0
/// tensors can be sampled; other quantisations are listed as unsampled.
enum GGUFTensors {
    static func locate(_ input: SniffInput) -> TensorLocator.Listing? {
        guard let version = input.head.u32le(4), version == 2 || version == 3 else { return nil }
        var c = ByteCursor(input, at: 8, limit: GGUFSniffer.walkLimit)
        guard let tensorCount = c.u64(), let kvCount = c.u64(), tensorCount < 1_000_000, kvCount < 1_000_000 else { return nil }
        var alignment = 32
        func string() -> String? {
            guard let n = c.u64(), n <= 1 << 20, let b = c.bytes(Int(n)) else { return nil }
            return String(decoding: b, as: UTF8.self)
        }
        func skip(_ type: UInt32, depth: Int) -> Bool {
            if let size = GGUFSniffer.scalarSize[type] { return c.skip(size) }
            if type == 8 { guard let n = c.u64(), n <= UInt64(Int.max) else { return false }; return c.skip(Int(n)) }
            guard type == 9, depth < 3, let et = c.u32(), let n = c.u64() else { return false }
            if let size = GGUFSniffer.scalarSize[et] {
                let (total, o) = Int(clamping: n).multipliedReportingOverflow(by: size)
                return !o && c.skip(total)
            }
            var i: UInt64 = 0
            while i < n { guard skip(et, depth: depth + 1) else { return false }; i += 1 }
            return true
        }
        for _ in 0..<kvCount {
            guard let key = string(), let type = c.u32() else { return nil }
            if key == "general.alignment", type == 4, let a = c.u32() {
                guard a > 0, a <= 1 << 20 else { return nil }
                alignment = Int(a)
            } else if !skip(type, depth: 0) {
                return nil
            }
        }
        var infos: [(name: String, dims: [Int], type: UInt32, offset: Int)] = []
        for _ in 0..<tensorCount {
            guard let name = string(), let n = c.u32(), n >= 1, n <= 8 else { return nil }
            var dims: [Int] = []
            for _ in 0..<n { guard let d = c.u64(), d <= UInt64(Int.max) else { return nil }; dims.append(Int(d)) }
            guard let type = c.u32(), let off = c.u64(), off <= UInt64(Int.max) else { return nil }
            infos.append((name, dims.reversed(), type, Int(off)))
        }
        let dataStart = (c.offset + alignment - 1) / alignment * alignment
        var listing = TensorLocator.Listing(format: "gguf")
        let encodings: [UInt32: ElementEncoding] = [0: .f32, 1: .f16, 8: .q8_0, 28: .f64, 30: .bf16]
        for info in infos.prefix(TensorLocator.maxTensors) {
            guard let enc = encodings[info.type], let elements = checkedProduct(info.dims), elements % enc.unitElements == 0,
                  let start = checkedSum(dataStart, info.offset), start <= input.size else {
                listing.unsampled.append(info.name)
                continue
            }
            let units = min(elements / enc.unitElements, (input.size - start) / enc.unitBytes)
            listing.tensors.append(TensorLocation(name: info.name, shape: info.dims, encoding: enc, dataOffset: start,
                                                  storageElements: units * enc.unitElements))
        }
        return listing
    }
}
