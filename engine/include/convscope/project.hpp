#pragma once
// Project files (.convscope): a whole session in one JSON document.
//
//   {"format": "convscope-project", "version": 1,
//    "image": {"path": "photos/cat.png",        // relative to the project file's folder
//              "name": "cat.png",               // the original file name (optional)
//              "embedded": "<base64 of the file's bytes>"},   // optional
//    "pipeline": {...the same object as a pipeline file...},
//    "view": {...the app's view settings, kept as they are...}}
//
// Paths are stored relative to the project's folder, so a project moved or copied together with
// its images still opens. An embedded image makes the project self-contained; it wins over the
// path when both are there. The engine only turns projects into text and back; writing the file
// atomically is the caller's job (the app and the CLI use QSaveFile).

#include "convscope/pipeline.hpp"
#include "convscope/tensor.hpp"

#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

namespace convscope {

struct Project {
    Pipeline pipeline;
    // The input image: in memory an absolute path (or empty when only embedded).
    std::string image_path;
    // The original file name ("cat.png"): names an embedded image, and its extension tells the
    // decoder what the bytes are.
    std::string image_name;
    // The image file's bytes, exactly as on disk; empty when not embedded.
    std::vector<std::uint8_t> embedded_image;
    // The GUI's view settings (colormap, normalisation, selection, ...): the text of one JSON
    // object, kept as it is. Empty means {}.
    std::string view_json = "{}";

    bool has_embedded_image() const { return !embedded_image.empty(); }
    friend bool operator==(const Project&, const Project&) = default;
};

// A project file that cannot be read: names the field at fault (e.g. "image.path", or
// "pipeline" for an error inside the pipeline, whose message then names the layer).
class ProjectError : public std::runtime_error {
public:
    ProjectError(std::string field, const std::string& message);
    const std::string& field() const { return field_; }

private:
    std::string field_;
};

// A project for `image_path` (made absolute) and `pipeline`; with `embed`, the image file's
// bytes too. Throws IoError when the image cannot be read (embed) or does not exist.
Project make_project(const std::string& image_path, const Pipeline& pipeline, bool embed);

// Reads project text; relative image paths are resolved against `project_dir` (the folder of
// the project file). Throws ProjectError naming the field; strict like pipeline files.
Project parse_project(const std::string& json_text, const std::string& project_dir);
// Reads a project file; errors name the file. Throws IoError or ProjectError.
Project load_project(const std::string& path);

// Pretty-printed JSON that parse_project reads back to an equal project; the image path is
// written relative to `project_dir`. Throws ProjectError when view_json is not a JSON object.
std::string serialize_project(const Project& project, const std::string& project_dir);

// The input tensor the project's pipeline runs on: the embedded image if there is one, else the
// file at image_path; decoded exactly as load_input decodes a file. Throws IoError.
Tensor load_project_input(const Project& project);

// The shape load_project_input would give, from the image's header alone where it states it.
Shape project_input_shape(const Project& project);

// A short description of where the input comes from, for manifests and messages: the path, or
// "embedded:cat.png".
std::string project_input_label(const Project& project);

// Base64 (RFC 4648, with padding), used for embedded images.
std::string base64_encode(const std::vector<std::uint8_t>& bytes);
// Throws std::invalid_argument naming the first bad character or a bad length.
std::vector<std::uint8_t> base64_decode(const std::string& text);

} // namespace convscope
