// Constant and the ops of constant subgraphs (shapes, pads, bounds), folded into plain
// constants; Cast and DequantizeLinear turn float16 and int8 weights into float32 exactly.

#include "onnx_constant_folding.hpp"
#include "onnx_errors.hpp"
#include "onnx_ops.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

namespace convscope::onnx_import {

namespace {

std::uint64_t element_count(const std::vector<std::int64_t>& dims) {
    std::uint64_t n = 1;
    for (const std::int64_t d : dims) {
        if (d < 0)
            throw ModelError("a computed constant would have a negative dimension " +
                             dims_text(dims));
        if (d != 0 && n > kMaxFoldedElements / static_cast<std::uint64_t>(d))
            throw Unsupported("it computes a constant of shape " + dims_text(dims) +
                              ", larger than ConvScope folds");
        n *= static_cast<std::uint64_t>(d);
    }
    return n;
}

// Row-major strides of `dims`.
std::vector<std::uint64_t> strides_of(const std::vector<std::int64_t>& dims) {
    std::vector<std::uint64_t> s(dims.size(), 1);
    for (std::size_t i = dims.size(); i-- > 1;)
        s[i - 1] = s[i] * static_cast<std::uint64_t>(dims[i]);
    return s;
}

// An empty constant of the kind of `like` with `dims`.
Constant like(const Constant& model, std::vector<std::int64_t> dims) {
    Constant c;
    c.kind = model.kind;
    c.onnx_type = model.onnx_type;
    c.dims = std::move(dims);
    const std::uint64_t n = element_count(c.dims);
    if (c.is_float())
        c.floats.resize(n);
    else
        c.ints.resize(n);
    return c;
}

void copy_element(const Constant& from, std::size_t i, Constant& to, std::size_t j) {
    if (from.is_float())
        to.floats[j] = from.floats[i];
    else
        to.ints[j] = from.ints[i];
}

const std::vector<std::int64_t>& int_values(const Constant& c, const std::string& what) {
    if (c.is_float())
        throw ModelError(what + " holds floats; it needs integers");
    return c.ints;
}

// ----------------------------------------------------------------------------- Constant

void parse_constant(Context& ctx, const Node& node) {
    node.expect_attributes({"value", "value_float", "value_floats", "value_int", "value_ints",
                            "value_string", "value_strings", "sparse_value"});
    if (node.proto().attribute_size() != 1)
        throw ModelError("a Constant needs exactly one value attribute, it has " +
                         std::to_string(node.proto().attribute_size()));
    const onnx::AttributeProto& a = node.proto().attribute(0);
    Constant c;
    if (a.name() == "value") {
        if (a.t().data_location() == onnx::TensorProto::EXTERNAL)
            throw Unsupported("its value is kept in an external file");
        std::size_t inexact = 0;
        c = decode_tensor(a.t(), "its value", inexact);
        if (inexact)
            ctx.warn(node.label() + ": " + std::to_string(inexact) +
                     " float64 values are rounded to float32");
    } else if (a.name() == "value_float") {
        c.floats = {a.f()};
    } else if (a.name() == "value_floats") {
        c.floats.assign(a.floats().begin(), a.floats().end());
        c.dims = {static_cast<std::int64_t>(c.floats.size())};
    } else if (a.name() == "value_int") {
        c.kind = Constant::Kind::Integer;
        c.onnx_type = onnx::TensorProto::INT64;
        c.ints = {a.i()};
    } else if (a.name() == "value_ints") {
        c.kind = Constant::Kind::Integer;
        c.onnx_type = onnx::TensorProto::INT64;
        c.ints.assign(a.ints().begin(), a.ints().end());
        c.dims = {static_cast<std::int64_t>(c.ints.size())};
    } else {
        throw Unsupported("its value is a " + a.name() + ", which ConvScope cannot use");
    }
    ctx.set_constant(node.output(0), std::move(c));
}

void parse_constant_of_shape(Context& ctx, const Node& node) {
    node.expect_attributes({"value"});
    const Constant& shape = node.integers(0, "shape");
    Constant value;
    value.floats = {0.0f};
    if (const auto* a = node.attribute("value")) {
        std::size_t inexact = 0;
        value = decode_tensor(a->t(), "its value", inexact);
        if (value.elements() != 1)
            throw ModelError("its value has " + std::to_string(value.elements()) +
                             " elements; it needs one");
    }
    // ConstantOfShape makes data from nothing but a shape: only the small tensors exporters use.
    std::uint64_t n = 1;
    for (const std::int64_t d : shape.ints)
        n = d <= 0 ? 0
                   : (n > kMaxGeneratedElements / static_cast<std::uint64_t>(d)
                          ? kMaxGeneratedElements + 1
                          : n * static_cast<std::uint64_t>(d));
    if (n > kMaxGeneratedElements)
        throw Unsupported("it makes a constant of shape " + dims_text(shape.ints) +
                          ", larger than ConvScope folds");
    Constant out = like(value, shape.ints);
    if (out.is_float())
        std::fill(out.floats.begin(), out.floats.end(), value.floats[0]);
    else
        std::fill(out.ints.begin(), out.ints.end(), value.ints[0]);
    ctx.set_constant(node.output(0), std::move(out));
}

// ---------------------------------------------------------------------- Shape, Gather, Slice

void parse_shape(Context& ctx, const Node& node) {
    node.expect_attributes({"start", "end"});
    std::vector<std::int64_t> dims;
    if (node.is_constant(0)) {
        dims = ctx.constant(node.input_name(0)).dims;
    } else {
        const MapRef x = node.map(0);
        if (!ctx.sizes_known())
            throw Unsupported("it reads the shape of a map whose size the model leaves open");
        const Shape s = ctx.shape(x);
        if (x.rank == 4)
            dims = {1, s.channels, s.height, s.width};
        else
            dims = {1, s.channels};
    }
    const auto rank = static_cast<std::int64_t>(dims.size());
    auto clamp_axis = [&](std::int64_t a) {
        if (a < 0)
            a += rank;
        return std::clamp<std::int64_t>(a, 0, rank);
    };
    const std::int64_t start = clamp_axis(node.int_attribute("start", 0));
    const std::int64_t end = clamp_axis(node.int_attribute("end", rank));
    Constant c;
    c.kind = Constant::Kind::Integer;
    c.onnx_type = onnx::TensorProto::INT64;
    for (std::int64_t i = start; i < end; ++i)
        c.ints.push_back(dims[static_cast<std::size_t>(i)]);
    c.dims = {static_cast<std::int64_t>(c.ints.size())};
    ctx.set_constant(node.output(0), std::move(c));
}

void parse_gather(Context& ctx, const Node& node) {
    node.expect_attributes({"axis"});
    const Constant& data = node.constant(0, "data");
    const Constant& indices = node.integers(1, "indices");
    const int rank = static_cast<int>(data.dims.size());
    if (rank == 0)
        throw ModelError("it gathers from a scalar");
    const int axis = normalized_axis(node.int_attribute("axis", 0), rank, "its axis");
    const std::int64_t extent = data.dims[static_cast<std::size_t>(axis)];
    std::vector<std::int64_t> dims(data.dims.begin(), data.dims.begin() + axis);
    dims.insert(dims.end(), indices.dims.begin(), indices.dims.end());
    dims.insert(dims.end(), data.dims.begin() + axis + 1, data.dims.end());
    Constant out = like(data, dims);
    const std::uint64_t outer = element_count({data.dims.begin(), data.dims.begin() + axis});
    const std::uint64_t inner = element_count({data.dims.begin() + axis + 1, data.dims.end()});
    std::size_t j = 0;
    for (std::uint64_t o = 0; o < outer; ++o)
        for (std::int64_t index : indices.ints) {
            if (index < 0)
                index += extent;
            if (index < 0 || index >= extent)
                throw ModelError("its index " + std::to_string(index) + " is outside an axis of " +
                                 std::to_string(extent));
            for (std::uint64_t i = 0; i < inner; ++i)
                copy_element(data,
                             static_cast<std::size_t>((o * static_cast<std::uint64_t>(extent) +
                                                       static_cast<std::uint64_t>(index)) *
                                                          inner +
                                                      i),
                             out, j++);
        }
    ctx.set_constant(node.output(0), std::move(out));
}

void parse_slice(Context& ctx, const Node& node) {
    node.expect_attributes({});
    const Constant& data = node.constant(0, "data");
    const auto& starts = int_values(node.constant(1, "starts"), "its starts");
    const auto& ends = int_values(node.constant(2, "ends"), "its ends");
    const int rank = static_cast<int>(data.dims.size());
    std::vector<std::int64_t> axes;
    if (node.has_input(3))
        axes = int_values(node.constant(3, "axes"), "its axes");
    else
        for (std::size_t i = 0; i < starts.size(); ++i)
            axes.push_back(static_cast<std::int64_t>(i));
    std::vector<std::int64_t> steps(starts.size(), 1);
    if (node.has_input(4))
        steps = int_values(node.constant(4, "steps"), "its steps");
    if (ends.size() != starts.size() || axes.size() != starts.size() ||
        steps.size() != starts.size())
        throw ModelError("its starts, ends, axes and steps differ in length");

    std::vector<std::int64_t> begin(static_cast<std::size_t>(rank), 0);
    std::vector<std::int64_t> step(static_cast<std::size_t>(rank), 1);
    std::vector<std::int64_t> dims = data.dims;
    for (std::size_t i = 0; i < starts.size(); ++i) {
        const int axis = normalized_axis(axes[i], rank, "its axis");
        const std::int64_t n = data.dims[static_cast<std::size_t>(axis)];
        const std::int64_t s = steps[i];
        if (s == 0)
            throw ModelError("its step is 0");
        auto clamp_index = [&](std::int64_t v, bool is_start) {
            if (v < 0)
                v += n; // n ≤ 2^32: no overflow even for INT64_MIN
            if (s > 0)
                return std::clamp<std::int64_t>(v, 0, n);
            return is_start ? std::clamp<std::int64_t>(v, 0, n - 1)
                            : std::clamp<std::int64_t>(v, -1, n - 1);
        };
        if (n == 0) {
            dims[static_cast<std::size_t>(axis)] = 0;
            continue;
        }
        const std::int64_t b = clamp_index(starts[i], true);
        const std::int64_t e = clamp_index(ends[i], false);
        const std::int64_t count = s > 0 ? std::max<std::int64_t>(0, (e - b + s - 1) / s)
                                         : std::max<std::int64_t>(0, (b - e + (-s) - 1) / (-s));
        begin[static_cast<std::size_t>(axis)] = b;
        step[static_cast<std::size_t>(axis)] = s;
        dims[static_cast<std::size_t>(axis)] = count;
    }
    Constant out = like(data, dims);
    const auto in_strides = strides_of(data.dims);
    const auto out_strides = strides_of(dims);
    const std::size_t n = out.elements();
    for (std::size_t j = 0; j < n; ++j) {
        std::uint64_t rest = j;
        std::uint64_t source = 0;
        for (int d = 0; d < rank; ++d) {
            const auto du = static_cast<std::size_t>(d);
            const std::uint64_t index = rest / out_strides[du];
            rest %= out_strides[du];
            source += static_cast<std::uint64_t>(begin[du] +
                                                 static_cast<std::int64_t>(index) * step[du]) *
                      in_strides[du];
        }
        copy_element(data, static_cast<std::size_t>(source), out, j);
    }
    ctx.set_constant(node.output(0), std::move(out));
}

void parse_transpose(Context& ctx, const Node& node) {
    node.expect_attributes({"perm"});
    const Constant& data = node.constant(0, "data");
    const int rank = static_cast<int>(data.dims.size());
    std::vector<std::int64_t> perm = node.ints_attribute("perm");
    if (perm.empty())
        for (int i = rank - 1; i >= 0; --i)
            perm.push_back(i);
    std::vector<std::int64_t> sorted = perm;
    std::sort(sorted.begin(), sorted.end());
    std::vector<std::int64_t> identity(static_cast<std::size_t>(rank));
    std::iota(identity.begin(), identity.end(), 0);
    if (sorted != identity)
        throw ModelError("its perm " + dims_text(perm) + " is not a permutation of the axes");
    std::vector<std::int64_t> dims;
    for (const std::int64_t p : perm)
        dims.push_back(data.dims[static_cast<std::size_t>(p)]);
    Constant out = like(data, dims);
    const auto in_strides = strides_of(data.dims);
    const auto out_strides = strides_of(dims);
    for (std::size_t j = 0; j < out.elements(); ++j) {
        std::uint64_t rest = j;
        std::uint64_t source = 0;
        for (int d = 0; d < rank; ++d) {
            const auto du = static_cast<std::size_t>(d);
            const std::uint64_t index = rest / out_strides[du];
            rest %= out_strides[du];
            source += index * in_strides[static_cast<std::size_t>(perm[du])];
        }
        copy_element(data, static_cast<std::size_t>(source), out, j);
    }
    ctx.set_constant(node.output(0), std::move(out));
}

// -------------------------------------------------------------- Cast, DequantizeLinear

bool is_float_type(std::int64_t t) {
    return t == onnx::TensorProto::FLOAT || t == onnx::TensorProto::FLOAT16 ||
           t == onnx::TensorProto::DOUBLE || t == onnx::TensorProto::BFLOAT16;
}

bool is_integer_type(std::int64_t t) {
    switch (t) {
    case onnx::TensorProto::INT8:
    case onnx::TensorProto::UINT8:
    case onnx::TensorProto::INT16:
    case onnx::TensorProto::UINT16:
    case onnx::TensorProto::INT32:
    case onnx::TensorProto::UINT32:
    case onnx::TensorProto::INT64:
    case onnx::TensorProto::UINT64:
    case onnx::TensorProto::BOOL:
        return true;
    default:
        return false;
    }
}

void parse_cast(Context& ctx, const Node& node) {
    node.expect_attributes({"to", "saturate"});
    const std::int64_t to = node.int_attribute("to", 0);
    const std::string to_name = data_type_name(static_cast<int>(to));
    if (node.is_map(0)) {
        // The layers compute in float32 whatever float type the model names.
        if (!is_float_type(to))
            throw Unsupported("it casts a map to " + to_name + "; ConvScope's maps are float32");
        const MapRef x = node.map(0);
        ctx.alias(node, x, x.rank);
        return;
    }
    const Constant& data = node.constant(0, "input");
    Constant out = data;
    out.onnx_type = static_cast<int>(to);
    if (is_float_type(to)) {
        if (!data.is_float()) {
            out.kind = Constant::Kind::Float;
            out.floats.assign(data.ints.begin(), data.ints.end());
            out.ints.clear();
        }
    } else if (is_integer_type(to)) {
        if (data.is_float()) {
            out.kind = Constant::Kind::Integer;
            out.ints.clear();
            for (const float f : data.floats) {
                if (!std::isfinite(f) || std::abs(f) > 9.2e18f)
                    throw ModelError("it casts " + std::to_string(f) + " to " + to_name);
                out.ints.push_back(to == onnx::TensorProto::BOOL
                                       ? static_cast<std::int64_t>(f != 0.0f)
                                       : static_cast<std::int64_t>(f));
            }
            out.floats.clear();
        }
    } else {
        throw Unsupported("it casts to " + to_name + ", which ConvScope cannot use");
    }
    ctx.set_constant(node.output(0), std::move(out));
}

// (q − zero_point) · scale, in float32 as ONNX defines it: int8 weights become the floats the
// model computes with, exactly.
void parse_dequantize_linear(Context& ctx, const Node& node) {
    node.expect_attributes({"axis"});
    if (node.is_map(0))
        throw Unsupported("it dequantizes a map computed from the image (quantized activations "
                          "cannot be represented in ConvScope's float32 layers)");
    const Constant& q = node.constant(0, "x");
    if (q.is_float())
        throw ModelError("its input '" + node.input_name(0) + "' holds floats, not integers");
    const Constant& scale = node.floats(1, "x_scale");
    const Constant* zero = node.has_input(2) ? &node.constant(2, "x_zero_point") : nullptr;
    if (zero && zero->is_float())
        throw ModelError("its zero point holds floats");
    const int rank = static_cast<int>(q.dims.size());
    const bool per_axis = scale.elements() != 1;
    int axis = 0;
    std::uint64_t inner = 1;
    if (per_axis) {
        axis = normalized_axis(node.int_attribute("axis", 1), std::max(rank, 1), "its axis");
        if (rank == 0 ||
            static_cast<std::uint64_t>(q.dims[static_cast<std::size_t>(axis)]) != scale.elements())
            throw ModelError("its scale has " + std::to_string(scale.elements()) +
                             " values for an axis of " +
                             (rank ? std::to_string(q.dims[static_cast<std::size_t>(axis)])
                                   : std::string("a scalar")));
        inner = element_count({q.dims.begin() + axis + 1, q.dims.end()});
    }
    if (zero && zero->elements() != scale.elements())
        throw ModelError("its zero point and scale differ in length");
    Constant out;
    out.dims = q.dims;
    out.floats.resize(q.ints.size());
    for (std::size_t i = 0; i < q.ints.size(); ++i) {
        const std::size_t k = per_axis ? (i / inner) % scale.elements() : 0;
        const std::int64_t z = zero ? zero->ints[k] : 0;
        // In double the difference is exact for every 8-, 16- and 32-bit value (and cannot
        // overflow for hostile 64-bit ones); it then rounds to float32 as ONNX's int32 would.
        const double difference = static_cast<double>(q.ints[i]) - static_cast<double>(z);
        out.floats[i] = static_cast<float>(difference) * scale.floats[k];
    }
    ctx.set_constant(node.output(0), std::move(out));
}

} // namespace

// ------------------------------------------------------------------------- shared folds

Constant reshaped(const Constant& data, std::vector<std::int64_t> dims) {
    if (element_count(dims) != data.elements())
        throw ModelError("it reshapes " + dims_text(data.dims) + " to " + dims_text(dims) +
                         ", which holds another number of elements");
    Constant out = data;
    out.dims = std::move(dims);
    return out;
}

std::vector<std::int64_t> reshape_target(const std::vector<std::int64_t>& from,
                                         const std::vector<std::int64_t>& shape, bool allowzero) {
    std::uint64_t total = 1;
    for (const std::int64_t d : from)
        total *= static_cast<std::uint64_t>(d);
    std::vector<std::int64_t> dims = shape;
    int infer = -1;
    std::uint64_t known = 1;
    for (std::size_t i = 0; i < dims.size(); ++i) {
        if (dims[i] == 0 && !allowzero) {
            if (i >= from.size())
                throw ModelError("its shape copies dimension " + std::to_string(i) +
                                 " of a tensor of rank " + std::to_string(from.size()));
            dims[i] = from[i];
        }
        if (dims[i] == -1) {
            if (infer >= 0)
                throw ModelError("its shape " + dims_text(shape) + " has more than one -1");
            infer = static_cast<int>(i);
            continue;
        }
        if (dims[i] < 0)
            throw ModelError("its shape " + dims_text(shape) + " has a negative dimension");
        known *= static_cast<std::uint64_t>(dims[i]);
        if (known > (std::uint64_t{1} << 62))
            throw ModelError("its shape " + dims_text(shape) + " is too large");
    }
    if (infer >= 0) {
        if (known == 0 || total % known != 0)
            throw ModelError("its shape " + dims_text(shape) + " does not divide " +
                             dims_text(from));
        dims[static_cast<std::size_t>(infer)] = static_cast<std::int64_t>(total / known);
    }
    return dims;
}

std::vector<std::int64_t> unsqueezed_dims(const std::vector<std::int64_t>& dims,
                                          const std::vector<std::int64_t>& axes) {
    const int rank = static_cast<int>(dims.size() + axes.size());
    std::vector<bool> inserted(static_cast<std::size_t>(rank), false);
    for (const std::int64_t a : axes) {
        const int axis = normalized_axis(a, rank, "its axis");
        if (inserted[static_cast<std::size_t>(axis)])
            throw ModelError("its axes repeat " + std::to_string(axis));
        inserted[static_cast<std::size_t>(axis)] = true;
    }
    std::vector<std::int64_t> out;
    std::size_t next = 0;
    for (int i = 0; i < rank; ++i)
        out.push_back(inserted[static_cast<std::size_t>(i)] ? 1 : dims[next++]);
    return out;
}

std::vector<std::int64_t> squeezed_dims(const std::vector<std::int64_t>& dims,
                                        const std::vector<std::int64_t>& axes) {
    const int rank = static_cast<int>(dims.size());
    std::vector<bool> drop(dims.size(), false);
    if (axes.empty()) {
        for (std::size_t i = 0; i < dims.size(); ++i)
            drop[i] = dims[i] == 1;
    } else {
        for (const std::int64_t a : axes) {
            const int axis = normalized_axis(a, rank, "its axis");
            if (dims[static_cast<std::size_t>(axis)] != 1)
                throw ModelError("it squeezes axis " + std::to_string(axis) + " of size " +
                                 std::to_string(dims[static_cast<std::size_t>(axis)]));
            drop[static_cast<std::size_t>(axis)] = true;
        }
    }
    std::vector<std::int64_t> out;
    for (std::size_t i = 0; i < dims.size(); ++i)
        if (!drop[i])
            out.push_back(dims[i]);
    return out;
}

Constant fold_elementwise(const Node& node, char op) {
    const Constant& a = node.constant(0, "A");
    const Constant& b = node.constant(1, "B");
    if (a.kind != b.kind)
        throw ModelError("it combines floats with integers");
    const std::size_t rank = std::max(a.dims.size(), b.dims.size());
    std::vector<std::int64_t> dims(rank);
    auto dim = [rank](const Constant& c, std::size_t i) -> std::int64_t {
        const std::size_t offset = rank - c.dims.size();
        return i < offset ? 1 : c.dims[i - offset];
    };
    for (std::size_t i = 0; i < rank; ++i) {
        const std::int64_t da = dim(a, i);
        const std::int64_t db = dim(b, i);
        if (da != db && da != 1 && db != 1)
            throw ModelError("its inputs " + dims_text(a.dims) + " and " + dims_text(b.dims) +
                             " do not broadcast");
        dims[i] = da == 1 ? db : da;
    }
    if (element_count(dims) >
        std::max<std::uint64_t>({a.elements(), b.elements(), kMaxGeneratedElements}))
        throw Unsupported("it broadcasts constants " + dims_text(a.dims) + " and " +
                          dims_text(b.dims) + " into one larger than ConvScope folds");
    Constant out = like(a, dims);
    const auto out_strides = strides_of(dims);
    auto source = [&](const Constant& c, std::uint64_t j) {
        std::uint64_t index = 0;
        std::uint64_t stride = 1;
        for (std::size_t i = rank; i-- > 0;) {
            const std::uint64_t coordinate =
                (j / out_strides[i]) % static_cast<std::uint64_t>(dims[i] ? dims[i] : 1);
            const std::int64_t d = dim(c, i);
            if (d != 1)
                index += coordinate * stride;
            stride *= static_cast<std::uint64_t>(d);
        }
        return static_cast<std::size_t>(index);
    };
    for (std::size_t j = 0; j < out.elements(); ++j) {
        const std::size_t ia = source(a, j);
        const std::size_t ib = source(b, j);
        if (out.is_float()) {
            const float x = a.floats[ia];
            const float y = b.floats[ib];
            out.floats[j] = op == '+' ? x + y : op == '-' ? x - y : op == '*' ? x * y : x / y;
        } else {
            const std::int64_t x = a.ints[ia];
            const std::int64_t y = b.ints[ib];
            std::int64_t r = 0;
            bool overflow = false;
            switch (op) {
            case '+':
                overflow = __builtin_add_overflow(x, y, &r);
                break;
            case '-':
                overflow = __builtin_sub_overflow(x, y, &r);
                break;
            case '*':
                overflow = __builtin_mul_overflow(x, y, &r);
                break;
            default:
                if (y == 0)
                    throw ModelError("it divides an integer by zero");
                overflow = x == std::numeric_limits<std::int64_t>::min() && y == -1;
                r = overflow ? 0 : x / y;
            }
            if (overflow)
                throw ModelError("its integer arithmetic overflows");
            out.ints[j] = r;
        }
    }
    return out;
}

Constant fold_concat(const Node& node) {
    std::vector<const Constant*> parts;
    for (int k = 0; k < node.input_count(); ++k)
        if (node.has_input(k))
            parts.push_back(&node.constant(k, "input"));
    if (parts.empty())
        throw ModelError("it has no inputs");
    const Constant& first = *parts[0];
    const int rank = static_cast<int>(first.dims.size());
    if (rank == 0)
        throw ModelError("it concatenates scalars");
    const int axis = normalized_axis(node.int_attribute("axis", 0), rank, "its axis");
    std::vector<std::int64_t> dims = first.dims;
    dims[static_cast<std::size_t>(axis)] = 0;
    for (const Constant* p : parts) {
        if (p->kind != first.kind || static_cast<int>(p->dims.size()) != rank)
            throw ModelError("its inputs differ in type or rank");
        for (int d = 0; d < rank; ++d)
            if (d != axis &&
                p->dims[static_cast<std::size_t>(d)] != first.dims[static_cast<std::size_t>(d)])
                throw ModelError("its inputs " + dims_text(first.dims) + " and " +
                                 dims_text(p->dims) + " differ off the axis");
        dims[static_cast<std::size_t>(axis)] += p->dims[static_cast<std::size_t>(axis)];
    }
    Constant out = like(first, dims);
    const std::uint64_t outer = element_count({dims.begin(), dims.begin() + axis});
    std::size_t j = 0;
    for (std::uint64_t o = 0; o < outer; ++o)
        for (const Constant* p : parts) {
            const std::uint64_t block = element_count({p->dims.begin() + axis, p->dims.end()});
            for (std::uint64_t i = 0; i < block; ++i)
                copy_element(*p, static_cast<std::size_t>(o * block + i), out, j++);
        }
    return out;
}

void add_constant_ops(OpTable& table) {
    table["Constant"] = &parse_constant;
    table["ConstantOfShape"] = &parse_constant_of_shape;
    table["Shape"] = &parse_shape;
    table["Gather"] = &parse_gather;
    table["Slice"] = &parse_slice;
    table["Transpose"] = &parse_transpose;
    table["Cast"] = &parse_cast;
    table["DequantizeLinear"] = &parse_dequantize_linear;
}

} // namespace convscope::onnx_import
