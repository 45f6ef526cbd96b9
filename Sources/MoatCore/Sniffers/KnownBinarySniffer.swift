/// Ordinary binaries that are never model weights (images, documents, executables, archives of
/// other kinds). Recognising them stops the statistical raw-tensor test from looking at them.
///
/// A magic shorter than four bytes (or four common ones) is met by chance in float dumps: `MZ`
/// starts about 1 in 65,536 float32 files. Such magics are confirmed by the structure that follows
/// (the PE header `e_lfanew` points at, an ID3 tag's version and sizes, a bzip2 block magic ...),
/// so that a weights dump is never waved through as "Windows executable".
public struct KnownBinarySniffer: Sniffer {
    public let id = "known-binary"
    public init() {}

    typealias Confirm = @Sendable (SniffInput) -> Bool

    /// (name, magic, offset, structural check beyond the magic).
    static let magics: [(String, [UInt8], Int, Confirm?)] = [
        ("ELF executable", [0x7F, 0x45, 0x4C, 0x46], 0, nil),
        ("ar archive", ascii("!<arch>\n"), 0, nil),
        ("Mach-O binary", [0xCF, 0xFA, 0xED, 0xFE], 0, nil),
        ("Mach-O binary", [0xCE, 0xFA, 0xED, 0xFE], 0, nil),
        ("Mach-O binary", [0xFE, 0xED, 0xFA, 0xCF], 0, nil),
        ("Mach-O binary", [0xFE, 0xED, 0xFA, 0xCE], 0, nil),
        ("universal binary or Java class", [0xCA, 0xFE, 0xBA, 0xBE], 0, nil),
        ("PNG image", [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A], 0, nil),
        // The fourth byte is a JPEG marker (APPn, DQT, SOF, DHT, COM ...), never a fill byte.
        ("JPEG image", [0xFF, 0xD8, 0xFF], 0, { i in i.head.count > 3 && i.head[3] >= 0xC0 && i.head[3] != 0xFF }),
        ("GIF image", ascii("GIF8"), 0, { i in i.head.has(ascii("7a"), at: 4) || i.head.has(ascii("9a"), at: 4) }),
        ("PDF document", ascii("%PDF-"), 0, nil),
        ("SQLite database", ascii("SQLite format 3\0"), 0, nil),
        ("WebAssembly module", [0x00, 0x61, 0x73, 0x6D], 0, { i in i.head.u32le(4) == 1 }),
        ("git pack", ascii("PACK"), 0, { i in i.head.has([0, 0, 0, 2], at: 4) || i.head.has([0, 0, 0, 3], at: 4) }),
        ("gzip data", [0x1F, 0x8B, 0x08], 0, KnownBinarySniffer.gzip),
        ("xz data", [0xFD, 0x37, 0x7A, 0x58, 0x5A, 0x00], 0, nil),
        ("zstd data", [0x28, 0xB5, 0x2F, 0xFD], 0, nil),
        ("bzip2 data", ascii("BZh"), 0, KnownBinarySniffer.bzip2),
        ("7-zip archive", [0x37, 0x7A, 0xBC, 0xAF, 0x27, 0x1C], 0, nil),
        ("RIFF media (WAV, AVI, WebP)", ascii("RIFF"), 0, nil),
        ("Ogg media", ascii("OggS"), 0, nil),
        ("FLAC audio", ascii("fLaC"), 0, nil),
        ("MP3 audio", ascii("ID3"), 0, KnownBinarySniffer.id3),
        ("ISO media (MP4, MOV, HEIC)", ascii("ftyp"), 4, nil),
        ("TIFF image", [0x49, 0x49, 0x2A, 0x00], 0, { i in KnownBinarySniffer.tiff(i, bigEndian: false) }),
        ("TIFF image", [0x4D, 0x4D, 0x00, 0x2A], 0, { i in KnownBinarySniffer.tiff(i, bigEndian: true) }),
        ("Windows executable", ascii("MZ"), 0, KnownBinarySniffer.portableExecutable),
        ("TrueType font", [0x00, 0x01, 0x00, 0x00], 0, KnownBinarySniffer.sfntTables),
        ("OpenType font", ascii("OTTO"), 0, KnownBinarySniffer.sfntTables),
        ("WOFF font", ascii("wOFF"), 0, KnownBinarySniffer.woffLength),
        ("WOFF font", ascii("wOF2"), 0, KnownBinarySniffer.woffLength),
        ("zip archive", [0x50, 0x4B, 0x03, 0x04], 0, nil),
        ("tar archive", ascii("ustar"), 257, nil),
        ("Python bytecode", [0x0D, 0x0A], 2, KnownBinarySniffer.pythonBytecode),
    ]

    public func sniff(_ input: SniffInput) -> SniffResult {
        for (name, magic, offset, confirm) in KnownBinarySniffer.magics where input.head.has(magic, at: offset) {
            if let confirm, !confirm(input) { continue }
            return .benign(.known(name))
        }
        return .notMine
    }

    /// DOS stub whose `e_lfanew` (u32 at 0x3C) points inside the file at `PE\0\0` (linkers put it
    /// within the first few hundred bytes: only the head is looked at).
    static func portableExecutable(_ i: SniffInput) -> Bool {
        guard let lfanew = i.head.u32le(0x3C), lfanew >= 0x40 else { return false }
        return i.head.has([0x50, 0x45, 0, 0], at: Int(lfanew))
    }

    /// A `.pyc` of Python 3 (`importlib` header, PEP 552): a magic number 3000-3999 then `\r\n`, and
    /// a marshalled code object (`c`, with or without the ref flag) after the 16-byte header of 3.7+
    /// (flags 0, 1 or 3) or the 12-byte one of 3.3-3.6. Its marshalled constants look like token ids.
    static func pythonBytecode(_ i: SniffInput) -> Bool {
        let h = i.head
        guard let magic = h.u16le(0), (3000..<4000).contains(magic), h.count > 16 else { return false }
        let isCode: (Int) -> Bool = { h[$0] & 0x7F == 0x63 }
        if let flags = h.u32le(4), [0, 1, 3].contains(flags), isCode(16) { return true }
        return isCode(12)
    }

    /// ID3v2: major version 2-4, revision below 0xFF, and a synchsafe size (high bits clear).
    static func id3(_ i: SniffInput) -> Bool {
        let h = i.head
        guard h.count >= 10, (2...4).contains(h[3]), h[4] != 0xFF, h[5] & 0x0F == 0 else { return false }
        return h[6..<10].allSatisfy { $0 < 0x80 }
    }

    /// bzip2: block size '1'-'9', then a block magic (pi) or the end-of-stream magic (sqrt pi).
    static func bzip2(_ i: SniffInput) -> Bool {
        let h = i.head
        guard h.count >= 10, (0x31...0x39).contains(h[3]) else { return false }
        return h.has([0x31, 0x41, 0x59, 0x26, 0x53, 0x59], at: 4) || h.has([0x17, 0x72, 0x45, 0x38, 0x50, 0x90], at: 4)
    }

    /// gzip: reserved flag bits clear, extra flags 0, 2 or 4, a known OS byte.
    static func gzip(_ i: SniffInput) -> Bool {
        let h = i.head
        guard h.count >= 10, h[3] & 0xE0 == 0, [0, 2, 4].contains(h[8]) else { return false }
        return h[9] <= 13 || h[9] == 255
    }

    /// TIFF: the first IFD offset lies inside the file, past the 8-byte header.
    static func tiff(_ i: SniffInput, bigEndian: Bool) -> Bool {
        guard let raw = i.head.u32le(4) else { return false }
        let off = bigEndian ? raw.byteSwapped : raw
        return off >= 8 && Int(off) < i.size
    }

    /// sfnt (TrueType, OpenType): 1-512 tables and the search range the count implies.
    static func sfntTables(_ i: SniffInput) -> Bool {
        let h = i.head
        guard h.count >= 12 else { return false }
        let tables = Int(h[4]) << 8 | Int(h[5]), searchRange = Int(h[6]) << 8 | Int(h[7])
        guard tables >= 1, tables <= 512 else { return false }
        var pow2 = 1
        while pow2 * 2 <= tables { pow2 *= 2 }
        return searchRange == pow2 * 16
    }

    /// WOFF/WOFF2: the declared total length (u32 BE at 8) is the file's size.
    static func woffLength(_ i: SniffInput) -> Bool {
        guard let raw = i.head.u32le(8) else { return false }
        return Int(raw.byteSwapped) == i.size
    }
}
