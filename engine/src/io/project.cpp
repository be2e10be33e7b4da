// Project files, read as strictly as pipeline files: every field known and typed, and every
// error one line naming the field. The pipeline inside is parsed by the pipeline parser itself,
// so a project's pipeline and a pipeline file can never drift apart.

#include "convscope/project.hpp"
#include "convscope/image_io.hpp"
#include "convscope/memory_budget.hpp"
#include "convscope/pipeline_json.hpp"

#include "json_reading.hpp"
#include "mapped_file.hpp"

#include <nlohmann/json.hpp>

#include <array>
#include <filesystem>
#include <fstream>
#include <optional>
#include <set>
#include <span>
#include <sstream>
#include <string_view>

namespace convscope {

namespace {

namespace fs = std::filesystem;
using json = nlohmann::ordered_json;
using json_reading::describe;

constexpr const char* kFormat = "convscope-project";
constexpr int kVersion = 1;

constexpr char kBase64Alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

[[noreturn]] void fail(const std::string& field, const std::string& what) {
    throw ProjectError(field, field.empty() ? what : "field \"" + field + "\": " + what);
}

void reject_unknown_fields(const json& object, const std::set<std::string>& allowed,
                           const std::string& prefix) {
    for (auto it = object.begin(); it != object.end(); ++it)
        if (!allowed.count(it.key())) {
            std::string list;
            for (const std::string& name : allowed)
                list += (list.empty() ? "" : ", ") + name;
            fail(prefix + json_reading::shortened(it.key()),
                 "unknown field (allowed here: " + list + ")");
        }
}

const std::string& read_string(const json& value, const std::string& field) {
    if (!value.is_string())
        fail(field, "expected a string, got " + describe(value));
    return value.get_ref<const std::string&>();
}

// "a/b/../c.png" → "a/c.png"; relative paths are taken from `base`.
fs::path absolute_normal(const fs::path& path, const fs::path& base) {
    const fs::path joined = path.is_absolute() ? path : fs::absolute(base) / path;
    return joined.lexically_normal();
}

// The image path as stored: relative to the project's folder when that can be expressed.
std::string relative_to(const std::string& path, const std::string& dir) {
    const fs::path target = absolute_normal(path, fs::current_path());
    const fs::path base = absolute_normal(dir.empty() ? "." : dir, fs::current_path());
    const fs::path relative = target.lexically_relative(base);
    return relative.empty() ? target.generic_string() : relative.generic_string();
}

void read_image(const json& image, const std::string& project_dir, Project& project) {
    if (!image.is_object())
        fail("image", "expected an object like {\"path\": \"photo.png\"}, got " + describe(image));
    reject_unknown_fields(image, {"path", "name", "embedded"}, "image.");
    if (auto it = image.find("path"); it != image.end()) {
        const std::string& path = read_string(*it, "image.path");
        if (path.empty())
            fail("image.path", "must not be empty");
        if (path.find('\0') != std::string::npos)
            fail("image.path", "contains a NUL character, which no file name can hold");
        // A project names an image and nothing else: whatever its path, ConvScope only ever
        // decodes it as an image, so a downloaded project cannot point it at other files.
        if (!is_readable_image_name(path))
            fail("image.path", json_reading::quoted(path) +
                                   " is not an image file name (ConvScope reads .png, .jpg, "
                                   ".tif, .bmp, .webp, .pnm, .npy and the like)");
        project.image_path = absolute_normal(path, project_dir).string();
    }
    if (auto it = image.find("name"); it != image.end()) {
        project.image_name = read_string(*it, "image.name");
        if (project.image_name.find('\0') != std::string::npos)
            fail("image.name", "contains a NUL character, which no file name can hold");
    }
    if (auto it = image.find("embedded"); it != image.end()) {
        try {
            project.embedded_image = base64_decode(read_string(*it, "image.embedded"));
        } catch (const std::invalid_argument& e) {
            fail("image.embedded", std::string("not valid base64: ") + e.what());
        }
        if (project.embedded_image.empty())
            fail("image.embedded", "holds no bytes");
    }
    if (project.image_path.empty() && !project.has_embedded_image())
        fail("image", "needs \"path\" (the image file, relative to the project) or \"embedded\"");
    if (project.image_name.empty() && !project.image_path.empty())
        project.image_name = fs::path(project.image_path).filename().string();
}

std::vector<std::uint8_t> read_bytes(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::error_code ec;
    if (!in || fs::is_directory(path, ec))
        throw IoError(path + ": cannot open the image to embed (missing or unreadable)");
    std::ostringstream bytes;
    bytes << in.rdbuf();
    const std::string text = bytes.str();
    if (text.empty())
        throw IoError(path + ": the file is empty");
    return {text.begin(), text.end()};
}

} // namespace

ProjectError::ProjectError(std::string field, const std::string& message)
    : std::runtime_error(message), field_(std::move(field)) {}

Project make_project(const std::string& image_path, const Pipeline& pipeline, bool embed) {
    Project project;
    project.pipeline = pipeline;
    project.image_path = absolute_normal(image_path, fs::current_path()).string();
    project.image_name = fs::path(project.image_path).filename().string();
    std::error_code ec;
    if (!fs::exists(project.image_path, ec))
        throw IoError(image_path + ": no such file");
    if (embed)
        project.embedded_image = read_bytes(project.image_path);
    return project;
}

namespace {

Project parse_project_text(std::string_view json_text, const std::string& project_dir) {
    json doc;
    try {
        doc = json_reading::parse(json_text);
    } catch (const json_reading::JsonError& e) {
        fail("", e.what());
    }
    if (!doc.is_object())
        fail("", "expected a JSON object with \"format\": \"" + std::string(kFormat) + "\"");

    const auto format = doc.find("format");
    if (format == doc.end() || !format->is_string() || format->get<std::string>() != kFormat)
        fail("format", "expected \"" + std::string(kFormat) + "\", got " +
                           (format == doc.end() ? std::string("nothing") : describe(*format)));
    const auto version = doc.find("version");
    if (version == doc.end() || !version->is_number_integer() ||
        version->get<long long>() != kVersion)
        fail("version", "this ConvScope reads version " + std::to_string(kVersion) +
                            ", the file has " +
                            (version == doc.end()           ? std::string("none")
                             : version->is_number_integer() ? version->dump()
                                                            : describe(*version)));
    // After format and version: a pipeline file given as a project is told so first.
    reject_unknown_fields(doc, {"format", "version", "image", "pipeline", "view"}, "");

    Project project;
    const auto pipeline = doc.find("pipeline");
    if (pipeline == doc.end())
        fail("pipeline", "missing (the pipeline object, as in a pipeline file)");
    if (!pipeline->is_object())
        fail("pipeline", "expected a pipeline object, got " + describe(*pipeline));
    try {
        project.pipeline = parse_pipeline(pipeline->dump());
    } catch (const PipelineError& e) {
        fail("pipeline", e.what());
    }

    const auto image = doc.find("image");
    if (image == doc.end())
        fail("image", "missing (an object with the image's \"path\")");
    read_image(*image, project_dir, project);

    if (auto view = doc.find("view"); view != doc.end()) {
        if (!view->is_object())
            fail("view", "expected an object, got " + describe(*view));
        project.view_json = view->dump();
    }
    return project;
}

} // namespace

Project parse_project(const std::string& json_text, const std::string& project_dir) {
    return parse_project_text(json_text, project_dir);
}

Project load_project(const std::string& path) {
    // Mapped, not streamed: only a regular file of known size is read.
    std::optional<MappedFile> file;
    try {
        file.emplace(path);
    } catch (const IoError& e) {
        throw IoError(std::string(e.what()) + " (the project file)");
    }
    const std::span<const std::uint8_t> bytes = file->bytes();
    const std::string dir = absolute_normal(path, fs::current_path()).parent_path().string();
    try {
        return parse_project_text(
            std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()), dir);
    } catch (const ProjectError& e) {
        throw ProjectError(e.field(), path + ": " + e.what());
    } catch (const MemoryError& e) {
        throw MemoryError(e.needed(), e.budget(), path + ": " + e.what());
    }
}

std::string serialize_project(const Project& project, const std::string& project_dir) {
    json view;
    try {
        view = json::parse(project.view_json.empty() ? std::string("{}") : project.view_json);
    } catch (const json::exception& e) {
        fail("view", std::string("the view settings are not valid JSON: ") + e.what());
    }
    if (!view.is_object())
        fail("view", "the view settings must be a JSON object, got " + describe(view));

    json image = json::object();
    if (!project.image_path.empty()) {
        const std::string path = relative_to(project.image_path, project_dir);
        if (json_reading::is_utf8(path))
            image["path"] = path;
        else if (!project.has_embedded_image())
            fail("image.path", json_reading::quoted(path) +
                                   " is not UTF-8 text, which a project file cannot hold (rename "
                                   "the image, or embed it)");
    }
    if (!project.image_name.empty())
        image["name"] = project.image_name;
    if (project.has_embedded_image())
        image["embedded"] = base64_encode(project.embedded_image);

    json doc = json::object();
    doc["format"] = kFormat;
    doc["version"] = kVersion;
    doc["image"] = std::move(image);
    doc["pipeline"] = json::parse(serialize_pipeline(project.pipeline));
    doc["view"] = std::move(view);
    // A name that is not UTF-8 is kept readable: its odd bytes become U+FFFD.
    return doc.dump(2, ' ', false, json::error_handler_t::replace) + "\n";
}

Tensor load_project_input(const Project& project) {
    if (project.has_embedded_image())
        return decode_input(project.embedded_image, "embedded image \"" + project.image_name + "\"",
                            project.pipeline.input_mode);
    if (project.image_path.empty())
        throw IoError("the project names no input image");
    return load_input(project.image_path, project.pipeline.input_mode);
}

Shape project_input_shape(const Project& project) {
    if (project.has_embedded_image())
        return peek_input_shape(project.embedded_image,
                                "embedded image \"" + project.image_name + "\"",
                                project.pipeline.input_mode);
    if (project.image_path.empty())
        throw IoError("the project names no input image");
    return peek_input_shape(project.image_path, project.pipeline.input_mode);
}

std::string project_input_label(const Project& project) {
    if (project.has_embedded_image())
        return "embedded:" + project.image_name;
    return project.image_path;
}

std::string base64_encode(const std::vector<std::uint8_t>& bytes) {
    std::string text;
    text.reserve((bytes.size() + 2) / 3 * 4);
    for (std::size_t i = 0; i < bytes.size(); i += 3) {
        const std::size_t left = bytes.size() - i;
        const std::uint32_t group = (std::uint32_t{bytes[i]} << 16) |
                                    (left > 1 ? std::uint32_t{bytes[i + 1]} << 8 : 0) |
                                    (left > 2 ? std::uint32_t{bytes[i + 2]} : 0);
        text += kBase64Alphabet[(group >> 18) & 63];
        text += kBase64Alphabet[(group >> 12) & 63];
        text += left > 1 ? kBase64Alphabet[(group >> 6) & 63] : '=';
        text += left > 2 ? kBase64Alphabet[group & 63] : '=';
    }
    return text;
}

std::vector<std::uint8_t> base64_decode(const std::string& text) {
    std::array<int, 256> value;
    value.fill(-1);
    for (int i = 0; i < 64; ++i)
        value[static_cast<unsigned char>(kBase64Alphabet[i])] = i;
    if (text.size() % 4 != 0)
        throw std::invalid_argument("length " + std::to_string(text.size()) +
                                    " is not a multiple of 4");
    std::vector<std::uint8_t> bytes;
    bytes.reserve(text.size() / 4 * 3);
    for (std::size_t i = 0; i < text.size(); i += 4) {
        const bool last = i + 4 == text.size();
        int padding = 0;
        std::uint32_t group = 0;
        for (std::size_t k = 0; k < 4; ++k) {
            const unsigned char c = static_cast<unsigned char>(text[i + k]);
            // '=' only at the end: "xx==" or "xxx=".
            if (c == '=' && last && k >= 2 && (k == 3 || text[i + 3] == '=')) {
                ++padding;
                group <<= 6;
                continue;
            }
            if (value[c] < 0 || padding > 0)
                throw std::invalid_argument("unexpected character '" + std::string(1, c) +
                                            "' at offset " + std::to_string(i + k));
            group = (group << 6) | static_cast<std::uint32_t>(value[c]);
        }
        bytes.push_back(static_cast<std::uint8_t>(group >> 16));
        if (padding < 2)
            bytes.push_back(static_cast<std::uint8_t>(group >> 8));
        if (padding < 1)
            bytes.push_back(static_cast<std::uint8_t>(group));
    }
    return bytes;
}

} // namespace convscope
