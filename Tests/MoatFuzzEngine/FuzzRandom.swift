/// xorshift64*: small, fast, and the same sequence on every machine, so mutant `i` of a run depends
/// only on the run's seed and `i` (any iteration can be replayed alone).
public struct FuzzRandom: RandomNumberGenerator {
    public var state: UInt64

    /// A generator for iteration `i` of run `seed`, its state mixed so neighbouring iterations differ.
    public init(seed: UInt64, iteration: Int) {
        state = max(1, (UInt64(truncatingIfNeeded: iteration) &+ 1) &* 0x9E37_79B9_7F4A_7C15 ^ seed &* 0xD1B5_4A32_D192_ED03)
        for _ in 0..<4 { _ = next() }
    }

    public mutating func next() -> UInt64 {
        state ^= state >> 12
        state ^= state << 25
        state ^= state >> 27
        return state &* 0x2545_F491_4F6C_DD1D
    }

    /// Uniform in `0..<n` (0 when `n <= 0`).
    public mutating func below(_ n: Int) -> Int { n <= 0 ? 0 : Int(next() % UInt64(n)) }
    public mutating func chance(_ percent: Int) -> Bool { below(100) < percent }
}
