import Foundation
import MoatBytes
@testable import MoatCore
import XCTest

/// Bytes from a hex string (test vectors written by CPython's `pickle.dumps`).
func pickleHex(_ s: String) -> [UInt8] {
    var out: [UInt8] = []
    var it = s.utf8.makeIterator()
    func nibble(_ c: UInt8) -> UInt8 { c <= 0x39 ? c - 0x30 : (c | 0x20) - 0x61 + 10 }
    while let a = it.next(), let b = it.next() { out.append(nibble(a) << 4 | nibble(b)) }
    return out
}

/// The first `*/data.pkl` of a torch zip fixture, for walker tests.
func torchDataPkl(_ fixtureFile: String) -> [UInt8] {
    let input = sniffInput(fixtureFile)
    guard let zip = input.zip, let e = zip.first(where: { $0.hasSuffix("/data.pkl") }),
          let bytes = zip.contentPrefix(of: e, in: input, limit: 1 << 24) else { return [] }
    return bytes
}

final class PickleWalkerTests: XCTestCase {
    /// `pickle.dumps({'a': [1, 2.5, None, True, False, 'x', b'yy', (1, 2), {3}, frozenset([4]), 2**70, -5, -300, 70000,
    /// 2**40, bytearray(b'z')], 'b': ('k',)}, protocol=p)` for p = 0...5: every protocol's opcodes for these types.
    static let allProtocols: [String] = [
        "286470300a56610a70310a286c70320a49310a6146322e350a614e614930310a614930300a6156780a70330a61635f636f646563730a656e636f64650a70340a285679790a70350a566c6174696e310a70360a7470370a5270380a612849310a49320a7470390a61635f5f6275696c74696e5f5f0a7365740a7031300a28286c7031310a49330a61747031320a527031330a61635f5f6275696c74696e5f5f0a66726f7a656e7365740a7031340a28286c7031350a49340a61747031360a527031370a614c313138303539313632303731373431313330333432344c0a61492d350a61492d3330300a614937303030300a614c313039393531313632373737364c0a61635f5f6275696c74696e5f5f0a6279746561727261790a7031380a2867340a28567a0a7031390a67360a747032300a527032310a747032320a527032330a617356620a7032340a28566b0a7032350a747032360a732e",
        "7d71002858010000006171015d7102284b014740040000000000004e4930310a4930300a5801000000787103635f636f646563730a656e636f64650a71042858020000007979710558060000006c6174696e317106747107527108284b014b02747109635f5f6275696c74696e5f5f0a7365740a710a285d710b4b036174710c52710d635f5f6275696c74696e5f5f0a66726f7a656e7365740a710e285d710f4b04617471105271114c313138303539313632303731373431313330333432344c0a4afbffffff4ad4feffff4a701101004c313039393531313632373737364c0a635f5f6275696c74696e5f5f0a6279746561727261790a71122868042858010000007a711368067471145271157471165271176558010000006271182858010000006b711974711a752e",
        "80027d71002858010000006171015d7102284b014740040000000000004e88895801000000787103635f636f646563730a656e636f64650a710458020000007979710558060000006c6174696e3171068671075271084b014b02867109635f5f6275696c74696e5f5f0a7365740a710a5d710b4b036185710c52710d635f5f6275696c74696e5f5f0a66726f7a656e7365740a710e5d710f4b04618571105271118a090000000000000000404afbffffff4ad4feffff4a701101008a06000000000001635f5f6275696c74696e5f5f0a6279746561727261790a7112680458010000007a7113680686711452711585711652711765580100000062711858010000006b711985711a752e",
        "80037d71002858010000006171015d7102284b014740040000000000004e888958010000007871034302797971044b014b02867105636275696c74696e730a7365740a71065d71074b0361857108527109636275696c74696e730a66726f7a656e7365740a710a5d710b4b046185710c52710d8a090000000000000000404afbffffff4ad4feffff4a701101008a06000000000001636275696c74696e730a6279746561727261790a710e43017a710f85711052711165580100000062711258010000006b7113857114752e",
        "80049582000000000000007d94288c0161945d94284b014740040000000000004e88898c01789443027979944b014b0286948f94284b0390284b0491948a090000000000000000404afbffffff4ad4feffff4a701101008a060000000000018c086275696c74696e73948c0962797465617272617994939443017a9485945294658c0162948c016b948594752e",
        "8005956c000000000000007d94288c0161945d94284b014740040000000000004e88898c01789443027979944b014b0286948f94284b0390284b0491948a090000000000000000404afbffffff4ad4feffff4a701101008a060000000000019601000000000000007a94658c0162948c016b948594752e",
    ]

    func testEveryProtocolWalksToStopWithTheRightStructure() throws {
        for (p, hex) in PickleWalkerTests.allProtocols.enumerated() {
            let bytes = pickleHex(hex)
            let w = PickleWalker.walk(bytes)
            XCTAssertEqual(w.end, .stop, "protocol \(p)")
            XCTAssertEqual(w.endOffset, bytes.count, "protocol \(p)")
            XCTAssertEqual(w.proto, p >= 2 ? p : nil)
            guard let root = w.root, let dict = w.container(root) else { return XCTFail("protocol \(p): no root") }
            XCTAssertEqual(dict.kind, .dict)
            XCTAssertEqual(dict.items.count, 4, "protocol \(p)")
            XCTAssertEqual(dict.items.first, .string("a"))
            guard let list = w.container(dict.items[1]) else { return XCTFail("protocol \(p): no list") }
            XCTAssertEqual(list.kind, .list)
            XCTAssertEqual(list.items.count, 16, "protocol \(p)")
            XCTAssertEqual(list.items[0], .int(1))
            XCTAssertEqual(list.items[1], .float(2.5))
            XCTAssertEqual(list.items[2], .none)
            XCTAssertEqual(list.items[5], .string("x"))
            XCTAssertEqual(list.items[10], .bigInt)
            XCTAssertEqual(list.items[11], .int(-5))
            XCTAssertEqual(list.items[12], .int(-300))
            XCTAssertEqual(list.items[13], .int(70000))
            XCTAssertEqual(list.items[14], .int(1 << 40))
            XCTAssertTrue(w.strings.contains("a") && w.strings.contains("x") && w.strings.contains("k"), "protocol \(p)")
            XCTAssertTrue(w.tensors.isEmpty)
        }
        // Protocol 4 resolves STACK_GLOBAL from the two strings before it.
        let w4 = PickleWalker.walk(pickleHex(PickleWalkerTests.allProtocols[4]))
        XCTAssertEqual(w4.globals.map(\.fullName), ["builtins.bytearray"])
        let w0 = PickleWalker.walk(pickleHex(PickleWalkerTests.allProtocols[0]))
        XCTAssertEqual(w0.globals.map(\.fullName), ["_codecs.encode", "__builtin__.set", "__builtin__.frozenset", "__builtin__.bytearray"])
    }

    func testTorchStateDictTensorsDtypesAndCounts() throws {
        let bytes = torchDataPkl("positive/pytorch_model.bin")
        XCTAssertFalse(bytes.isEmpty)
        let w = PickleWalker.walk(bytes)
        XCTAssertEqual(w.end, .stop)
        XCTAssertEqual(w.tensors.count, 8)
        XCTAssertEqual(w.tensors.compactMap(\.elements).reduce(0, +), 4586)
        XCTAssertEqual(Set(w.tensors.compactMap(\.dtype)), ["float32"])
        XCTAssertTrue(w.globals.contains { $0.fullName == "torch._utils._rebuild_tensor_v2" })
        XCTAssertEqual(w.storages.count, 8)
        XCTAssertEqual(w.storages.first?.key, "0")
        let ev = CheckpointEvidence(w)
        XCTAssertEqual(ev.topKeys.count, 8)
        XCTAssertEqual(ev.tally(.model).count, 8)
    }

    func testOptimizerStructureAndParamGroupScalars() throws {
        let w = PickleWalker.walk(torchDataPkl("positive/checkpoint-500/training_state.pt"))
        XCTAssertEqual(w.end, .stop)
        let ev = CheckpointEvidence(w)
        XCTAssertEqual(ev.topKeys, ["model", "optimizer", "scheduler", "epoch", "global_step"])
        XCTAssertTrue(ev.keyPaths.contains("optimizer/state"))
        XCTAssertTrue(ev.keyPaths.contains("optimizer/param_groups"))
        XCTAssertTrue(ev.optimizerDict)
        XCTAssertTrue(ev.optimizerKeys.isSuperset(of: ["exp_avg", "exp_avg_sq", "step"]))
        XCTAssertEqual(ev.paramGroup["decoupled_weight_decay"], .bool(true))
        XCTAssertEqual(ev.tally(.model).count, 8)
        XCTAssertEqual(ev.tally(.optimizer).count, 24)
        XCTAssertEqual(CheckpointClassifier.optimizerName(ev), "AdamW")
    }

    // MARK: hostile input

    func testDeclaredLengthBeyondTheDataStopsAsTruncated() {
        for bytes: [UInt8] in [
            [0x80, 0x02, 0x58, 0xFF, 0xFF, 0xFF, 0x7F, 0x61, 0x62],  // BINUNICODE of 2 GiB
            [0x80, 0x04, 0x8D] + [UInt8](repeating: 0xFF, count: 8) + [0x61],  // BINUNICODE8 of 2^64-1
            [0x80, 0x04, 0x8E, 0, 0, 0, 0, 0, 0, 0, 0x80, 0x61],  // BINBYTES8 of 2^63
            [0x80, 0x02, 0x8B, 0xFF, 0xFF, 0xFF, 0x7F],  // LONG4
            [0x80, 0x02, 0x54, 0x00, 0x00, 0x00, 0x80],  // BINSTRING with a negative length
            [0x80, 0x02, 0x4A, 0x01],  // BININT cut short
        ] {
            let w = PickleWalker.walk(bytes)
            XCTAssertNotEqual(w.end, .stop)
            XCTAssertLessThanOrEqual(w.endOffset, bytes.count)
        }
        let viaFetch = PickleWalker.walk(total: 9, start: 0) { off, n in
            let b: [UInt8] = [0x80, 0x02, 0x58, 0xFF, 0xFF, 0xFF, 0x7F, 0x61, 0x62]
            return Array(b[off..<min(b.count, off + n)])
        }
        XCTAssertEqual(viaFetch.end, .truncated)
    }

    func testUnknownOpcodeAndUnderflowAreInvalid() {
        if case .invalid = PickleWalker.walk([0x80, 0x02, 0xFF]).end {} else { XCTFail("0xff must be invalid") }
        if case .invalid = PickleWalker.walk([0x80, 0x02, 0x52, 0x2E]).end {} else { XCTFail("REDUCE on an empty stack") }
        if case .invalid = PickleWalker.walk([0x80, 0x02, 0x68, 0x07, 0x2E]).end {} else { XCTFail("BINGET of a missing memo key") }
        if case .invalid = PickleWalker.walk([0x80, 0x02, 0x75, 0x2E]).end {} else { XCTFail("SETITEMS without a mark") }
        if case .invalid = PickleWalker.walk([0x80, 0x04, 0x4B, 0x01, 0x4B, 0x02, 0x93, 0x2E]).end {} else { XCTFail("STACK_GLOBAL of ints") }
        if case .invalid = PickleWalker.walk(Array("Hello, world\n".utf8)).end {} else { XCTFail("text") }
    }

    func testSelfAppendingListBombIsBounded() {
        // ] then (DUP, APPEND) x 1M: a list that contains itself a million times; then STOP.
        var bytes: [UInt8] = [0x80, 0x02, 0x5D]
        for _ in 0..<1_000_000 { bytes += [0x32, 0x61] }
        bytes.append(0x2E)
        var limits = PickleWalker.Limits()
        limits.maxItems = 100_000
        let t0 = Date()
        let w = PickleWalker.walk(bytes, limits: limits)
        XCTAssertEqual(w.end, .stop)
        XCTAssertTrue(w.itemsDropped)
        XCTAssertEqual(w.containers.first?.items.count, 100_000)
        let ev = CheckpointEvidence(w)  // the traversal meets the cycle once
        XCTAssertNil(CheckpointClassifier.verdict(ev))
        XCTAssertLessThan(Date().timeIntervalSince(t0), 10)
    }

    func testExponentialSharingAndDeepNestingAreBounded() {
        // ] then (DUP, TUPLE2) x 200: 2^200 paths through shared tuples.
        var dag: [UInt8] = [0x80, 0x02, 0x5D]
        for _ in 0..<200 { dag += [0x32, 0x86] }
        dag.append(0x2E)
        let w = PickleWalker.walk(dag)
        XCTAssertEqual(w.end, .stop)
        _ = CheckpointEvidence(w)

        // 50,000 nested lists: MARK x 50k, then LIST x 50k.
        var deep: [UInt8] = [0x80, 0x02]
        deep += [UInt8](repeating: 0x28, count: 50_000)
        deep += [UInt8](repeating: 0x6C, count: 50_000)
        deep.append(0x2E)
        let d = PickleWalker.walk(deep)
        if case .invalid = d.end {} else if d.end != .stop { XCTFail("deep nesting: \(d.end)") }
        let ev = CheckpointEvidence(d)
        XCTAssertTrue(ev.tensorNames.isEmpty)

        // More marks than the budget allows.
        var marks = PickleWalker.Limits()
        marks.maxMarks = 1000
        let m = PickleWalker.walk([0x80, 0x02] + [UInt8](repeating: 0x28, count: 5000), limits: marks)
        XCTAssertEqual(m.end, .budget("marks"))
    }

    func testMemoAndOpcodeBudgets() {
        // LONG_BINPUT to scattered keys, 300k times: bounded by the memo budget.
        var bytes: [UInt8] = [0x80, 0x02, 0x4E]
        var key: UInt32 = 12345
        for _ in 0..<300_000 {
            key = key &* 1_103_515_245 &+ 12345
            bytes += [0x72, UInt8(key & 0xFF), UInt8(key >> 8 & 0xFF), UInt8(key >> 16 & 0xFF), UInt8(key >> 24)]
        }
        bytes.append(0x2E)
        var limits = PickleWalker.Limits()
        limits.maxMemo = 100_000
        XCTAssertEqual(PickleWalker.walk(bytes, limits: limits).end, .budget("memo"))
        // One BINPUT to a far key does not allocate a dense table up to it.
        let far = PickleWalker.walk([0x80, 0x02, 0x4E, 0x72, 0xFF, 0xFF, 0x0F, 0x00, 0x6A, 0xFF, 0xFF, 0x0F, 0x00, 0x2E])
        XCTAssertEqual(far.end, .stop)
        XCTAssertEqual(far.root, PickleValue.none)

        var ops = PickleWalker.Limits()
        ops.maxOps = 1000
        let many = PickleWalker.walk([0x80, 0x02] + [UInt8](repeating: 0x4E, count: 5000) + [0x2E], limits: ops)
        XCTAssertEqual(many.end, .budget("opcode budget"))
        var stack = PickleWalker.Limits()
        stack.maxStack = 100
        XCTAssertEqual(PickleWalker.walk([0x80, 0x02] + [UInt8](repeating: 0x4E, count: 500), limits: stack).end, .budget("stack"))
    }

    func testHugeShapeReusedByManyReducesStaysFast() {
        // c torch._utils\n_rebuild_tensor_v2\n q0, a 100k-int tuple q1, then 200k x (h0 ( N K0 h1 t R 0).
        var b: [UInt8] = [0x80, 0x02] + Array("ctorch._utils\n_rebuild_tensor_v2\n".utf8) + [0x71, 0x00, 0x28]
        for _ in 0..<100_000 { b += [0x4B, 0x02] }
        b += [0x74, 0x71, 0x01, 0x30]
        for _ in 0..<200_000 { b += [0x68, 0x00, 0x28, 0x4E, 0x4B, 0x00, 0x68, 0x01, 0x74, 0x52, 0x30] }
        b += [0x4E, 0x2E]
        let t0 = Date()
        // 200k tensors in 2 MB is denser than any real pickle: the memory budget is raised so that
        // the walk runs to the end (what is measured here is time).
        var limits = PickleWalker.Limits()
        limits.memoryPerByte = 64
        let w = PickleWalker.walk(b, limits: limits)
        XCTAssertEqual(w.end, .stop)
        XCTAssertEqual(w.tensors.count, 200_000)
        XCTAssertNil(w.tensors[0].elements)
        XCTAssertLessThan(Date().timeIntervalSince(t0), 10)
    }

    func testLongTextLinesAreBounded() {
        // Protocol 0 UNICODE with a 3 MiB line, read through a source in windows.
        let big: [UInt8] = [0x56] + [UInt8](repeating: 0x61, count: 3 << 20) + [0x0A, 0x2E]
        var limits = PickleWalker.Limits()
        limits.window = 4096
        let w = PickleWalker.walk(total: big.count, start: 0, limits: limits) { off, n in Array(big[off..<min(big.count, off + n)]) }
        XCTAssertEqual(w.end, .budget("text line too long"))
        limits.maxLine = 4 << 20
        let ok = PickleWalker.walk(total: big.count, start: 0, limits: limits) { off, n in Array(big[off..<min(big.count, off + n)]) }
        XCTAssertEqual(ok.end, .stop)
        XCTAssertEqual(ok.root, .longString(3 << 20))
    }

    func testPayloadsAreSkippedNotRead() {
        // BINBYTES8 of 100 MB declared inside a 100 MB source: skipped with one small read.
        let size = 100_000_000
        var reads = 0
        let header: [UInt8] = [0x80, 0x04, 0x8E] + withUnsafeBytes(of: UInt64(size - 12).littleEndian, Array.init)
        let w = PickleWalker.walk(total: size, start: 0) { off, n in
            reads += n
            if off == 0 { return header + [UInt8](repeating: 0, count: min(n, size) - header.count) }
            return off == size - 1 ? [0x2E] : [UInt8](repeating: 0x2E, count: min(n, size - off))
        }
        XCTAssertEqual(w.end, .stop)
        XCTAssertEqual(w.root, .bytes(size - 12))
        XCTAssertLessThan(reads, 4 << 20)
    }
}

// MARK: hostile input (issue 9): state bounded by the bytes walked

extension PickleWalkerTests {
    /// Asserts the walk stopped on the memory budget with its state within the documented bound.
    func assertMemoryBounded(_ b: [UInt8], _ what: String, budget: String = "memory", file: StaticString = #filePath, line: UInt = #line) {
        let limits = PickleWalker.Limits()
        let w = PickleWalker.walk(b, limits: limits)
        XCTAssertEqual(w.end, .budget(budget), what, file: file, line: line)
        let bound = min(limits.maxState, limits.memoryFloor + limits.memoryPerByte * b.count)
        XCTAssertLessThanOrEqual(w.stateBytes, bound + 4096, what, file: file, line: line)
        XCTAssertLessThan(w.endOffset, b.count - 1, "\(what): stopped early", file: file, line: line)
    }

    func testOpcodeFloodsStopAtTheMemoryBudget() {
        let n = 1 << 20
        // NONE then 1M TUPLE1: a chain of one-item tuples (104 MB before the budget).
        assertMemoryBounded([0x80, 0x02, 0x4E] + [UInt8](repeating: 0x85, count: n) + [0x2E], "TUPLE1 flood")
        // 1M EMPTY_DICT: containers.
        assertMemoryBounded([0x80, 0x02] + [UInt8](repeating: 0x7D, count: n) + [0x2E], "container flood")
        // One value memoized 1M times (MEMOIZE), and EMPTY_LIST + MEMOIZE pairs.
        // (the memo count cap, 2^18 entries, comes first here).
        assertMemoryBounded([0x80, 0x04, 0x4E] + [UInt8](repeating: 0x94, count: n) + [0x2E], "memo flood", budget: "memo")
        var pairs: [UInt8] = [0x80, 0x04]
        for _ in 0..<(n / 2) { pairs += [0x5D, 0x94] }
        assertMemoryBounded(pairs + [0x2E], "list + memo flood")
        // Tensors: numpy _reconstruct called on an empty tuple over and over (h0 ) R).
        var tensors: [UInt8] = [0x80, 0x02] + Array("cnumpy.core.multiarray\n_reconstruct\n".utf8) + [0x71, 0x00]
        for _ in 0..<(n / 4) { tensors += [0x68, 0x00, 0x29, 0x52] }
        assertMemoryBounded(tensors + [0x2E], "tensor flood")
    }

    func testRealPicklesStayWellUnderTheMemoryBudget() throws {
        for name in ["positive/weights_p2.pkl", "positive/weights_p4.pkl", "positive/weights.joblib"] {
            let b = fixture(name)
            let w = PickleWalker.walk(b)
            XCTAssertEqual(w.end, .stop, name)
            XCTAssertGreaterThan(w.stateBytes, 0, name)
        }
    }
}
