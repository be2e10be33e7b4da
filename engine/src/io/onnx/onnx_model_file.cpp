#include "onnx_model_file.hpp"
#include "onnx_errors.hpp"
#include "onnx_tensor.hpp"

#include "convscope/onnx_import.hpp"

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>
#include <google/protobuf/stubs/logging.h>

#include <filesystem>
#include <fstream>
#include <limits>
#include <mutex>

namespace convscope::onnx_import {

namespace fs = std::filesystem;

namespace {

// protobuf reports some parse failures on its log (stderr); keep the first line for our message
// instead. The handler is process-wide, so parses take turns.
std::mutex log_mutex;
std::string* captured_log = nullptr;

void capture_log(google::protobuf::LogLevel, const char*, int, const std::string& message) {
    if (captured_log && captured_log->empty())
        *captured_log = message;
}

class LogCapture {
public:
    explicit LogCapture(std::string& into) : lock_(log_mutex) {
        captured_log = &into;
        previous_ = google::protobuf::SetLogHandler(&capture_log);
    }
    ~LogCapture() {
        google::protobuf::SetLogHandler(previous_);
        captured_log = nullptr;
    }
    LogCapture(const LogCapture&) = delete;
    LogCapture& operator=(const LogCapture&) = delete;

private:
    std::lock_guard<std::mutex> lock_;
    google::protobuf::LogHandler* previous_ = nullptr;
};

std::string megabytes(std::uint64_t bytes) {
    return std::to_string(bytes / (1024 * 1024)) + " MB";
}

} // namespace

std::vector<std::uint8_t> read_model_file(const std::string& path) {
    std::error_code ec;
    const auto status = fs::status(path, ec);
    if (ec || !fs::exists(status))
        throw ModelError("no such file");
    if (!fs::is_regular_file(status))
        throw ModelError("not a regular file");
    const std::uintmax_t size = fs::file_size(path, ec);
    if (ec)
        throw ModelError("cannot read its size (" + ec.message() + ")");
    if (size == 0)
        throw ModelError("the file is empty, not an ONNX model");
    if (size > kMaxOnnxModelBytes)
        throw ModelError("the file has " + megabytes(size) + "; ConvScope reads models of up to " +
                         megabytes(kMaxOnnxModelBytes));
    std::vector<std::uint8_t> bytes(static_cast<std::size_t>(size));
    std::ifstream in(path, std::ios::binary);
    if (!in ||
        !in.read(reinterpret_cast<char*>(bytes.data()), static_cast<std::streamsize>(bytes.size())))
        throw ModelError("cannot be read");
    return bytes;
}

onnx::ModelProto parse_model(std::span<const std::uint8_t> bytes) {
    if (bytes.empty())
        throw ModelError("the file is empty, not an ONNX model");
    if (bytes.size() > kMaxOnnxModelBytes)
        throw ModelError("the model has " + megabytes(bytes.size()) +
                         "; ConvScope reads models of up to " + megabytes(kMaxOnnxModelBytes));
    onnx::ModelProto model;
    std::string log;
    bool parsed = false;
    {
        const LogCapture capture(log);
        google::protobuf::io::ArrayInputStream stream(bytes.data(), static_cast<int>(bytes.size()));
        google::protobuf::io::CodedInputStream coded(&stream);
        // Nothing in the message may claim more bytes than the file has; graphs nest (If, Loop
        // bodies) but not deeply in any real model.
        coded.SetTotalBytesLimit(static_cast<int>(bytes.size()));
        coded.SetRecursionLimit(64);
        parsed = model.ParseFromCodedStream(&coded) && coded.ConsumedEntireMessage();
    }
    if (!parsed)
        throw ModelError("not an ONNX model (the file does not parse as one: truncated, or " +
                         std::string(log.empty() ? "another kind of file" : log) + ")");
    if (!model.has_graph() || (model.graph().node_size() == 0 && model.graph().input_size() == 0 &&
                               model.graph().output_size() == 0))
        throw ModelError("not an ONNX model (it parses, but holds no graph)");
    if (model.ir_version() <= 0 || model.ir_version() > 100)
        throw ModelError("not an ONNX model (ir_version " + std::to_string(model.ir_version()) +
                         " is not one ONNX has defined)");
    return model;
}

namespace {

struct ExternalRef {
    std::string location;
    std::uint64_t offset = 0;
    bool has_length = false;
    std::uint64_t length = 0;
};

std::uint64_t parse_count(const std::string& text, const std::string& what) {
    if (text.empty() || text.size() > 19 ||
        text.find_first_not_of("0123456789") != std::string::npos)
        throw ModelError(what + " is not a byte count (\"" + text.substr(0, 40) + "\")");
    return std::stoull(text);
}

ExternalRef external_ref(const onnx::TensorProto& tensor, const std::string& what) {
    ExternalRef ref;
    for (const auto& entry : tensor.external_data()) {
        if (entry.key() == "location")
            ref.location = entry.value();
        else if (entry.key() == "offset")
            ref.offset = parse_count(entry.value(), what + ": external data offset");
        else if (entry.key() == "length") {
            ref.length = parse_count(entry.value(), what + ": external data length");
            ref.has_length = true;
        }
    }
    if (ref.location.empty())
        throw ModelError(what + " keeps its data in an external file but names none");
    return ref;
}

// The file `location` names, inside `dir`; refuses anything that would leave it.
fs::path resolve_inside(const std::string& dir, const std::string& location,
                        const std::string& what) {
    const fs::path relative(location);
    if (relative.is_absolute() || relative.has_root_name() || relative.has_root_directory())
        throw ModelError(what + ": the external data location '" + location +
                         "' is an absolute path; ConvScope reads external data only from the "
                         "model's folder");
    for (const auto& part : relative)
        if (part == "..")
            throw ModelError(what + ": the external data location '" + location +
                             "' leaves the model's folder; ConvScope reads external data only "
                             "from there");
    std::error_code ec;
    const fs::path base = fs::canonical(dir.empty() ? "." : dir, ec);
    if (ec)
        throw ModelError(what + ": the model's folder cannot be read (" + ec.message() + ")");
    const fs::path target = fs::weakly_canonical(base / relative, ec);
    if (ec)
        throw ModelError(what + ": external data file '" + location + "' cannot be found (" +
                         ec.message() + ")");
    // A symbolic link inside the folder may still point out of it.
    const auto [base_end, target_it] =
        std::mismatch(base.begin(), base.end(), target.begin(), target.end());
    if (base_end != base.end())
        throw ModelError(what + ": the external data file '" + location +
                         "' lies outside the model's folder; ConvScope reads external data only "
                         "from there");
    (void)target_it;
    return target;
}

} // namespace

void load_external_data(onnx::ModelProto& model, const std::string& dir) {
    std::uint64_t total = 0;
    for (auto& tensor : *model.mutable_graph()->mutable_initializer()) {
        if (tensor.data_location() != onnx::TensorProto::EXTERNAL)
            continue;
        const std::string what = "initializer '" + tensor.name() + "'";
        if (dir.empty())
            throw ModelError(what + " keeps its data in an external file, which cannot be read "
                                    "for a model given as bytes");
        check_tensor_data(tensor, what); // its dims and type, before anything is read
        const ExternalRef ref = external_ref(tensor, what);
        const std::size_t item = data_type_size(tensor.data_type());
        if (item == 0)
            throw ModelError(what + " keeps " + data_type_name(tensor.data_type()) +
                             " values in an external file, which ONNX does not allow");
        const std::uint64_t needed = checked_elements(tensor.dims(), what) * item;
        if (ref.has_length && ref.length != needed)
            throw ModelError(what + " declares " + std::to_string(needed) +
                             " bytes of data, but its external data length is " +
                             std::to_string(ref.length));
        const fs::path file = resolve_inside(dir, ref.location, what);
        std::error_code ec;
        if (!fs::is_regular_file(file, ec))
            throw ModelError(what + ": external data file '" + ref.location +
                             "' does not exist beside the model");
        const std::uintmax_t size = fs::file_size(file, ec);
        if (ec)
            throw ModelError(what + ": external data file '" + ref.location + "' cannot be read (" +
                             ec.message() + ")");
        if (ref.offset > size || needed > size - ref.offset)
            throw ModelError(what + ": external data file '" + ref.location + "' holds " +
                             std::to_string(size) + " bytes; the tensor needs " +
                             std::to_string(needed) + " from offset " + std::to_string(ref.offset));
        total += needed;
        if (total > kMaxOnnxModelBytes)
            throw ModelError("the external data files hold more than " +
                             megabytes(kMaxOnnxModelBytes) + ", the most ConvScope reads");
        std::string data(static_cast<std::size_t>(needed), '\0');
        std::ifstream in(file, std::ios::binary);
        in.seekg(static_cast<std::streamoff>(ref.offset));
        if (!in || !in.read(data.data(), static_cast<std::streamsize>(needed)))
            throw ModelError(what + ": external data file '" + ref.location + "' cannot be read");
        tensor.set_raw_data(std::move(data));
        tensor.clear_external_data();
        tensor.set_data_location(onnx::TensorProto::DEFAULT);
        tensor.clear_float_data(); // raw data only, as check_tensor_data expects
    }
}

} // namespace convscope::onnx_import
