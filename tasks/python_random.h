#pragma once
// A byte-exact reimplementation of CPython's random.Random (MT19937 with CPython's seeding from an int,
// getrandbits-based _randbelow, and the two selection branches of sample()). MERA draws few-shot
// examples with random.Random(1234).sample(pool, k); reproducing its prompts needs the same draws.
#include <array>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace evalrun::tasks {

class PythonRandom {
 public:
  // random.Random(seed) for an int seed (CPython uses abs(seed) split into 32-bit words).
  explicit PythonRandom(int64_t seed = 0);
  void seed(int64_t seed);
  // Seeds from the 32-bit little-endian words of a non-negative integer (init_by_array).
  void seed_words(const std::vector<uint32_t>& key);

  uint32_t genrand_uint32();
  // random.getrandbits(k) for 0 <= k <= 64.
  uint64_t getrandbits(int k);
  // random._randbelow(n) for n >= 1 (getrandbits rejection sampling).
  uint64_t randbelow(uint64_t n);
  // random.random(): 53-bit float in [0, 1).
  double random();
  // Indices chosen by random.sample(range(n), k), in selection order. Throws std::invalid_argument
  // when k > n (Python raises ValueError).
  std::vector<size_t> sample(size_t n, size_t k);
  // random.shuffle over positions 0..n-1: returns the permutation applied to range(n).
  std::vector<size_t> shuffle(size_t n);

 private:
  static constexpr int kN = 624;
  std::array<uint32_t, kN> mt_{};
  int index_ = kN + 1;
  void init_genrand(uint32_t s);
};

}  // namespace evalrun::tasks
