/// Ordinary binaries that are never model weights (images, documents, executables, archives of
/// other kinds). Recognising them stops the statistical raw-tensor test from looking at them.
public struct KnownBinarySniffer: Sniffer {
    public let id = "known-binary"
    public init() {}

    /// (name, magic, offset). Kept to formats whose magic is long or distinctive enough to be safe.
    static let magics: [(String, [UInt8], Int)] = [
        ("ELF executable", [0x7F, 0x45, 0x4C, 0x46], 0),
        ("ar archive", ascii("!<arch>\n"), 0),
        ("Mach-O binary", [0xCF, 0xFA, 0xED, 0xFE], 0),
        ("Mach-O binary", [0xCE, 0xFA, 0xED, 0xFE], 0),
        ("Mach-O binary", [0xFE, 0xED, 0xFA, 0xCF], 0),
        ("Mach-O binary", [0xFE, 0xED, 0xFA, 0xCE], 0),
        ("universal binary or Java class", [0xCA, 0xFE, 0xBA, 0xBE], 0),
        ("PNG image", [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A], 0),
        ("JPEG image", [0xFF, 0xD8, 0xFF], 0),
        ("GIF image", ascii("GIF8"), 0),
        ("PDF document", ascii("%PDF-"), 0),
        ("SQLite database", ascii("SQLite format 3\0"), 0),
        ("WebAssembly module", [0x00, 0x61, 0x73, 0x6D], 0),
        ("git pack", ascii("PACK"), 0),
        ("gzip data", [0x1F, 0x8B, 0x08], 0),
        ("xz data", [0xFD, 0x37, 0x7A, 0x58, 0x5A, 0x00], 0),
        ("zstd data", [0x28, 0xB5, 0x2F, 0xFD], 0),
        ("bzip2 data", ascii("BZh"), 0),
        ("7-zip archive", [0x37, 0x7A, 0xBC, 0xAF, 0x27, 0x1C], 0),
        ("RIFF media (WAV, AVI, WebP)", ascii("RIFF"), 0),
        ("Ogg media", ascii("OggS"), 0),
        ("FLAC audio", ascii("fLaC"), 0),
        ("MP3 audio", ascii("ID3"), 0),
        ("ISO media (MP4, MOV, HEIC)", ascii("ftyp"), 4),
        ("TIFF image", [0x49, 0x49, 0x2A, 0x00], 0),
        ("TIFF image", [0x4D, 0x4D, 0x00, 0x2A], 0),
        ("Windows executable", ascii("MZ"), 0),
        ("TrueType font", [0x00, 0x01, 0x00, 0x00, 0x00], 0),
        ("OpenType font", ascii("OTTO"), 0),
        ("WOFF font", ascii("wOF"), 0),
        ("zip archive", [0x50, 0x4B, 0x03, 0x04], 0),
        ("tar archive", ascii("ustar"), 257),
    ]

    public func sniff(_ input: SniffInput) -> SniffResult {
        for (name, magic, offset) in KnownBinarySniffer.magics where input.head.has(magic, at: offset) {
            return .benign(.known(name))
        }
        return .notMine
    }
}
