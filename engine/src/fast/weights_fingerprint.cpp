// A 128-bit fingerprint of a layer's weights, so the backend knows on every run whether its
// transformed and packed weights are still those of the pipeline without keeping (and reading)
// a second copy of megabytes of weights.
//
// Every lane of four vectors runs two 32-bit hashes, h1 = (h1 ^ x) · P1 and
// h2 = rotr(h2 + x, 13) · P2, over its share of the values. Each step is a bijection of the
// state for a given value and of the value for a given state, so changing any one weight always
// changes the fingerprint (what an edit in the app does); other changes collide with odds near
// 2^-64. Blocks of the array are hashed in parallel and combined in order with splitmix64.

#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "fast/weights_fingerprint.cpp"
#include <hwy/foreach_target.h> // IWYU pragma: keep

#include "fast/fast_ops.hpp"

#include <hwy/highway.h>
#include <tbb/parallel_for.h>

#include <cstring>

HWY_BEFORE_NAMESPACE();
namespace convscope::fast::HWY_NAMESPACE {

namespace hn = hwy::HWY_NAMESPACE;

// Hashes count floats (a multiple of 4 vectors) into out[2 · 4 · lanes] (h1 then h2 lanes).
void HashBlock(const float* values, std::size_t count, std::uint32_t* out) {
    const hn::ScalableTag<std::uint32_t> du;
    using VU = hn::Vec<decltype(du)>;
    const std::size_t N = hn::Lanes(du);
    const VU p1 = hn::Set(du, 0x9E3779B1u), p2 = hn::Set(du, 0x85EBCA77u);
    VU h1[4], h2[4];
    for (int j = 0; j < 4; ++j) {
        h1[j] = hn::Iota(du, 0x243F6A88u + 97u * j);
        h2[j] = hn::Iota(du, 0x13198A2Eu + 89u * j);
    }
    const std::uint32_t* words = reinterpret_cast<const std::uint32_t*>(values);
    for (std::size_t i = 0; i < count; i += 4 * N)
        for (int j = 0; j < 4; ++j) {
            const VU x = hn::LoadU(du, words + i + j * N);
            h1[j] = hn::Xor(h1[j], x) * p1;
            h2[j] = hn::RotateRight<13>(h2[j] + x) * p2;
        }
    for (int j = 0; j < 4; ++j) {
        hn::StoreU(h1[j], du, out + j * N);
        hn::StoreU(h2[j], du, out + (4 + j) * N);
    }
}

std::size_t HashLanes() {
    return 8 * hn::Lanes(hn::ScalableTag<std::uint32_t>());
}

} // namespace convscope::fast::HWY_NAMESPACE
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
namespace convscope::fast {

HWY_EXPORT(HashBlock);
HWY_EXPORT(HashLanes);

namespace {

std::uint64_t splitmix64(std::uint64_t x) {
    x += 0x9E3779B97F4A7C15ull;
    x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
    x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
    return x ^ (x >> 31);
}

constexpr std::size_t kBlock = 64 * 1024; // floats per task

} // namespace

WeightsFingerprint fingerprint_weights(const std::vector<float>& values,
                                       std::vector<std::uint32_t>& lanes) {
    const std::size_t per_block = HWY_DYNAMIC_DISPATCH(HashLanes)();
    const std::size_t vector_floats = per_block / 2; // 4 vectors of floats
    const std::size_t whole = values.size() / vector_floats * vector_floats;
    const std::size_t blocks = (whole + kBlock - 1) / kBlock;
    lanes.resize(blocks * per_block);
    const auto hash = [&](std::size_t b) {
        const std::size_t start = b * kBlock, count = std::min(kBlock, whole - start);
        HWY_DYNAMIC_DISPATCH(HashBlock)(values.data() + start, count, lanes.data() + b * per_block);
    };
    if (blocks > 4)
        tbb::parallel_for(std::size_t{0}, blocks, hash);
    else
        for (std::size_t b = 0; b < blocks; ++b)
            hash(b);

    WeightsFingerprint f{splitmix64(values.size()), splitmix64(~values.size())};
    for (std::size_t i = 0; i < lanes.size(); ++i)
        f.h1 = splitmix64(f.h1 ^ lanes[i]), f.h2 = splitmix64(f.h2 + lanes[i] + i);
    for (std::size_t i = whole; i < values.size(); ++i) { // the last few values
        std::uint32_t bits;
        std::memcpy(&bits, &values[i], sizeof bits);
        f.h1 = splitmix64(f.h1 ^ bits);
        f.h2 = splitmix64(f.h2 + bits + i);
    }
    return f;
}

} // namespace convscope::fast
#endif
