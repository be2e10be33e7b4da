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
        // σ(x) = ½·tanh(x/2) + ½: tanh saturates cleanly, where exp(−x) would overflow.
        const V half = hn::Set(d, 0.5f);
        return hn::MulAdd(half, hn::Tanh(d, v * half), half);
    }
    case Epilogue::Kind::Tanh:
        return hn::Tanh(d, v);
    }
    return v;
}

} // namespace convscope::fast::HWY_NAMESPACE
HWY_AFTER_NAMESPACE();

#endif // per-target include guard
