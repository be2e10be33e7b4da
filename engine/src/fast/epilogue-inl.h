// Activations on SIMD vectors, for fused store steps and the activation kernel.
// Per-target include guard (Highway's idiom): this file is compiled once for every target.

#if defined(CONVSCOPE_FAST_EPILOGUE_INL_H_) == defined(HWY_TARGET_TOGGLE)
#ifdef CONVSCOPE_FAST_EPILOGUE_INL_H_
#undef CONVSCOPE_FAST_EPILOGUE_INL_H_
#else
#define CONVSCOPE_FAST_EPILOGUE_INL_H_
#endif

#include "fast/kernels.hpp"

#include <hwy/contrib/math/math-inl.h>
#include <hwy/highway.h>

HWY_BEFORE_NAMESPACE();
namespace convscope::fast::HWY_NAMESPACE {

namespace hn = hwy::HWY_NAMESPACE;

template <class D, class V> HWY_INLINE V Activate(D d, V v, const Epilogue& epilogue) {
    switch (epilogue.kind) {
    case Epilogue::Kind::None:
        return v;
    case Epilogue::Kind::ReLU:
        return hn::Max(v, hn::Zero(d));
    case Epilogue::Kind::LeakyReLU:
        return hn::IfThenElse(v < hn::Zero(d), v * hn::Set(d, epilogue.negative_slope), v);
    case Epilogue::Kind::Sigmoid: {
        // 1 / (1 + e^−x) keeps tiny values accurate (σ(−20) ≈ 2e-9, as PyTorch gives); beyond
        // ±87 e^−x would leave float range, and σ is 0 or 1 to float precision there anyway.
        const V limit = hn::Set(d, 87.0f);
        const V x = hn::Min(hn::Max(v, hn::Neg(limit)), limit);
        const V one = hn::Set(d, 1.0f);
        return one / (one + hn::Exp(d, hn::Neg(x)));
    }
    case Epilogue::Kind::Tanh:
        return hn::Tanh(d, v);
    }
    return v;
}

} // namespace convscope::fast::HWY_NAMESPACE
HWY_AFTER_NAMESPACE();

#endif // per-target include guard
