/// A hash table from object ids to `Int32`, for the history walk's hot loop (millions of lookups):
/// open addressing with linear probing, the slot taken from a cheap multiply-xor mix of the id with
/// per-process random seeds. Swift's `Dictionary` runs SipHash on every lookup, which cost more
/// than parsing the trees; the seeds keep a hostile repository from crafting ids that pile up in
/// one run of slots.
///
/// Used as a set too (`insert` with any value). Not thread-safe.
final class OIDTable {
    private var keys: UnsafeMutablePointer<OIDKey>
    private var values: UnsafeMutablePointer<Int32>
    private var used: UnsafeMutablePointer<Bool>
    private var capacity: Int
    private var shift: UInt64
    /// Entries held.
    private(set) var count = 0

    private static let seeds = (UInt64.random(in: .min ... .max), UInt64.random(in: .min ... .max))

    init(minimumCapacity: Int = 1024) {
        var c = 16
        while c < 2 * minimumCapacity { c <<= 1 }
        capacity = c
        shift = UInt64(64 - c.trailingZeroBitCount)
        keys = .allocate(capacity: c)
        values = .allocate(capacity: c)
        used = .allocate(capacity: c)
        used.initialize(repeating: false, count: c)
    }

    deinit {
        keys.deallocate()
        values.deallocate()
        used.deallocate()
    }

    @inline(__always)
    private func slot(_ key: OIDKey) -> Int {
        // All 20 bytes, mixed with secret seeds: ids in trees are whatever the repository's author
        // wrote, so a crafted tree could share any fixed part of them.
        var h = (key.a ^ Self.seeds.0) &* 0x9E37_79B9_7F4A_7C15
        h = (h ^ (h >> 29) ^ key.b ^ Self.seeds.1) &* 0xBF58_476D_1CE4_E5B9
        h = (h ^ (h >> 32) ^ UInt64(key.c)) &* 0x94D0_49BB_1331_11EB
        return Int(truncatingIfNeeded: (h ^ (h >> 31)) >> shift)
    }

    /// The value of `key`, or nil.
    @inline(__always)
    func value(_ key: OIDKey) -> Int32? {
        var i = slot(key)
        let mask = capacity - 1
        while used[i] {
            if keys[i] == key { return values[i] }
            i = (i + 1) & mask
        }
        return nil
    }

    @inline(__always)
    func contains(_ key: OIDKey) -> Bool { value(key) != nil }

    /// Adds `key` with `value` unless it is present; returns whether it was added.
    @inline(__always)
    @discardableResult
    func insert(_ key: OIDKey, value: Int32 = 0) -> Bool {
        if 2 * (count + 1) > capacity { grow() }
        var i = slot(key)
        let mask = capacity - 1
        while used[i] {
            if keys[i] == key { return false }
            i = (i + 1) & mask
        }
        used[i] = true
        (keys + i).initialize(to: key)
        values[i] = value
        count += 1
        return true
    }

    private func grow() {
        let oldKeys = keys, oldValues = values, oldUsed = used, oldCapacity = capacity
        capacity *= 2
        shift -= 1
        keys = .allocate(capacity: capacity)
        values = .allocate(capacity: capacity)
        used = .allocate(capacity: capacity)
        used.initialize(repeating: false, count: capacity)
        count = 0
        for i in 0..<oldCapacity where oldUsed[i] { insert(oldKeys[i], value: oldValues[i]) }
        oldKeys.deallocate()
        oldValues.deallocate()
        oldUsed.deallocate()
    }
}
