#include "onnx_tensor.hpp"
#include "onnx_errors.hpp"

#include <cmath>
#include <cstring>

namespace convscope::onnx_import {

using onnx::TensorProto;

std::size_t Constant::elements() const {
    return kind == Kind::Float ? floats.size() : ints.size();
}

double Constant::value(std::size_t i) const {
    return kind == Kind::Float ? static_cast<double>(floats[i]) : static_cast<double>(ints[i]);
}

std::uint64_t checked_elements(const google::protobuf::RepeatedField<std::int64_t>& dims,
                               const std::string& what) {
    std::uint64_t n = 1;
    for (const std::int64_t d : dims) {
        if (d < 0)
            throw ModelError(what + " has a negative dimension (" + std::to_string(d) + ")");
        if (d != 0 && n > kMaxTensorElements / static_cast<std::uint64_t>(d))
            throw ModelError(what + " declares more than " + std::to_string(kMaxTensorElements) +
                             " elements");
        n *= static_cast<std::uint64_t>(d);
    }
    return n;
}

std::string data_type_name(int onnx_type) {
    if (onnx::TensorProto_DataType_IsValid(onnx_type))
        return onnx::TensorProto_DataType_Name(static_cast<TensorProto::DataType>(onnx_type));
    return "type " + std::to_string(onnx_type);
}

std::size_t data_type_size(int onnx_type) {
    switch (onnx_type) {
    case TensorProto::BOOL:
    case TensorProto::INT8:
    case TensorProto::UINT8:
        return 1;
    case TensorProto::INT16:
    case TensorProto::UINT16:
    case TensorProto::FLOAT16:
    case TensorProto::BFLOAT16:
        return 2;
    case TensorProto::INT32:
    case TensorProto::UINT32:
    case TensorProto::FLOAT:
        return 4;
    case TensorProto::INT64:
    case TensorProto::UINT64:
    case TensorProto::DOUBLE:
    case TensorProto::COMPLEX64:
        return 8;
    case TensorProto::COMPLEX128:
        return 16;
    default:
        return 0;
    }
}

namespace {

std::string dims_of(const TensorProto& tensor) {
    return dims_text({tensor.dims().begin(), tensor.dims().end()});
}

// How many values the typed field of `tensor`'s type holds (each complex value takes two).
std::uint64_t typed_field_count(const TensorProto& tensor, std::uint64_t& per_element) {
    per_element = 1;
    switch (tensor.data_type()) {
    case TensorProto::FLOAT:
        return static_cast<std::uint64_t>(tensor.float_data_size());
    case TensorProto::COMPLEX64:
        per_element = 2;
        return static_cast<std::uint64_t>(tensor.float_data_size());
    case TensorProto::DOUBLE:
        return static_cast<std::uint64_t>(tensor.double_data_size());
    case TensorProto::COMPLEX128:
        per_element = 2;
        return static_cast<std::uint64_t>(tensor.double_data_size());
    case TensorProto::INT64:
        return static_cast<std::uint64_t>(tensor.int64_data_size());
    case TensorProto::UINT32:
    case TensorProto::UINT64:
        return static_cast<std::uint64_t>(tensor.uint64_data_size());
    case TensorProto::STRING:
        return static_cast<std::uint64_t>(tensor.string_data_size());
    default: // the 8-, 16- and 32-bit types are stored one per int32
        return static_cast<std::uint64_t>(tensor.int32_data_size());
    }
}

std::uint16_t u16_at(const std::string& raw, std::size_t i) {
    std::uint16_t v;
    std::memcpy(&v, raw.data() + 2 * i, 2); // ONNX raw data is little-endian, as is this machine
    return v;
}

template <typename T> T raw_at(const std::string& raw, std::size_t i) {
    T v;
    std::memcpy(&v, raw.data() + sizeof(T) * i, sizeof(T));
    return v;
}

} // namespace

std::string dims_text(const std::vector<std::int64_t>& dims) {
    std::string text = "[";
    for (std::size_t i = 0; i < dims.size(); ++i) {
        if (i)
            text += ", ";
        text += std::to_string(dims[i]);
    }
    return text + "]";
}

void check_tensor_data(const TensorProto& tensor, const std::string& what) {
    const std::uint64_t n = checked_elements(tensor.dims(), what);
    if (!onnx::TensorProto_DataType_IsValid(tensor.data_type()) ||
        tensor.data_type() == TensorProto::UNDEFINED)
        throw ModelError(what + " has no valid element type (" +
                         std::to_string(tensor.data_type()) + ")");
    if (tensor.data_location() == TensorProto::EXTERNAL)
        return; // checked against its file when the file is read
    const std::size_t size = data_type_size(tensor.data_type());
    if (!tensor.raw_data().empty()) {
        if (size == 0)
            throw ModelError(what + " stores " + data_type_name(tensor.data_type()) +
                             " values as raw bytes, which ONNX does not allow");
        const std::uint64_t expected = n * size; // n ≤ 2^32, size ≤ 16: no overflow
        if (tensor.raw_data().size() != expected)
            throw ModelError(what + " declares " + dims_of(tensor) + " " +
                             data_type_name(tensor.data_type()) + " (" + std::to_string(expected) +
                             " bytes) but holds " + std::to_string(tensor.raw_data().size()) +
                             " bytes");
        return;
    }
    std::uint64_t per_element = 1;
    const std::uint64_t count = typed_field_count(tensor, per_element);
    if (count != n * per_element)
        throw ModelError(what + " declares " + dims_of(tensor) + " " +
                         data_type_name(tensor.data_type()) + " (" + std::to_string(n) +
                         " values) but holds " + std::to_string(count / per_element));
}

float half_to_float(std::uint16_t h) {
    const std::uint32_t sign = static_cast<std::uint32_t>(h & 0x8000u) << 16;
    const std::uint32_t exponent = (h >> 10) & 0x1fu;
    std::uint32_t mantissa = h & 0x3ffu;
    std::uint32_t bits;
    if (exponent == 0x1f) {
        bits = sign | 0x7f800000u | (mantissa << 13); // inf, NaN
    } else if (exponent != 0) {
        bits = sign | ((exponent + 112u) << 23) | (mantissa << 13);
    } else if (mantissa == 0) {
        bits = sign; // ±0
    } else {
        // Subnormal half: normalise it (every half subnormal is a normal float).
        int e = -1;
        do {
            ++e;
            mantissa <<= 1;
        } while ((mantissa & 0x400u) == 0);
        bits = sign | (static_cast<std::uint32_t>(112 - e) << 23) | ((mantissa & 0x3ffu) << 13);
    }
    float f;
    std::memcpy(&f, &bits, sizeof f);
    return f;
}

float bfloat16_to_float(std::uint16_t b) {
    const std::uint32_t bits = static_cast<std::uint32_t>(b) << 16;
    float f;
    std::memcpy(&f, &bits, sizeof f);
    return f;
}

Constant decode_tensor(const TensorProto& tensor, const std::string& what, std::size_t& inexact) {
    check_tensor_data(tensor, what);
    if (tensor.data_location() == TensorProto::EXTERNAL)
        throw ModelError(what + " keeps its data in an external file, which was not read");
    Constant c;
    c.dims.assign(tensor.dims().begin(), tensor.dims().end());
    c.onnx_type = tensor.data_type();
    c.name = tensor.name();
    const std::size_t n = checked_elements(tensor.dims(), what);
    const std::string& raw = tensor.raw_data();
    const bool is_raw = !raw.empty();

    switch (tensor.data_type()) {
    case TensorProto::FLOAT:
        c.kind = Constant::Kind::Float;
        c.floats.resize(n);
        if (is_raw)
            std::memcpy(c.floats.data(), raw.data(), n * sizeof(float));
        else
            std::copy(tensor.float_data().begin(), tensor.float_data().end(), c.floats.begin());
        return c;
    case TensorProto::FLOAT16:
    case TensorProto::BFLOAT16: {
        const bool half = tensor.data_type() == TensorProto::FLOAT16;
        c.kind = Constant::Kind::Float;
        c.floats.resize(n);
        for (std::size_t i = 0; i < n; ++i) {
            const auto bits =
                is_raw ? u16_at(raw, i)
                       : static_cast<std::uint16_t>(tensor.int32_data(static_cast<int>(i)));
            c.floats[i] = half ? half_to_float(bits) : bfloat16_to_float(bits);
        }
        return c;
    }
    case TensorProto::DOUBLE:
        c.kind = Constant::Kind::Float;
        c.floats.resize(n);
        for (std::size_t i = 0; i < n; ++i) {
            const double d =
                is_raw ? raw_at<double>(raw, i) : tensor.double_data(static_cast<int>(i));
            c.floats[i] = static_cast<float>(d);
            if (static_cast<double>(c.floats[i]) != d && !std::isnan(d))
                ++inexact;
        }
        return c;
    case TensorProto::INT64:
        c.kind = Constant::Kind::Integer;
        c.ints.resize(n);
        if (is_raw)
            std::memcpy(c.ints.data(), raw.data(), n * sizeof(std::int64_t));
        else
            std::copy(tensor.int64_data().begin(), tensor.int64_data().end(), c.ints.begin());
        return c;
    case TensorProto::UINT64:
    case TensorProto::UINT32:
        c.kind = Constant::Kind::Integer;
        c.ints.resize(n);
        for (std::size_t i = 0; i < n; ++i) {
            const std::uint64_t v =
                is_raw ? (tensor.data_type() == TensorProto::UINT32 ? raw_at<std::uint32_t>(raw, i)
                                                                    : raw_at<std::uint64_t>(raw, i))
                       : tensor.uint64_data(static_cast<int>(i));
            c.ints[i] = static_cast<std::int64_t>(v);
        }
        return c;
    case TensorProto::INT32:
    case TensorProto::INT16:
    case TensorProto::UINT16:
    case TensorProto::INT8:
    case TensorProto::UINT8:
    case TensorProto::BOOL:
        c.kind = Constant::Kind::Integer;
        c.ints.resize(n);
        for (std::size_t i = 0; i < n; ++i) {
            std::int64_t v;
            if (!is_raw) {
                v = tensor.int32_data(static_cast<int>(i));
            } else {
                switch (tensor.data_type()) {
                case TensorProto::INT32:
                    v = raw_at<std::int32_t>(raw, i);
                    break;
                case TensorProto::INT16:
                    v = raw_at<std::int16_t>(raw, i);
                    break;
                case TensorProto::UINT16:
                    v = raw_at<std::uint16_t>(raw, i);
                    break;
                case TensorProto::INT8:
                    v = raw_at<std::int8_t>(raw, i);
                    break;
                default:
                    v = raw_at<std::uint8_t>(raw, i);
                    break; // UINT8, BOOL
                }
            }
            // The int32 field holds 8- and 16-bit values widened; keep them in their range.
            if (tensor.data_type() == TensorProto::INT8)
                v = static_cast<std::int8_t>(v);
            else if (tensor.data_type() == TensorProto::UINT8 ||
                     tensor.data_type() == TensorProto::BOOL)
                v = static_cast<std::uint8_t>(v);
            else if (tensor.data_type() == TensorProto::INT16)
                v = static_cast<std::int16_t>(v);
            else if (tensor.data_type() == TensorProto::UINT16)
                v = static_cast<std::uint16_t>(v);
            c.ints[i] = v;
        }
        return c;
    default:
        throw Unsupported(what + " holds " + data_type_name(tensor.data_type()) +
                          " values, which ConvScope cannot use");
    }
}

} // namespace convscope::onnx_import
