import Foundation
import MoatBytes
import XCTest
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

final class FileByteSourceTests: XCTestCase {
    var dir: URL!

    override func setUpWithError() throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("moat-bytes-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: dir)
    }

    func makeFile(_ name: String, _ bytes: [UInt8]) throws -> PathBytes {
        let url = dir.appendingPathComponent(name)
        try Data(bytes).write(to: url)
        return PathBytes(url.path)
    }

    func testBoundedReads() throws {
        let data = (0..<1000).map { UInt8($0 % 251) }
        let f = try FileByteSource(path: makeFile("a.bin", data))
        XCTAssertEqual(f.size, 1000)
        XCTAssertTrue(f.isRandomAccess)
        XCTAssertEqual(f.read(at: 100, count: 5), Array(data[100..<105]))
        XCTAssertEqual(f.read(at: 0, count: 1000), data)
        XCTAssertEqual(f.read(at: 990, count: 100), Array(data[990...]), "clamped at the end")
        XCTAssertEqual(f.read(at: 1000, count: 1), [])
        XCTAssertNil(f.read(at: 1001, count: 1))
        XCTAssertNil(f.read(at: -5, count: 1))
        XCTAssertNil(f.read(at: 0, count: -1))
        XCTAssertEqual(f.bytesRead, 5 + 1000 + 10)
    }

    func testEmptyFile() throws {
        let f = try FileByteSource(path: makeFile("empty", []))
        XCTAssertEqual(f.size, 0)
        XCTAssertEqual(f.read(at: 0, count: 10), [])
        XCTAssertNil(f.read(at: 1, count: 10))
    }

    func testFileShorterThanDeclared() throws {
        // The file shrinks after it was opened: reads return what is there, never stale or zero bytes.
        let data = [UInt8](repeating: 7, count: 4096)
        let path = try makeFile("shrinks.bin", data)
        let f = try FileByteSource(path: path)
        XCTAssertEqual(f.size, 4096)
        XCTAssertEqual(truncate(path.description, 100), 0)
        XCTAssertEqual(f.size, 4096, "the size is the one seen at open")
        XCTAssertEqual(f.read(at: 0, count: 4096), Array(data.prefix(100)))
        XCTAssertEqual(f.read(at: 50, count: 100), Array(data[50..<100]))
        XCTAssertEqual(f.read(at: 2000, count: 100), [])
    }

    func testWhatCannotBeOpened() throws {
        XCTAssertThrowsError(try FileByteSource(path: PathBytes(dir.appendingPathComponent("missing").path))) { e in
            XCTAssertTrue("\(e)".contains("No such file"), "\(e)")
        }
        XCTAssertThrowsError(try FileByteSource(path: PathBytes(dir.path))) { e in
            XCTAssertEqual((e as? FileError)?.reason, "not a regular file")
        }
        // A final symlink is not followed, even to a regular file.
        let target = try makeFile("target.bin", [1, 2, 3])
        let link = dir.appendingPathComponent("link.bin")
        try FileManager.default.createSymbolicLink(atPath: link.path, withDestinationPath: target.description)
        XCTAssertThrowsError(try FileByteSource(path: PathBytes(link.path)))
        // A FIFO is not a regular file (and opening it must not block).
        let fifo = dir.appendingPathComponent("fifo")
        XCTAssertEqual(mkfifo(fifo.path, 0o600), 0)
        XCTAssertThrowsError(try FileByteSource(path: PathBytes(fifo.path))) { e in
            XCTAssertEqual((e as? FileError)?.reason, "not a regular file")
        }
    }

    func testNonUTF8FileName() throws {
        // A name that is not UTF-8 (Latin-1 "é" and 0xFF) is opened by its bytes.
        let name: [UInt8] = Array("caf".utf8) + [0xE9, 0xFF] + Array(".bin".utf8)
        let path = PathBytes(Array(dir.path.utf8) + [UInt8(ascii: "/")] + name)
        var c = path.bytes.map { CChar(bitPattern: $0) }
        c.append(0)
        let fd = open(c, O_WRONLY | O_CREAT | O_EXCL, 0o600)
        XCTAssertGreaterThanOrEqual(fd, 0)
        XCTAssertEqual(write(fd, Array("hello".utf8), 5), 5)
        close(fd)
        let f = try FileByteSource(path: path)
        XCTAssertEqual(f.read(at: 0, count: 10), Array("hello".utf8))
        // The error for a missing non-UTF-8 name quotes the bytes.
        let missing = PathBytes(Array(dir.path.utf8) + [UInt8(ascii: "/"), 0xFF])
        XCTAssertThrowsError(try FileByteSource(path: missing)) { e in
            XCTAssertTrue("\(e)".contains("\\377"), "\(e)")
        }
    }
}
