import Foundation
import MoatBytes
@testable import MoatGit
import XCTest

// Hand-made pack files and indexes, for the cases real git never writes (corrupt and hostile ones).

/// A version 2 index of `entries` (id, offset field), with `large` 8-byte offsets.
func packIndexBytes(_ entries: [([UInt8], UInt32)], large: [UInt64], packChecksum: [UInt8] = Array(repeating: 0xAB, count: 20)) -> [UInt8] {
    let sorted = entries.sorted { $0.0.lexicographicallyPrecedes($1.0) }
    var out: [UInt8] = [0xFF, 0x74, 0x4F, 0x63, 0, 0, 0, 2]
    func be32(_ v: UInt32) { out += [UInt8(v >> 24), UInt8(v >> 16 & 0xFF), UInt8(v >> 8 & 0xFF), UInt8(v & 0xFF)] }
    for b in 0..<256 { be32(UInt32(sorted.filter { Int($0.0[0]) <= b }.count)) }
    for (id, _) in sorted { out += id }
    for _ in sorted { be32(0x1234_5678) }  // CRC-32s, unused
    for (_, offset) in sorted { be32(offset) }
    for v in large { be32(UInt32(v >> 32)); be32(UInt32(v & 0xFFFF_FFFF)) }
    return out + packChecksum + Array(repeating: 0xCD, count: 20)
}

/// An id made of `first`, eighteen 0x11 bytes and `last`.
func testOID(_ first: UInt8, _ last: UInt8) -> ObjectID {
    ObjectID(hex: ([first] + Array(repeating: 0x11, count: 18) + [last]).map { String(format: "%02x", $0) }.joined())!
}

/// A zlib stream of `data` in one stored (uncompressed) deflate block.
func storedZlib(_ data: [UInt8]) -> [UInt8] {
    var a: UInt32 = 1, b: UInt32 = 0
    for x in data { a = (a + UInt32(x)) % 65521; b = (b + a) % 65521 }
    let adler = b << 16 | a
    let n = UInt16(data.count)
    return [0x78, 0x01, 0x01, UInt8(n & 0xFF), UInt8(n >> 8), UInt8(~n & 0xFF), UInt8(~n >> 8)] + data
        + [UInt8(adler >> 24), UInt8(adler >> 16 & 0xFF), UInt8(adler >> 8 & 0xFF), UInt8(adler & 0xFF)]
}

/// A pack entry header: type in bits 4-6 of the first byte, size in 4 + 7k bits.
func packEntryHeader(type: UInt8, size: Int) -> [UInt8] {
    var out: [UInt8] = []
    var byte = type << 4 | UInt8(size & 0x0F)
    var rest = size >> 4
    while rest > 0 {
        out.append(byte | 0x80)
        byte = UInt8(rest & 0x7F)
        rest >>= 7
    }
    out.append(byte)
    return out
}

/// Writes `<dir>/objects/pack/pack-x.{pack,idx}` holding `entries` (id, bytes) one after the
/// other from offset 12, and returns the mapped pack.
func syntheticPackLayout(_ scratch: Scratch, _ entries: [(ObjectID, [UInt8])]) throws -> PackLayout {
    let checksum = Array(repeating: UInt8(0x5C), count: 20)
    var pack = Array("PACK".utf8) + [0, 0, 0, 2, 0, 0, 0, UInt8(entries.count)]
    var index: [([UInt8], UInt32)] = []
    for (id, bytes) in entries {
        index.append((id.bytes, UInt32(pack.count)))
        pack += bytes
    }
    pack += checksum
    let dir = scratch.path(UUID().uuidString + "/objects/pack")
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    try Data(pack).write(to: URL(fileURLWithPath: dir + "/pack-x.pack"))
    try Data(packIndexBytes(index, large: [], packChecksum: checksum)).write(to: URL(fileURLWithPath: dir + "/pack-x.idx"))
    let idx = try XCTUnwrap(PackIndex(path: PathBytes(dir + "/pack-x.idx")))
    return try XCTUnwrap(PackLayout(packPath: PathBytes(dir + "/pack-x.pack"), index: idx))
}
