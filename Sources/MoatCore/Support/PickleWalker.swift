/// A pickle opcode walker that never executes or unpickles anything.
///
/// It reads opcodes (protocols 0-5, each with its fixed or length-prefixed argument; every length
/// is checked against the bytes that really exist) and runs a small symbolic stack machine over
/// inert values: numbers, short strings, containers kept in an arena and referenced by index,
/// globals by name, and the few reconstructions that matter for ML artifacts (torch tensors from
/// `torch._utils._rebuild_tensor_v2` & co., NumPy arrays, joblib `NumpyArrayWrapper`).
/// Everything is bounded: bytes read, opcodes, stack, marks, memo, container items, strings,
/// globals, tensors. Large payloads (array bytes, long strings) are skipped, not read. On top of
/// the counts, the memory the walk's state takes (estimated per value kept) is held to
/// `min(maxState, memoryFloor + memoryPerByte * bytes walked)`: a flood of 1-byte opcodes that each
/// build a value (TUPLE1, EMPTY_DICT, MEMOIZE) stops with `.budget("memory")` instead of growing
/// ~100 bytes per byte, and the walk is reported as stopped early (truncated), not failed.
///
/// Spec: CPython `Lib/pickletools.py` (opcode table) and `Lib/pickle.py` (semantics).
public struct PickleWalker {
    public struct Limits: Sendable {
        /// Bytes actually read (skipped payloads do not count).
        public var maxBytes = 16 << 20
        public var maxOps = 4_000_000
        public var maxStack = 1 << 18
        public var maxMarks = 1 << 16
        /// Memo entries (a real torch pickle memoizes about 5 values per tensor: 50,000 tensors).
        public var maxMemo = 1 << 18
        /// Values kept in containers, over all containers; more are counted, not kept.
        public var maxItems = 1 << 20
        public var maxContainers = 1 << 20
        public var maxTensors = 1 << 18
        public var maxStrings = 4_096
        public var maxStringLength = 256
        public var maxGlobals = 1_024
        public var maxLine = 1 << 20
        /// How much is fetched at a time when reading from a source.
        public var window = 1 << 20
        /// Estimated bytes of walker state allowed whatever the size: a real torch pickle costs about
        /// 20 bytes of state per byte (some 1,200 per tensor), so this covers ~15,000 tensors.
        public var memoryFloor = 16 << 20
        /// Estimated bytes of state allowed per pickle byte walked (skipped payloads excluded) beyond
        /// the floor. Floods of 1-byte opcodes cost 25-130 per byte and stop early.
        public var memoryPerByte = 8
        /// Estimated bytes of state never exceeded, however long the pickle.
        public var maxState = 64 << 20
        public init() {}
    }

    /// Reads bytes `count` at an absolute offset; nil when they cannot be had.
    public typealias Fetch = (_ offset: Int, _ count: Int) -> [UInt8]?

    /// Walks one pickle in `bytes` starting at `start` (bytes past the end of `bytes` do not exist).
    public static func walk(_ bytes: [UInt8], start: Int = 0, limits: Limits = Limits()) -> PickleWalk {
        var w = PickleWalker(buffer: bytes, base: 0, total: bytes.count, fetch: nil, start: start, limits: limits)
        return w.run()
    }

    /// Walks one pickle at `start` of content `total` bytes long, read through `fetch` in windows.
    public static func walk(total: Int, start: Int, limits: Limits = Limits(), fetch: @escaping Fetch) -> PickleWalk {
        var w = PickleWalker(buffer: [], base: start, total: total, fetch: fetch, start: start, limits: limits)
        return w.run()
    }

    // MARK: state

    private var buf: [UInt8]
    private var base: Int
    private var p: Int
    private let total: Int
    private let fetch: Fetch?
    private let limits: Limits
    private var bytesRead = 0
    private var nextWindow = 4096

    private var stack: [PickleValue] = []
    private var marks: [Int] = []
    private var memoDense: [PickleValue?] = []
    private var memoSparse: [Int: PickleValue] = [:]
    private var memoCount = 0
    private var itemsKept = 0
    private var globalIndex: [String: Int] = [:]
    private var stringSet: Set<String> = []
    private var out = PickleWalk()
    /// Estimated bytes of state built so far (see `charge`), and the deepest stack seen.
    private var spent = 0
    private var stackHigh = 0

    private init(buffer: [UInt8], base: Int, total: Int, fetch: Fetch?, start: Int, limits: Limits) {
        self.buf = buffer
        self.base = base
        self.total = total
        self.fetch = fetch
        self.p = start
        self.limits = limits
        out.start = start
    }

    enum Stop: Error { case truncated, invalid(String), budget(String), done }

    // MARK: reading

    /// Makes `n` bytes at `p` available in `buf`.
    @inline(__always)
    private mutating func ensure(_ n: Int) throws(Stop) {
        if p >= base && p + n <= base + buf.count { return }
        try refill(n)
    }

    private mutating func refill(_ n: Int) throws(Stop) {
        guard n >= 0, p <= total, n <= total - p else { throw .truncated }
        guard let fetch else { throw .truncated }
        // Reading on from the end of the window doubles the window; landing elsewhere (after a skipped
        // payload, e.g. joblib array bytes) starts small again, so many skipped arrays cost little.
        let onward = p >= base && p <= base + buf.count
        nextWindow = onward ? min(nextWindow * 2, limits.window) : min(4096, limits.window)
        let want = min(max(n, nextWindow), total - p)
        guard bytesRead + want <= limits.maxBytes || bytesRead + n <= limits.maxBytes else { throw .budget("byte budget") }
        let count = bytesRead + want <= limits.maxBytes ? want : n
        guard let got = fetch(p, count), got.count >= n else { throw .truncated }
        bytesRead += got.count
        buf = got
        base = p
    }

    @inline(__always)
    private func at(_ i: Int) -> UInt8 { buf[p - base + i] }

    private mutating func u8() throws(Stop) -> Int {
        try ensure(1)
        defer { p += 1 }
        return Int(at(0))
    }

    private mutating func uLE(_ n: Int) throws(Stop) -> UInt64 {
        try ensure(n)
        var v: UInt64 = 0
        for i in 0..<n { v |= UInt64(at(i)) << (8 * UInt64(i)) }
        p += n
        return v
    }

    private mutating func skip(_ n: Int) throws(Stop) {
        guard n >= 0, p <= total, n <= total - p else { throw .truncated }
        p += n
    }

    /// A text line (without its `\n`), for protocol-0 arguments.
    private mutating func line() throws(Stop) -> ArraySlice<UInt8> {
        var len = 0
        while true {
            if p + len >= base + buf.count || p < base {
                // Need more: fetch a window that covers what was scanned plus more.
                guard p + len < total else { throw .truncated }
                guard len < limits.maxLine else { throw .budget("text line too long") }
                try ensure(min(max(len * 2, len + 4096), total - p))
            }
            if at(len) == 0x0A { break }
            len += 1
            if len > limits.maxLine { throw .budget("text line too long") }
        }
        let s = buf[(p - base)..<(p - base + len)]
        p += len + 1
        return s
    }

    private func text(_ s: ArraySlice<UInt8>) -> String { String(decoding: s, as: UTF8.self) }

    // MARK: memory

    /// Rough heap cost of the values the walk keeps, in bytes (Swift array slots and headers,
    /// dictionary entries): estimates, not measurements, but proportional to the real thing.
    enum Cost {
        static let value = 24
        static let container = 64
        static let object = 128
        static let tensor = 96
        static let memoSlot = 32
        static let memoSparse = 64
        static let entry = 96
    }

    /// Charges `n` bytes of state; throws `.budget("memory")` when the state outgrows what the
    /// bytes walked so far allow.
    @inline(__always)
    private mutating func charge(_ n: Int) throws(Stop) {
        spent = saturatingAdd(spent, n)
        guard spent > limits.memoryFloor else { return }
        let walked = max(0, p - out.start - out.payloadBytes)
        let allowed = min(limits.maxState, saturatingAdd(limits.memoryFloor, checkedMul(walked, limits.memoryPerByte) ?? Int.max))
        if spent > allowed { throw .budget("memory") }
    }

    // MARK: stack

    @inline(__always)
    private mutating func push(_ v: PickleValue) throws(Stop) {
        guard stack.count < limits.maxStack else { throw .budget("stack") }
        if stack.count >= stackHigh {
            stackHigh = stack.count + 1
            try charge(Cost.value)
        }
        stack.append(v)
    }

    @inline(__always)
    private mutating func pop() throws(Stop) -> PickleValue {
        guard stack.count > (marks.last ?? 0) else { throw .invalid("stack underflow") }
        return stack.removeLast()
    }

    private func top() throws(Stop) -> PickleValue {
        guard stack.count > (marks.last ?? 0), let v = stack.last else { throw .invalid("stack underflow") }
        return v
    }

    private mutating func popMark() throws(Stop) -> [PickleValue] {
        guard let m = marks.popLast() else { throw .invalid("no mark") }
        let items = Array(stack[m...])
        stack.removeSubrange(m...)
        return items
    }

    private mutating func newContainer(_ kind: PickleContainer.Kind, _ items: [PickleValue] = []) throws(Stop) -> PickleValue {
        guard out.containers.count < limits.maxContainers else { throw .budget("containers") }
        try charge(Cost.container + Cost.value * min(items.count, max(0, limits.maxItems - itemsKept)))
        var c = PickleContainer(kind: kind)
        append(items, to: &c)
        out.containers.append(c)
        return .container(out.containers.count - 1)
    }

    private mutating func append(_ items: [PickleValue], to c: inout PickleContainer) {
        let room = max(0, limits.maxItems - itemsKept)
        if items.count <= room {
            c.items.append(contentsOf: items)
            itemsKept += items.count
        } else {
            c.items.append(contentsOf: items.prefix(room))
            itemsKept += room
            c.dropped = Int32(clamping: Int(c.dropped) + items.count - room)
            out.itemsDropped = true
        }
    }

    /// APPEND(S), SETITEM(S), ADDITEMS on a container; on anything else (an opaque object) the items are dropped.
    private mutating func addItems(_ items: [PickleValue], to target: PickleValue) throws(Stop) {
        guard case .container(let ci) = target else { return }
        let room = max(0, limits.maxItems - itemsKept)
        let kept = min(room, items.count)
        try charge(Cost.value * kept)
        out.containers[ci].items.append(contentsOf: items.prefix(kept))
        itemsKept += kept
        if kept < items.count {
            out.containers[ci].dropped = Int32(clamping: Int(out.containers[ci].dropped) + items.count - kept)
            out.itemsDropped = true
        }
    }

    // MARK: memo

    private mutating func memoPut(_ key: Int, _ v: PickleValue) throws(Stop) {
        guard key >= 0 else { throw .invalid("negative memo key") }
        // Memo keys are sequential in practice: a dense array, grown a little at a time; far keys go to a dictionary.
        if key < memoDense.count + 4096 && key < limits.maxMemo {
            if key >= memoDense.count {
                guard memoCount < limits.maxMemo else { throw .budget("memo") }
                try charge(Cost.memoSlot * (key + 1 - memoDense.count))
                memoDense.append(contentsOf: repeatElement(nil, count: key + 1 - memoDense.count))
            }
            if memoDense[key] == nil {
                guard memoCount < limits.maxMemo else { throw .budget("memo") }
                memoCount += 1
            }
            memoDense[key] = v
        } else {
            if memoSparse[key] == nil {
                guard memoCount < limits.maxMemo else { throw .budget("memo") }
                try charge(Cost.memoSparse)
                memoCount += 1
            }
            memoSparse[key] = v
        }
    }

    private func memoGet(_ key: Int) throws(Stop) -> PickleValue {
        if key >= 0 && key < memoDense.count, let v = memoDense[key] { return v }
        if let v = memoSparse[key] { return v }
        throw .invalid("memo key \(key) missing")
    }

    // MARK: values

    private mutating func record(_ s: String) throws(Stop) {
        guard out.strings.count < limits.maxStrings, !stringSet.contains(s) else { return }
        try charge(Cost.entry + 2 * s.utf8.count)
        stringSet.insert(s)
        out.strings.append(s)
    }

    /// A length-prefixed string or bytes argument: kept when short text, else skipped.
    private mutating func blob(_ n: UInt64, text: Bool) throws(Stop) -> PickleValue {
        guard n <= UInt64(Int.max), Int(n) <= total - p else { throw .truncated }
        let len = Int(n)
        if text && len <= limits.maxStringLength {
            try ensure(len)
            let s = String(decoding: buf[(p - base)..<(p - base + len)], as: UTF8.self)
            p += len
            try record(s)
            return .string(s)
        }
        try skip(len)
        out.payloadBytes = saturatingAdd(out.payloadBytes, len)
        return text ? .longString(len) : .bytes(len)
    }

    private mutating func global(_ module: String, _ name: String) throws(Stop) -> PickleValue {
        let full = module + "." + name
        if let i = globalIndex[full] { return .global(i) }
        guard out.globals.count < limits.maxGlobals else { return .opaque }
        try charge(2 * Cost.entry + 2 * full.utf8.count)
        out.globals.append(PickleGlobal(module: module, name: name))
        globalIndex[full] = out.globals.count - 1
        return .global(out.globals.count - 1)
    }

    private func kind(_ v: PickleValue) -> PickleGlobal.Kind {
        if case .global(let i) = v { return out.globals[i].kind }
        return .other
    }

    private func items(_ v: PickleValue) -> [PickleValue]? {
        if case .container(let i) = v { return out.containers[i].items }
        return nil
    }

    private func string(_ v: PickleValue) -> String? {
        if case .string(let s) = v { return s }
        return nil
    }

    /// A tuple of at most 64 ints (a shape or strides), nil otherwise.
    private func ints(_ v: PickleValue) -> [Int]? {
        guard let items = items(v), items.count <= 64, case .container(let i) = v, out.containers[i].dropped == 0 else { return nil }
        var out: [Int] = []
        for d in items {
            guard case .int(let n) = d else { return nil }
            out.append(n)
        }
        return out
    }

    private func elements(ofShape v: PickleValue) -> Int? {
        guard let dims = items(v), dims.count <= 64, case .container(let i) = v, out.containers[i].dropped == 0 else {
            if case .int(let n) = v { return n >= 0 ? n : nil }  // a bare int shape (joblib, numpy accept it)
            return nil
        }
        var ints: [Int] = []
        for d in dims {
            guard case .int(let n) = d else { return nil }
            ints.append(n)
        }
        return checkedProduct(ints)
    }

    private mutating func newTensor(_ t: PickleTensor) throws(Stop) -> PickleValue {
        guard out.tensors.count < limits.maxTensors else { throw .budget("tensors") }
        try charge(Cost.tensor)
        out.tensors.append(t)
        return .tensor(out.tensors.count - 1)
    }

    /// A torch tensor from `(storage, offset, size, stride, ...)`.
    private mutating func torchTensor(_ args: [PickleValue], dtypeAt: Int?) throws(Stop) -> PickleValue {
        var t = PickleTensor(library: .torch)
        if let first = args.first, case .storage(let si) = first {
            t.dtype = out.storages[si].dtype
            t.storageKey = out.storages[si].key
        }
        if args.count > 2 { t.elements = elements(ofShape: args[2]) }
        // (storage, storage_offset, size, stride): where the values sit, for sampling them.
        if args.count > 3 {
            if case .int(let o) = args[1], o >= 0 { t.storageOffset = o }
            t.shape = ints(args[2])
            t.strides = ints(args[3])
        }
        if let d = dtypeAt, d < args.count, case .torchDtype(let name) = kind(args[d]) { t.dtype = name }
        return try newTensor(t)
    }

    private mutating func reduce(_ fn: PickleValue, _ args: PickleValue) throws(Stop) -> PickleValue {
        let a = items(args) ?? []
        switch kind(fn) {
        case .rebuildTensor:
            return try torchTensor(a, dtypeAt: nil)
        case .rebuildTensorV3:
            return try torchTensor(a, dtypeAt: 6)
        case .rebuildParameter:
            if let first = a.first, case .tensor = first { return first }
        case .rebuildFromType:
            // _rebuild_from_type_v2(func, new_type, args, state): a tensor subclass around func(*args).
            if a.count > 2 {
                switch kind(a[0]) {
                case .rebuildTensor: return try torchTensor(items(a[2]) ?? [], dtypeAt: nil)
                case .rebuildTensorV3: return try torchTensor(items(a[2]) ?? [], dtypeAt: 6)
                default: break
                }
            }
        case .rebuildWrapperSubclass:
            // _rebuild_wrapper_subclass(cls, dtype, size, stride, storage_offset, layout, device, requires_grad)
            var t = PickleTensor(library: .torch)
            if a.count > 2 { t.elements = elements(ofShape: a[2]) }
            if a.count > 1, case .torchDtype(let name) = kind(a[1]) { t.dtype = name }
            return try newTensor(t)
        case .rebuildMeta:
            // _rebuild_meta_tensor_no_storage(dtype, size, stride, requires_grad)
            var t = PickleTensor(library: .torch)
            if a.count > 1 { t.elements = elements(ofShape: a[1]) }
            if let first = a.first, case .torchDtype(let name) = kind(first) { t.dtype = name }
            return try newTensor(t)
        case .dictClass:
            return try newContainer(.dict)
        case .numpyReconstruct:
            return try newTensor(PickleTensor(library: .numpy))
        case .numpyDtype:
            if let s = a.first.flatMap(string) {
                return .dtype(NumpyDtype.parse(s).name)
            }
        case .numpyFromBuffer:
            // _frombuffer(buffer, dtype, shape, order)
            var t = PickleTensor(library: .numpy)
            if a.count > 1, case .dtype(let name) = a[1] { t.dtype = name }
            if a.count > 2 { t.elements = elements(ofShape: a[2]) }
            return try newTensor(t)
        case .codecsEncode:
            switch a.first {
            case .string(let s): return .bytes(s.utf8.count)
            case .longString(let n): return .bytes(n)
            default: break
            }
        default:
            break
        }
        let obj = try newContainer(.object)
        try charge(Cost.object)
        if case .container(let ci) = obj { out.objects[ci] = PickleObject(callable: fn, args: args) }
        return obj
    }

    private mutating func newObject(_ cls: PickleValue, _ args: PickleValue) throws(Stop) -> PickleValue {
        switch kind(cls) {
        case .joblibWrapper:
            return try newTensor(PickleTensor(library: .joblib))
        case .dictClass:
            return try newContainer(.dict)
        default:
            let obj = try newContainer(.object)
            try charge(Cost.object)
            if case .container(let ci) = obj { out.objects[ci] = PickleObject(callable: cls, args: args) }
            return obj
        }
    }

    private func dictLookup(_ v: PickleValue, _ key: String) -> PickleValue? {
        guard let it = items(v) else { return nil }
        var i = 0
        while i + 1 < it.count && i < 64 {
            if case .string(let k) = it[i], k == key { return it[i + 1] }
            i += 2
        }
        return nil
    }

    private mutating func build(_ state: PickleValue) throws(Stop) {
        let target = try top()
        switch target {
        case .tensor(let ti):
            switch out.tensors[ti].library {
            case .numpy:
                // ndarray.__setstate__((version, shape, dtype, is_fortran, data)) or the 4-tuple without version.
                guard let st = items(state) else { return }
                let (shape, dtype): (PickleValue?, PickleValue?) = st.count >= 5 ? (st[1], st[2]) : st.count == 4 ? (st[0], st[1]) : (nil, nil)
                if let shape { out.tensors[ti].elements = elements(ofShape: shape) }
                if case .dtype(let name)? = dtype { out.tensors[ti].dtype = name }
            case .joblib:
                try joblibArray(ti, state)
            case .torch:
                return
            }
        case .container(let ci) where out.containers[ci].kind == .object:
            if out.objects[ci] == nil { try charge(Cost.object) }
            out.objects[ci, default: PickleObject()].state = state
        default:
            return
        }
    }

    /// joblib writes the array bytes right after the wrapper's BUILD (numpy_pickle.py `write_array`).
    private mutating func joblibArray(_ ti: Int, _ state: PickleValue) throws(Stop) {
        let shape = dictLookup(state, "shape")
        var itemSize: Int?
        if case .dtype(let name)? = dictLookup(state, "dtype") {
            out.tensors[ti].dtype = name
            itemSize = NumpyDtype.itemSize(name)
        }
        var count: Int?
        if let shape { count = elements(ofShape: shape) }
        out.tensors[ti].elements = count
        guard let count, let itemSize, itemSize > 0 else { throw .budget("joblib array of unknown size") }
        // One padding-length byte and the padding, when the wrapper carries an alignment (None: no padding).
        if case .int? = dictLookup(state, "numpy_array_alignment_bytes") {
            let pad = try u8()
            try skip(pad)
        }
        let (n, overflow) = count.multipliedReportingOverflow(by: itemSize)
        guard !overflow else { throw .truncated }
        out.payloadBytes = saturatingAdd(out.payloadBytes, n)
        try skip(n)
    }

    // MARK: the walk

    private mutating func run() -> PickleWalk {
        do throws(Stop) {
            try loop()
        } catch {
            switch error {
            case .done: out.end = .stop
            case .truncated: out.end = .truncated
            case .invalid(let why): out.end = .invalid(why)
            case .budget(let why): out.end = .budget(why)
            }
        }
        out.endOffset = p
        out.bytesRead = fetch == nil ? p - out.start : bytesRead
        out.stateBytes = spent
        if out.end != .stop { out.pending = stack }
        return out
    }

    private mutating func loop() throws(Stop) {
        while true {
            guard out.ops < limits.maxOps else { throw .budget("opcode budget") }
            let op = try u8()
            out.ops += 1
            switch op {
            case 0x28:  // MARK
                guard marks.count < limits.maxMarks else { throw .budget("marks") }
                marks.append(stack.count)
            case 0x2E:  // STOP
                out.root = try pop()
                throw .done
            case 0x30:  // POP
                if stack.count > (marks.last ?? 0) { stack.removeLast() } else { _ = try popMark() }
            case 0x31:  // POP_MARK
                _ = try popMark()
            case 0x32:  // DUP
                try push(try top())
            case 0x46:  // FLOAT (text)
                try push(.float(Double(text(try line())) ?? .nan))
            case 0x49:  // INT (text; "01"/"00" are True/False)
                let l = try line()
                if l.elementsEqual([0x30, 0x31]) { try push(.bool(true)) }
                else if l.elementsEqual([0x30, 0x30]) { try push(.bool(false)) }
                else if let n = Int(text(l)) { try push(.int(n)) }
                else if l.allSatisfy({ ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x2D }) && !l.isEmpty { try push(.bigInt) }
                else { throw .invalid("bad INT") }
            case 0x4A:  // BININT
                try push(.int(Int(Int32(bitPattern: UInt32(try uLE(4))))))
            case 0x4B:  // BININT1
                try push(.int(try u8()))
            case 0x4C:  // LONG (text)
                var l = try line()
                if l.last == 0x4C { l = l.dropLast() }
                if let n = Int(text(l)) { try push(.int(n)) } else if !l.isEmpty { try push(.bigInt) } else { throw .invalid("bad LONG") }
            case 0x4D:  // BININT2
                try push(.int(Int(try uLE(2))))
            case 0x4E:  // NONE
                try push(.none)
            case 0x50:  // PERSID (text)
                _ = try line()
                try push(.opaque)
            case 0x51:  // BINPERSID
                try push(try persistent(try pop()))
            case 0x52:  // REDUCE
                let args = try pop(), fn = try pop()
                try push(try reduce(fn, args))
            case 0x53:  // STRING (text repr)
                var l = try line()
                if l.count >= 2, let f = l.first, f == l.last, f == 0x27 || f == 0x22 { l = l.dropFirst().dropLast() }
                if l.count <= limits.maxStringLength { let s = text(l); try record(s); try push(.string(s)) } else { try push(.longString(l.count)) }
            case 0x54:  // BINSTRING
                let n = Int32(bitPattern: UInt32(try uLE(4)))
                guard n >= 0 else { throw .invalid("negative BINSTRING length") }
                try push(try blob(UInt64(n), text: true))
            case 0x55:  // SHORT_BINSTRING
                try push(try blob(UInt64(try u8()), text: true))
            case 0x56:  // UNICODE (text, raw-unicode-escape)
                let l = try line()
                if l.count <= limits.maxStringLength { let s = text(l); try record(s); try push(.string(s)) } else { try push(.longString(l.count)) }
            case 0x58:  // BINUNICODE
                try push(try blob(try uLE(4), text: true))
            case 0x61:  // APPEND
                let v = try pop()
                try addItems([v], to: try top())
            case 0x62:  // BUILD
                try build(try pop())
            case 0x63:  // GLOBAL
                let module = text(try line()), name = text(try line())
                try push(try global(module, name))
            case 0x64:  // DICT
                let its = try popMark()
                guard its.count % 2 == 0 else { throw .invalid("odd DICT") }
                try push(try newContainer(.dict, its))
            case 0x7D:  // EMPTY_DICT
                try push(try newContainer(.dict))
            case 0x65:  // APPENDS
                let its = try popMark()
                try addItems(its, to: try top())
            case 0x67:  // GET (text)
                guard let k = Int(text(try line())) else { throw .invalid("bad GET") }
                try push(try memoGet(k))
            case 0x68:  // BINGET
                try push(try memoGet(try u8()))
            case 0x69:  // INST
                let module = text(try line()), name = text(try line())
                let cls = try global(module, name)
                let its = try popMark()
                try push(try newObject(cls, try newContainer(.tuple, its)))
            case 0x6A:  // LONG_BINGET
                try push(try memoGet(Int(try uLE(4))))
            case 0x6C:  // LIST
                try push(try newContainer(.list, try popMark()))
            case 0x5D:  // EMPTY_LIST
                try push(try newContainer(.list))
            case 0x6F:  // OBJ
                let its = try popMark()
                guard let cls = its.first else { throw .invalid("empty OBJ") }
                try push(try newObject(cls, try newContainer(.tuple, Array(its.dropFirst()))))
            case 0x70:  // PUT (text)
                guard let k = Int(text(try line())) else { throw .invalid("bad PUT") }
                try memoPut(k, try top())
            case 0x71:  // BINPUT
                try memoPut(try u8(), try top())
            case 0x72:  // LONG_BINPUT
                try memoPut(Int(try uLE(4)), try top())
            case 0x73:  // SETITEM
                let v = try pop(), k = try pop()
                try addItems([k, v], to: try top())
            case 0x74:  // TUPLE
                try push(try newContainer(.tuple, try popMark()))
            case 0x29:  // EMPTY_TUPLE
                try push(try newContainer(.tuple))
            case 0x75:  // SETITEMS
                let its = try popMark()
                guard its.count % 2 == 0 else { throw .invalid("odd SETITEMS") }
                try addItems(its, to: try top())
            case 0x47:  // BINFLOAT (big-endian)
                try ensure(8)
                var v: UInt64 = 0
                for i in 0..<8 { v = v << 8 | UInt64(at(i)) }
                p += 8
                try push(.float(Double(bitPattern: v)))
            case 0x80:  // PROTO
                let v = try u8()
                guard v <= 5 else { throw .invalid("unsupported protocol \(v)") }
                if out.proto == nil { out.proto = v }
            case 0x81:  // NEWOBJ
                let args = try pop(), cls = try pop()
                try push(try newObject(cls, args))
            case 0x82:  // EXT1
                _ = try u8(); try push(.opaque)
            case 0x83:  // EXT2
                _ = try uLE(2); try push(.opaque)
            case 0x84:  // EXT4
                _ = try uLE(4); try push(.opaque)
            case 0x85:  // TUPLE1
                let a = try pop()
                try push(try newContainer(.tuple, [a]))
            case 0x86:  // TUPLE2
                let b = try pop(), a = try pop()
                try push(try newContainer(.tuple, [a, b]))
            case 0x87:  // TUPLE3
                let c = try pop(), b = try pop(), a = try pop()
                try push(try newContainer(.tuple, [a, b, c]))
            case 0x88:  // NEWTRUE
                try push(.bool(true))
            case 0x89:  // NEWFALSE
                try push(.bool(false))
            case 0x8A:  // LONG1
                try push(try long(UInt64(try u8())))
            case 0x8B:  // LONG4
                let n = Int32(bitPattern: UInt32(try uLE(4)))
                guard n >= 0 else { throw .invalid("negative LONG4 length") }
                try push(try long(UInt64(n)))
            case 0x42:  // BINBYTES
                try push(try blob(try uLE(4), text: false))
            case 0x43:  // SHORT_BINBYTES
                try push(try blob(UInt64(try u8()), text: false))
            case 0x8C:  // SHORT_BINUNICODE
                try push(try blob(UInt64(try u8()), text: true))
            case 0x8D:  // BINUNICODE8
                try push(try blob(try uLE(8), text: true))
            case 0x8E:  // BINBYTES8
                try push(try blob(try uLE(8), text: false))
            case 0x8F:  // EMPTY_SET
                try push(try newContainer(.set))
            case 0x90:  // ADDITEMS
                let its = try popMark()
                try addItems(its, to: try top())
            case 0x91:  // FROZENSET
                try push(try newContainer(.set, try popMark()))
            case 0x92:  // NEWOBJ_EX
                _ = try pop()
                let args = try pop(), cls = try pop()
                try push(try newObject(cls, args))
            case 0x93:  // STACK_GLOBAL
                let name = try pop(), module = try pop()
                guard case .string(let n) = name, case .string(let m) = module else { throw .invalid("STACK_GLOBAL needs two strings") }
                try push(try global(m, n))
            case 0x94:  // MEMOIZE
                try memoPut(memoCount, try top())
            case 0x95:  // FRAME
                _ = try uLE(8)
            case 0x96:  // BYTEARRAY8
                try push(try blob(try uLE(8), text: false))
            case 0x97:  // NEXT_BUFFER
                try push(.bytes(0))
            case 0x98:  // READONLY_BUFFER
                _ = try top()
            default:
                throw .invalid(unknownOpcode(UInt8(op)))
            }
        }
    }

    private mutating func long(_ n: UInt64) throws(Stop) -> PickleValue {
        guard n <= UInt64(Int.max), Int(n) <= total - p else { throw .truncated }
        let len = Int(n)
        if len == 0 { return .int(0) }
        if len <= 8 {
            let raw = try uLE(len)
            let shift = UInt64(64 - 8 * len)
            return .int(Int(Int64(bitPattern: raw << shift) >> Int64(shift)))
        }
        try skip(len)
        return .bigInt
    }

    /// torch's persistent id: `('storage', torch.XxxStorage, key, location, numel[, view_metadata])`.
    private mutating func persistent(_ pid: PickleValue) throws(Stop) -> PickleValue {
        guard let it = items(pid), it.count >= 5, string(it[0]) == "storage" else { return .opaque }
        var s = PickleStorage()
        if case .torchStorage(let dtype) = kind(it[1]) { s.dtype = dtype }
        s.key = string(it[2])
        if case .int(let n) = it[4] { s.numel = n }
        guard out.storages.count < limits.maxTensors else { throw .budget("storages") }
        try charge(Cost.tensor)
        out.storages.append(s)
        return .storage(out.storages.count - 1)
    }
}

private func unknownOpcode(_ op: UInt8) -> String {
    let digits = Array("0123456789abcdef".utf8)
    return "unknown opcode 0x" + String(decoding: [digits[Int(op >> 4)], digits[Int(op & 15)]], as: UTF8.self)
}

/// An inert value on the walker's stack.
public enum PickleValue: Sendable, Equatable {
    case none
    case bool(Bool)
    case int(Int)
    /// An integer wider than 64 bits.
    case bigInt
    case float(Double)
    /// Text short enough to keep.
    case string(String)
    /// Text too long to keep: its length in bytes.
    case longString(Int)
    /// A byte string: its length.
    case bytes(Int)
    /// Index into `PickleWalk.containers`.
    case container(Int)
    /// Index into `PickleWalk.globals`.
    case global(Int)
    /// Index into `PickleWalk.tensors`.
    case tensor(Int)
    /// Index into `PickleWalk.storages`.
    case storage(Int)
    /// A NumPy dtype, by the name `NumpyDtype.parse` gives it (`float32`).
    case dtype(String)
    /// Anything else (extension codes, persistent ids of other kinds, ...).
    case opaque
}

/// A tuple, list, dict (items alternate key, value), set, or an object built by REDUCE/NEWOBJ/INST/OBJ
/// (whose items are what APPENDS/SETITEMS added to it; its class, arguments and state are in `PickleWalk.objects`).
public struct PickleContainer: Sendable {
    public enum Kind: UInt8, Sendable { case tuple, list, dict, set, object }
    public var kind: Kind
    /// Items not kept (over the item budget).
    public var dropped: Int32 = 0
    public var items: [PickleValue] = []
}

/// What built an object: its class or function, its arguments, its BUILD state.
public struct PickleObject: Sendable {
    public var callable: PickleValue = .none
    public var args: PickleValue = .none
    public var state: PickleValue = .none
}

/// `module.name` referenced by GLOBAL, STACK_GLOBAL or INST.
public struct PickleGlobal: Sendable, Equatable {
    public var module: String
    public var name: String
    public var kind: Kind

    public enum Kind: Sendable, Equatable {
        case other
        case rebuildTensor, rebuildTensorV3, rebuildParameter, rebuildFromType, rebuildWrapperSubclass, rebuildMeta
        case torchStorage(dtype: String?)
        case torchDtype(String)
        case dictClass
        case numpyReconstruct, numpyDtype, numpyFromBuffer
        case joblibWrapper
        case codecsEncode
    }

    public init(module: String, name: String) {
        self.module = module
        self.name = name
        self.kind = PickleGlobal.classify(module, name)
    }

    public var fullName: String { module + "." + name }

    static func classify(_ module: String, _ name: String) -> Kind {
        switch module {
        case "torch._utils":
            switch name {
            case "_rebuild_tensor", "_rebuild_tensor_v2", "_rebuild_qtensor": return .rebuildTensor
            case "_rebuild_tensor_v3": return .rebuildTensorV3
            case "_rebuild_parameter", "_rebuild_parameter_with_state": return .rebuildParameter
            case "_rebuild_wrapper_subclass": return .rebuildWrapperSubclass
            case "_rebuild_meta_tensor_no_storage": return .rebuildMeta
            default: return .other
            }
        case "torch._tensor":
            return name == "_rebuild_from_type_v2" ? .rebuildFromType : .other
        case "torch":
            if name.hasSuffix("Storage") { return .torchStorage(dtype: TorchDtype.ofStorage(name)) }
            if let d = TorchDtype.ofDtypeName(name) { return .torchDtype(d) }
            return .other
        case "collections":
            return name == "OrderedDict" || name == "defaultdict" ? .dictClass : .other
        case "builtins", "__builtin__":
            return name == "dict" ? .dictClass : .other
        case "numpy.core.multiarray", "numpy._core.multiarray":
            return name == "_reconstruct" ? .numpyReconstruct : .other
        case "numpy.core.numeric", "numpy._core.numeric":
            return name == "_frombuffer" ? .numpyFromBuffer : .other
        case "numpy":
            return name == "dtype" ? .numpyDtype : .other
        case "joblib.numpy_pickle", "sklearn.externals.joblib.numpy_pickle":
            return name == "NumpyArrayWrapper" ? .joblibWrapper : .other
        case "_codecs":
            return name == "encode" ? .codecsEncode : .other
        default:
            return .other
        }
    }
}

/// A torch tensor or NumPy array seen in the pickle.
public struct PickleTensor: Sendable, Equatable {
    public enum Library: Sendable { case torch, numpy, joblib }
    public var library: Library
    /// torch/NumPy dtype name (`float32`, `bfloat16`), when visible.
    public var dtype: String?
    /// Element count from the shape, when visible.
    public var elements: Int?
    public var storageKey: String?
    /// torch tensors: shape, strides (in elements) and offset into the storage, when visible.
    public var shape: [Int]?
    public var strides: [Int]?
    public var storageOffset: Int?
}

public struct PickleStorage: Sendable {
    public var dtype: String?
    public var numel: Int?
    public var key: String?
}

/// What one walk saw.
public struct PickleWalk: Sendable {
    public enum End: Sendable, Equatable {
        /// Reached STOP: `root` is the pickled object.
        case stop
        /// The bytes ended before STOP.
        case truncated
        /// Not a valid pickle (unknown opcode, stack underflow, ...).
        case invalid(String)
        /// A budget ran out.
        case budget(String)
    }

    public var end: End = .truncated
    public var start = 0
    /// Offset just after STOP, or where the walk stopped.
    public var endOffset = 0
    public var bytesRead = 0
    public var ops = 0
    public var proto: Int?
    public var root: PickleValue?
    /// The stack when the walk did not reach STOP (for partial analysis).
    public var pending: [PickleValue] = []
    public var globals: [PickleGlobal] = []
    /// Distinct short string constants, first seen first.
    public var strings: [String] = []
    public var tensors: [PickleTensor] = []
    public var storages: [PickleStorage] = []
    public var containers: [PickleContainer] = []
    /// Class, arguments and state of `.object` containers, by container index.
    public var objects: [Int: PickleObject] = [:]
    /// Bytes of skipped payloads (byte strings, long text, joblib array data).
    public var payloadBytes = 0
    /// Whether some container items were dropped over the item budget.
    public var itemsDropped = false
    /// Estimated bytes of state the walk built (held to `Limits.memoryFloor + memoryPerByte * bytes walked`).
    public var stateBytes = 0

    public init() {}

    public var reachedStop: Bool { end == .stop }

    public func references(module prefix: String) -> Bool {
        globals.contains { $0.module == prefix || $0.module.hasPrefix(prefix + ".") }
    }

    public func container(_ v: PickleValue) -> PickleContainer? {
        if case .container(let i) = v, i >= 0, i < containers.count { return containers[i] }
        return nil
    }
}

/// torch dtype names (`torch.float32` is written `float32` in reports).
enum TorchDtype {
    static let storages: [String: String] = [
        "FloatStorage": "float32", "DoubleStorage": "float64", "HalfStorage": "float16", "BFloat16Storage": "bfloat16",
        "LongStorage": "int64", "IntStorage": "int32", "ShortStorage": "int16", "CharStorage": "int8",
        "ByteStorage": "uint8", "BoolStorage": "bool", "ComplexFloatStorage": "complex64", "ComplexDoubleStorage": "complex128",
        "QInt8Storage": "qint8", "QUInt8Storage": "quint8", "QInt32Storage": "qint32", "QUInt4x2Storage": "quint4x2",
        "QUInt2x4Storage": "quint2x4", "Float8_e4m3fnStorage": "float8_e4m3fn", "Float8_e5m2Storage": "float8_e5m2",
        "Float8_e4m3fnuzStorage": "float8_e4m3fnuz", "Float8_e5m2fnuzStorage": "float8_e5m2fnuz",
        "UInt16Storage": "uint16", "UInt32Storage": "uint32", "UInt64Storage": "uint64",
    ]
    static func ofStorage(_ name: String) -> String? { storages[name] }

    static let dtypeNames: [String: String] = [
        "float32": "float32", "float": "float32", "float64": "float64", "double": "float64", "float16": "float16", "half": "float16",
        "bfloat16": "bfloat16", "int64": "int64", "long": "int64", "int32": "int32", "int": "int32", "int16": "int16", "short": "int16",
        "int8": "int8", "uint8": "uint8", "bool": "bool", "complex64": "complex64", "cfloat": "complex64", "complex128": "complex128",
        "cdouble": "complex128", "float8_e4m3fn": "float8_e4m3fn", "float8_e5m2": "float8_e5m2", "float8_e4m3fnuz": "float8_e4m3fnuz",
        "float8_e5m2fnuz": "float8_e5m2fnuz", "uint16": "uint16", "uint32": "uint32", "uint64": "uint64",
        "qint8": "qint8", "quint8": "quint8", "qint32": "qint32",
    ]
    static func ofDtypeName(_ name: String) -> String? { dtypeNames[name] }
}

/// NumPy dtype strings as pickled by `numpy.dtype` (`f4`, `<i8`, `?`, `O8`, `V16`).
enum NumpyDtype {
    /// Bytes per element of a dtype named by `parse` (nil for objects and unknown names).
    static func itemSize(_ name: String) -> Int? {
        let fixed: [String: Int] = ["bool": 1, "float16": 2, "bfloat16": 2, "float32": 4, "float64": 8, "float128": 16, "complex64": 8,
                                    "complex128": 16, "complex256": 32, "datetime64": 8, "timedelta64": 8]
        if let n = fixed[name] { return n }
        for (prefix, bitsPerUnit) in [("uint", 8), ("int", 8), ("bytes", 1), ("void", 1), ("str", 1)] where name.hasPrefix(prefix) {
            guard let n = Int(name.dropFirst(prefix.count)), n > 0 else { return nil }
            switch prefix {
            case "uint", "int": return n % bitsPerUnit == 0 ? n / 8 : nil
            case "str": return checkedMul(n, 4)
            default: return n
            }
        }
        return nil
    }

    static func parse(_ raw: String) -> (name: String, itemSize: Int?) {
        var s = Substring(raw)
        if let f = s.first, "<>|=".contains(f) { s = s.dropFirst() }
        guard let kind = s.first else { return (raw, nil) }
        let digits = s.dropFirst()
        let n = Int(digits)
        switch kind {
        case "f":
            switch n {
            case 2: return ("float16", 2)
            case 4: return ("float32", 4)
            case 8: return ("float64", 8)
            case 16: return ("float128", 16)
            default: return (raw, n)
            }
        // Sizes are hostile: `numpy.dtype('i9223372036854775807')` must not trap in `n * 8`.
        case "i": return n.flatMap { n in checkedMul(n, 8).map { ("int\($0)", n) } } ?? (raw, nil)
        case "u": return n.flatMap { n in checkedMul(n, 8).map { ("uint\($0)", n) } } ?? (raw, nil)
        case "c": return n.flatMap { n in checkedMul(n, 8).map { ("complex\($0)", n) } } ?? (raw, nil)
        case "b": return ("bool", n ?? 1)
        case "?": return ("bool", 1)
        case "O": return ("object", nil)
        case "S", "a": return ("bytes\(n ?? 0)", n)
        case "U": return ("str\(n ?? 0)", n.flatMap { checkedMul($0, 4) })
        case "V": return ("void\(n ?? 0)", n)
        case "M": return ("datetime64", 8)
        case "m": return ("timedelta64", 8)
        default:
            // Named dtypes ("float32", "bfloat16" from ml_dtypes).
            if let t = TorchDtype.ofDtypeName(String(s)) {
                let size: Int? = ["float64": 8, "float32": 4, "float16": 2, "bfloat16": 2, "int64": 8, "int32": 4, "int16": 2,
                                  "int8": 1, "uint8": 1, "bool": 1][t]
                return (t, size)
            }
            return (raw, nil)
        }
    }
}
