/// A registry of protected models: for each model, for each comparable tensor, its shape, dtype and
/// the sign bits of a keyed sample of its values (`SketchKey`, `RowBits`). It holds no weights: at
/// most 256 rows × 64 bits per tensor, under 1/16 of its values, one bit each
/// (docs/protected-weights.md says what that reveals). Stored as JSON, versioned.
public struct ProtectedRegistry: Sendable {
    public static let formatVersion = 1

    public struct Tensor: Sendable {
        public var name: String
        public var shape: [Int]
        public var dtype: String
        /// One word per sampled row (`SketchKey.rows`), `window` low bits used.
        public var signature: [UInt64]
        public var rows: Int { shape.first ?? 0 }
        public var columns: Int { checkedProduct(shape.dropFirst()) ?? 0 }
    }

    public struct Model: Sendable {
        public var name: String
        /// The files it was registered from, as given.
        public var files: [String]
        public var tensors: [Tensor]
        /// Tensors not registered, with why (1-D, too small, constant values, unreadable dtype).
        public var skipped: [(name: String, why: String)]
    }

    public var key: SketchKey
    public var models: [Model]

    public init(key: SketchKey, models: [Model] = []) {
        self.key = key
        self.models = models
    }

    /// Adds `model`, replacing one of the same name.
    public mutating func put(_ model: Model) {
        if let i = models.firstIndex(where: { $0.name == model.name }) { models[i] = model } else { models.append(model) }
    }

    /// Model names: letters, digits, `.`, `-`, `_` (they become rule ids `protected.<name>`).
    public static func isValidName(_ name: String) -> Bool {
        !name.isEmpty && name.utf8.count <= 100
            && name.utf8.allSatisfy { ($0 >= 0x30 && $0 <= 0x39) || ($0 | 0x20 >= 0x61 && $0 | 0x20 <= 0x7A) || $0 == 0x2E || $0 == 0x2D || $0 == 0x5F }
    }

    // MARK: JSON

    public func json() -> String {
        var out = "{\n  \"moat-protected-registry\": \(ProtectedRegistry.formatVersion),\n"
        out += "  \"salt\": \"\(hex64(key.salt))\",\n"
        out += "  \"sketch\": \"per tensor (2-D view: dim 0 by the rest): up to \(SketchKey.maxRows) keyed rows x \(SketchKey.maxWindow) keyed columns, one bit each (above the row window's median); no values\",\n"
        out += "  \"models\": ["
        for (m, model) in models.enumerated() {
            out += m == 0 ? "\n" : ",\n"
            out += "    {\n      \"name\": \(JSONText.quoted(model.name)),\n"
            out += "      \"files\": [" + model.files.map(JSONText.quoted).joined(separator: ", ") + "],\n"
            out += "      \"skipped\": [" + model.skipped.map { "{\"name\": \(JSONText.quoted($0.name)), \"why\": \(JSONText.quoted($0.why))}" }.joined(separator: ", ") + "],\n"
            out += "      \"tensors\": ["
            for (t, tensor) in model.tensors.enumerated() {
                out += t == 0 ? "\n" : ",\n"
                out += "        {\"name\": \(JSONText.quoted(tensor.name)), \"shape\": [\(tensor.shape.map(String.init).joined(separator: ", "))], "
                out += "\"dtype\": \(JSONText.quoted(tensor.dtype)), \"signature\": \"\(tensor.signature.map(hex64).joined())\"}"
            }
            out += model.tensors.isEmpty ? "]\n    }" : "\n      ]\n    }"
        }
        out += models.isEmpty ? "]\n}\n" : "\n  ]\n}\n"
        return out
    }

    public struct ParseError: Error, Sendable { public let reason: String }

    /// Parses a registry; every signature is checked against the rows its shape implies.
    public static func parse(_ bytes: [UInt8]) throws(ParseError) -> ProtectedRegistry {
        guard let root = JSONScanner.parse(bytes, 0..<bytes.count, maxNodes: 1 << 22), root.members != nil else {
            throw ParseError(reason: "not valid JSON (or too large)")
        }
        guard root["moat-protected-registry"]?.int == formatVersion else {
            throw ParseError(reason: "not a moat protected-model registry (version \(formatVersion))")
        }
        guard let saltText = root["salt"]?.string, let salt = parseHex64(Array(saltText.utf8)[...]) else { throw ParseError(reason: "bad salt") }
        var registry = ProtectedRegistry(key: SketchKey(salt: salt))
        for m in root["models"]?.array ?? [] {
            guard let name = m["name"]?.string, isValidName(name) else { throw ParseError(reason: "a model without a valid name") }
            var model = Model(name: name, files: (m["files"]?.array ?? []).compactMap(\.string), tensors: [], skipped: [])
            for s in m["skipped"]?.array ?? [] { model.skipped.append((s["name"]?.string ?? "?", s["why"]?.string ?? "")) }
            for t in m["tensors"]?.array ?? [] {
                guard let tname = t["name"]?.string, let dims = t["shape"]?.array?.compactMap(\.int), dims.count >= 2,
                      dims.allSatisfy({ $0 > 0 }), let dtype = t["dtype"]?.string, let sig = t["signature"]?.string else {
                    throw ParseError(reason: "model \(name): a tensor entry lacks name, shape, dtype or signature")
                }
                let tensor = Tensor(name: tname, shape: dims, dtype: dtype, signature: [])
                let expected = registry.key.rowCount(rows: tensor.rows, columns: tensor.columns)
                let utf = Array(sig.utf8)
                guard utf.count == expected * 16 else { throw ParseError(reason: "model \(name), tensor \(tname): signature has the wrong length") }
                var words: [UInt64] = []
                words.reserveCapacity(expected)
                for i in 0..<expected {
                    guard let w = parseHex64(utf[(i * 16)..<(i * 16 + 16)]) else { throw ParseError(reason: "model \(name), tensor \(tname): bad signature") }
                    words.append(w)
                }
                model.tensors.append(Tensor(name: tname, shape: dims, dtype: dtype, signature: words))
            }
            registry.put(model)
        }
        return registry
    }
}

func hex64(_ v: UInt64) -> String {
    let s = String(v, radix: 16)
    return String(repeating: "0", count: 16 - s.count) + s
}

func parseHex64(_ s: ArraySlice<UInt8>) -> UInt64? {
    guard s.count == 16 else { return nil }
    var v: UInt64 = 0
    for c in s {
        let d: UInt8
        switch c {
        case 0x30...0x39: d = c - 0x30
        case 0x61...0x66: d = c - 0x61 + 10
        default: return nil
        }
        v = v << 4 | UInt64(d)
    }
    return v
}
