#pragma once
// Writing a run's feature maps to a folder: colormapped PNGs, float32 TIFFs, NPY arrays, and a
// manifest.json that lists them (the layout the CLI and the app's "export all" share).

#include "convscope/backend.hpp"
#include "convscope/colormap.hpp"

#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace convscope {

struct ExportFormats {
    bool png = true;
    bool tiff = false;
    bool npy = false;
};

// Parses "png,tiff,npy" (any subset, comma-separated); returns false and names the bad entry.
bool parse_export_formats(const std::string& list, ExportFormats& formats, std::string& bad);

// A model file whose import is the pipeline that made the maps, unedited: the manifest names
// the file and its SHA-256 (with the import's `until` and the pipeline's input settings, all
// a rerun needs) instead of holding every weight again.
struct ModelReference {
    std::string path;
    std::string sha256; // OnnxModelInfo::sha256 of the file as imported
    std::string until;  // OnnxImportOptions::until of the import, if any
};

struct ExportRequest {
    std::string out_dir;
    ExportFormats formats;
    Colormap colormap = Colormap::Auto;
    // Also one contact sheet per layer (all its maps on a labelled grid) as
    // DIR/<layer folder>/contact_sheet.png, named in the layer's manifest entry as
    // "contact_sheet".
    bool contact_sheets = false;
    // The layers to write (indices into the pipeline); empty: every layer.
    std::vector<int> layers;
    // Recorded in the manifest (project_path only when not empty). The manifest holds the
    // pipeline that produced the maps itself ("pipeline"); pipeline_path, the file it was
    // loaded from (a pipeline, a model), is provenance only ("pipeline_source").
    std::string image_path;
    std::string pipeline_path;
    std::string backend;
    std::string project_path;
    // Set only when the pipeline is exactly this model's import (nothing edited since): the
    // manifest's "pipeline" is then {"model", "sha256", "until", "input"} instead of the
    // whole pipeline object. The caller knows whether anything was edited; the exporter trusts it.
    std::optional<ModelReference> model;
};

// Writes every layer's maps and DIR/manifest.json; throws IoError naming the path that failed.
void export_run(const ExportRequest& request, const Pipeline& pipeline, const Tensor& input,
                const RunResult& result);

// The same a layer at a time, as a run computes them (RunOptions::on_computed), so that each
// layer's maps can be let go once written: the folder and input.npy first, then each layer, then
// the manifest. `pipeline` must outlive the exporter.
class RunExporter {
public:
    RunExporter(const ExportRequest& request, const Pipeline& pipeline, const Tensor& input);
    ~RunExporter();
    void write_layer(int index, const LayerResult& result);
    void finish();

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

// Writes one map as an 8-bit colour PNG / a float32 TIFF; throws IoError.
void write_map_png(const std::string& path, const Tensor& tensor, int channel, Colormap map);
void write_map_tiff(const std::string& path, const Tensor& tensor, int channel);
// Reads a float32 one-channel TIFF back (for tests and re-import); throws IoError.
Tensor read_map_tiff(const std::string& path);

} // namespace convscope
