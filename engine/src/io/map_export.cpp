// The export layout shared by the CLI and the app, layers and maps numbered from 1 as the app
// shows them:
//   DIR/manifest.json
//   DIR/layer01_<name>/map001.png, map001.tiff, ..., maps.npy

#include "convscope/map_export.hpp"
#include "atomic_file.hpp"
#include "convscope/contact_sheet.hpp"
#include "convscope/image_io.hpp"
#include "convscope/npy.hpp"
#include "convscope/pipeline_json.hpp"
#include "convscope/png_writer.hpp"

#include <nlohmann/json.hpp>
#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <filesystem>
#include <sstream>

namespace convscope {

namespace {

namespace fs = std::filesystem;
using json = nlohmann::ordered_json;

std::string two_digits(int i) {
    char buffer[16];
    std::snprintf(buffer, sizeof buffer, "%02d", i);
    return buffer;
}

std::string three_digits(int i) {
    char buffer[16];
    std::snprintf(buffer, sizeof buffer, "%03d", i);
    return buffer;
}

// "layer04_edges" for index 3: numbered from 1 as the app shows layers, sortable, and safe on
// every file system.
std::string layer_folder(const Layer& layer, int index) {
    std::string name = display_name(layer);
    for (char& c : name)
        if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_')
            c = '_';
    return "layer" + two_digits(index + 1) + "_" + name;
}

// `text` (pretty-printed JSON) indented by `spaces` more on every line but the first, to sit
// inside another document.
std::string indented(const std::string& text, int spaces) {
    std::string out;
    out.reserve(text.size() + text.size() / 8);
    const std::string pad(static_cast<std::size_t>(spaces), ' ');
    for (std::size_t i = 0; i < text.size(); ++i) {
        out += text[i];
        if (text[i] == '\n' && i + 1 < text.size())
            out += pad;
    }
    while (!out.empty() && out.back() == '\n')
        out.pop_back();
    return out;
}

void create_folder(const fs::path& dir) {
    std::error_code ec;
    fs::create_directories(dir, ec);
    if (ec || !fs::is_directory(dir))
        throw IoError(dir.string() + ": cannot create the output folder (" +
                      (ec ? ec.message() : std::string("a file is in the way")) + ")");
}

void write_tiff(const std::string& path, const cv::Mat& image) {
    bool ok = false;
    try {
        ok = cv::imwrite(path, image);
    } catch (const cv::Exception& e) {
        throw IoError(path + ": cannot be written (" + e.err + ")");
    }
    if (!ok)
        throw IoError(path + ": cannot be written (folder not writable or disk full?)");
}

json shape_json(Shape s) {
    return json::array({s.channels, s.height, s.width});
}

} // namespace

bool parse_export_formats(const std::string& list, ExportFormats& formats, std::string& bad) {
    formats = {false, false, false};
    std::stringstream stream(list);
    std::string item;
    bool any = false;
    while (std::getline(stream, item, ',')) {
        if (item == "png")
            formats.png = true;
        else if (item == "tiff")
            formats.tiff = true;
        else if (item == "npy")
            formats.npy = true;
        else {
            bad = item;
            return false;
        }
        any = true;
    }
    if (!any)
        bad = list;
    return any;
}

void write_map_png(const std::string& path, const Tensor& tensor, int channel, Colormap map) {
    const ValueRange range = map_range(tensor, channel);
    const Colormap resolved = resolve_colormap(map, range);
    write_png(path, colorize(tensor, channel, resolved, display_range(resolved, range)));
}

void write_map_tiff(const std::string& path, const Tensor& tensor, int channel) {
    // A view of the channel: rows are padded, so pass the stride.
    const cv::Mat view(tensor.height(), tensor.width(), CV_32F,
                       const_cast<float*>(tensor.channel_data(channel)),
                       tensor.row_stride() * sizeof(float));
    write_tiff(path, view);
}

Tensor read_map_tiff(const std::string& path) {
    cv::Mat m;
    try {
        m = cv::imread(path, cv::IMREAD_UNCHANGED);
    } catch (const cv::Exception& e) {
        throw IoError(path + ": cannot be decoded (" + e.err + ")");
    }
    if (m.empty() || m.type() != CV_32FC1)
        throw IoError(path + ": not a one-channel float32 TIFF");
    Tensor t(1, m.rows, m.cols);
    for (int y = 0; y < m.rows; ++y)
        std::copy_n(m.ptr<float>(y), m.cols, t.row(0, y));
    return t;
}

struct RunExporter::Impl {
    ExportRequest request;
    const Pipeline& pipeline;
    fs::path root;
    json input_entry;
    json layers = json::array();
    double total_ms = 0;

    // The manifest's "pipeline": the pipeline object, or the unedited model's reference.
    std::string pipeline_text(const ExportRequest& request) const;
};

RunExporter::RunExporter(const ExportRequest& request, const Pipeline& pipeline,
                         const Tensor& input)
    : impl_(std::make_unique<Impl>(Impl{request, pipeline, fs::path(request.out_dir), {}})) {
    create_folder(impl_->root);
    // With npy, the input tensor too: everything needed to recompute a layer elsewhere.
    impl_->input_entry = {{"image", request.image_path},
                          {"mode", std::string(to_string(pipeline.input_mode))},
                          {"shape", shape_json(input.shape())}};
    if (request.formats.npy) {
        write_npy((impl_->root / "input.npy").string(), input);
        impl_->input_entry["npy"] = "input.npy";
    }
}

RunExporter::~RunExporter() = default;

void RunExporter::write_layer(int index, const LayerResult& lr) {
    const ExportRequest& request = impl_->request;
    if (!request.layers.empty() &&
        std::find(request.layers.begin(), request.layers.end(), index) == request.layers.end())
        return;
    const fs::path& root = impl_->root;
    const Layer& layer = impl_->pipeline.layers[static_cast<std::size_t>(index)];
    const std::string folder = layer_folder(layer, index);
    create_folder(root / folder);

    json files = json::array();
    for (int c = 0; c < lr.output->channels(); ++c) {
        const std::string stem = folder + "/map" + three_digits(c + 1);
        if (request.formats.png) {
            write_map_png((root / (stem + ".png")).string(), *lr.output, c, request.colormap);
            files.push_back(stem + ".png");
        }
        if (request.formats.tiff) {
            write_map_tiff((root / (stem + ".tiff")).string(), *lr.output, c);
            files.push_back(stem + ".tiff");
        }
    }
    if (request.formats.npy) {
        const std::string name = folder + "/maps.npy";
        write_npy((root / name).string(), *lr.output);
        files.push_back(name);
    }

    std::string sheet;
    if (request.contact_sheets) {
        sheet = folder + "/contact_sheet.png";
        ContactSheetOptions options;
        options.colormap = request.colormap;
        write_contact_sheet((root / sheet).string(), *lr.output,
                            contact_sheet_title(layer, index, lr.output->shape()), options);
    }

    json entry = json::object();
    entry["index"] = index;      // zero-based, for programs
    entry["number"] = index + 1; // as the app, the folder names and messages number it
    entry["type"] = std::string(type_name(layer));
    entry["name"] = display_name(layer);
    entry["enabled"] = layer.enabled;
    entry["shape"] = shape_json(lr.output->shape());
    entry["ms"] = lr.ms;
    entry["kernel"] = lr.kernel;
    entry["files"] = std::move(files);
    if (!sheet.empty())
        entry["contact_sheet"] = sheet;
    impl_->layers.push_back(std::move(entry));
    impl_->total_ms += lr.ms;
}

std::string RunExporter::Impl::pipeline_text(const ExportRequest& request) const {
    if (!request.model)
        return indented(serialize_pipeline(pipeline), 2);
    // The input settings as the pipeline writer writes them (one owner of that format): a
    // pipeline without its layers, of which only "input" is kept.
    Pipeline settings = pipeline;
    settings.layers.clear();
    const json input = json::parse(serialize_pipeline(settings)).at("input");
    json reference = json::object();
    reference["model"] = request.model->path;
    reference["sha256"] = request.model->sha256;
    if (!request.model->until.empty())
        reference["until"] = request.model->until;
    reference["input"] = input;
    return indented(reference.dump(2, ' ', false, json::error_handler_t::replace), 2);
}

void RunExporter::finish() {
    const ExportRequest& request = impl_->request;
    json formats = json::array();
    if (request.formats.png)
        formats.push_back("png");
    if (request.formats.tiff)
        formats.push_back("tiff");
    if (request.formats.npy)
        formats.push_back("npy");

    json manifest = json::object();
    manifest["format"] = "convscope-manifest";
    // Version 2: "pipeline" is the pipeline that produced the maps (version 1 held the path
    // of the file it was loaded from, which edits since may have left behind), or, for an
    // unedited model, the model file by path and SHA-256 with the input settings.
    manifest["version"] = 2;
    manifest["input"] = impl_->input_entry;
    manifest["pipeline"] = nullptr; // the pipeline object, spliced in below
    if (!request.pipeline_path.empty())
        manifest["pipeline_source"] = request.pipeline_path;
    if (!request.project_path.empty())
        manifest["project"] = request.project_path;
    manifest["backend"] = request.backend;
    manifest["colormap"] = std::string(to_string(request.colormap));
    manifest["formats"] = std::move(formats);
    manifest["total_ms"] = impl_->total_ms;
    manifest["layers"] = impl_->layers;
    // Paths that are not UTF-8 (Latin-1 file names) are kept readable: odd bytes become U+FFFD.
    std::string text = manifest.dump(2, ' ', false, json::error_handler_t::replace) + "\n";
    // The pipeline as its file holds it, written by the pipeline writer (one owner of the
    // format; a model's millions of weights never pass through a JSON tree here). Strings in
    // the dump escape their quotes, so the placeholder occurs once, at the top level.
    const std::string placeholder = "\n  \"pipeline\": null";
    const std::size_t at = text.find(placeholder);
    if (at != std::string::npos)
        text.replace(at, placeholder.size(), "\n  \"pipeline\": " + impl_->pipeline_text(request));
    const fs::path path = impl_->root / "manifest.json";
    write_file_atomically(path.string(), text.data(), text.size());
}

void export_run(const ExportRequest& request, const Pipeline& pipeline, const Tensor& input,
                const RunResult& result) {
    RunExporter exporter(request, pipeline, input);
    for (std::size_t i = 0; i < result.layers.size(); ++i)
        exporter.write_layer(static_cast<int>(i), result.layers[i]);
    exporter.finish();
}

} // namespace convscope
